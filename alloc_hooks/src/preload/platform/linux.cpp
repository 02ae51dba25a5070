// The preload library's own part (liballoc_hooks_preload.so, Linux): the hooks and the malloc
// family are the same objects as in the static targets; this adds what a program that was never
// linked with them needs: a start before main, children left alone, and the figures written to a
// file when the program exits, for `memory_baseline profile` (docs/profile.md).
//
// - ALLOC_HOOKS_PROFILE_OUT names the file. The report is written by this library's destructor,
//   which the dynamic loader runs after the program's exit handlers and static destructors, so
//   allocations made while the program exits are in it; frees glibc makes after that are not.
//   A program that ends otherwise gets its report written on the way out: by _exit and _Exit
//   (replaced here), by quick_exit (a handler registered here runs after the program's
//   at_quick_exit handlers), by a fatal signal whose action was the default when the program
//   started (a handler here writes it, then the signal ends the process as it would have), and by
//   an exec (the exec functions replaced here write it first). Not after SIGKILL, nor after an
//   exit_group or execve system call made without the C library's functions (docs/profile.md).
// - The library takes itself out of LD_PRELOAD and the ALLOC_HOOKS_ variables out of the
//   environment at start: the program sees the environment it was given, and programs it starts
//   with exec (a shell command, posix_spawn) are not measured, as under heaptrack.
// - A fork child keeps the hooks (they hold no lock, so fork cannot deadlock them) but writes no
//   report: only the process that started writes one.
// Nothing here allocates (profile_report.hpp); the stacks are raw addresses with the module list,
// symbolized by the runner.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/backend.hpp"
#include "core/platform/platform.hpp"
#include "preload/profile_report.hpp"

namespace alloc_hooks::detail {

namespace {

char report_path[4096];
pid_t starting_process = 0;

// Removes the entry naming this library from an LD_PRELOAD value, in place (it only shrinks).
void remove_own_entry(char* value) {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&remove_own_entry), &self) == 0 || self.dli_fname == nullptr)
    return;
  const char* own_name = std::strrchr(self.dli_fname, '/');
  own_name = own_name != nullptr ? own_name + 1 : self.dli_fname;
  char* write = value;
  const char* read = value;
  bool first = true;
  while (*read != '\0') {
    const char* end = read + std::strcspn(read, ": ");
    const char* base = end;
    while (base > read && base[-1] != '/') --base;
    const bool own = static_cast<std::size_t>(end - base) == std::strlen(own_name) &&
                     std::strncmp(base, own_name, static_cast<std::size_t>(end - base)) == 0;
    if (!own && end > read) {
      if (!first) *write++ = ':';
      std::memmove(write, read, static_cast<std::size_t>(end - read));
      write += end - read;
      first = false;
    }
    read = *end != '\0' ? end + 1 : end;
  }
  *write = '\0';
}

// The environment the program was given, without what the runner added for the hooks: this
// library's LD_PRELOAD entry (LD_PRELOAD itself when nothing else is left in it) and every
// ALLOC_HOOKS_ variable, all read by now. The entries are taken out of environ in place (the
// pointers shift down; nothing allocates), so that a program that reads or copies its environment
// sees the one it was given, and the programs it starts are not measured, as under heaptrack.
void leave_environment_as_given() {
  if (environ == nullptr) return;
  char** kept = environ;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "ALLOC_HOOKS_", 12) == 0) continue;
    if (std::strncmp(*entry, "LD_PRELOAD=", 11) == 0) {
      remove_own_entry(*entry + 11);
      if ((*entry)[11] == '\0') continue;
    }
    *kept++ = *entry;
  }
  *kept = nullptr;
}

bool write_report(const char* ended_by);
void find_real_functions();

using Sigaction = int (*)(int, const struct sigaction*, struct sigaction*);
Sigaction real_sigaction = nullptr;

// The signals whose default action ends the process (SIGKILL and SIGSTOP cannot be caught), and
// the real-time signals SIGRTMIN to SIGRTMAX (whose default ends it too; the C library keeps the
// ones below SIGRTMIN for itself).
constexpr int kFatalSignals[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP, SIGABRT,
                                 SIGBUS,  SIGFPE,  SIGUSR1,   SIGSEGV, SIGUSR2, SIGPIPE,
                                 SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
                                 SIGPROF, SIGIO,   SIGPWR,    SIGSYS};

// The report, then the signal again under its default action, unblocked, which ends the process
// with it as without the hooks. The default is set and the signal unblocked here, not left to
// SA_RESETHAND and the handler's return: a runtime that installed its own handler over this one
// may call this one as a function, from inside its handler (Go forwards signals so).
void on_fatal_signal(int signal) {
  const int saved_errno = errno;
  char ended_by[32];
  std::snprintf(ended_by, sizeof ended_by, "signal %d", signal);
  write_report(ended_by);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  real_sigaction(signal, &default_action, nullptr);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal);
  pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
  raise(signal);
  errno = saved_errno;  // a fault raised here returns, and its instruction faults again
}

// A handler for each fatal signal left at its default action by whoever started the program
// (one it ignores or a handler of its own it sets later stay its own).
void catch_fatal_signal(int signal) {
  struct sigaction current {};
  if (real_sigaction(signal, nullptr, &current) != 0 || current.sa_handler != SIG_DFL) return;
  struct sigaction action {};
  action.sa_handler = on_fatal_signal;
  action.sa_flags = SA_RESETHAND;
  sigfillset(&action.sa_mask);
  real_sigaction(signal, &action, nullptr);
}

void catch_fatal_signals() {
  for (const int signal : kFatalSignals) catch_fatal_signal(signal);
  for (int signal = SIGRTMIN; signal <= SIGRTMAX; ++signal) catch_fatal_signal(signal);
}

void write_report_at_quick_exit();

// Whether `signal`'s action is this library's handler: the program is told SIG_DFL there, so that
// a program that sets its own handling only where it finds the default (CPython's SIGINT, Rust's
// stack-overflow guard, ncurses) does as it would without the hooks.
bool handled_here(int signal) {
  struct sigaction current {};
  return real_sigaction(signal, nullptr, &current) == 0 && !(current.sa_flags & SA_SIGINFO) &&
         current.sa_handler == on_fatal_signal;
}

__attribute__((constructor)) void start_preloaded() {
  (void)active_backend();
  starting_process = getpid();
  find_real_functions();
  if (const char* path = platform::environment("ALLOC_HOOKS_PROFILE_OUT")) {
    std::snprintf(report_path, sizeof report_path, "%s", path);
    catch_fatal_signals();
    // Registered first, so run last (after the program's own at_quick_exit handlers).
    at_quick_exit(write_report_at_quick_exit);
  }
  leave_environment_as_given();
}

// The modules, for symbolizing the stacks after the process is gone; the first one without a
// name is the program.
void list_modules(ModuleLine line) {
  struct Listing {
    ModuleLine line;
    bool first;
    char executable[4096];
  };
  static Listing listing;  // one report is written at a time (report_written)
  listing.line = line;
  listing.first = true;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* state) {
        Listing& listing = *static_cast<Listing*>(state);
        const char* path = info->dlpi_name;
        if (listing.first && (path == nullptr || *path == '\0')) {
          const ssize_t length =
              readlink("/proc/self/exe", listing.executable, sizeof listing.executable - 1);
          listing.executable[length > 0 ? length : 0] = '\0';
          path = listing.executable;
        }
        listing.first = false;
        if (path != nullptr && path[0] == '/')
          listing.line(static_cast<std::uintptr_t>(info->dlpi_addr), path);
        return 0;
      },
      &listing);
}

// The C++ runtime's emergency exception pool (72,704 B, which libsupc++ mallocs at start-up and
// frees only in __gnu_cxx::__freeres, for leak checkers): freed before the report, as valgrind
// and heaptrack do, so that it is not the program's leak. The runtime outlives this library
// (a dependency is finalized after it); an exception thrown after this is malloc'd as always,
// only the pool that serves one when malloc fails is gone.
void free_cxx_runtime_pool() {
  using Freeres = void (*)();
  if (const auto freeres =
          reinterpret_cast<Freeres>(dlsym(RTLD_DEFAULT, "_ZN9__gnu_cxx9__freeresEv")))
    freeres();
}

std::atomic<bool> report_written{false};

// Writes the report once, in the process that started (a fork child writes none), whichever end
// comes first; true when this call wrote it.
bool write_report(const char* ended_by) {
  if (report_path[0] == '\0' || getpid() != starting_process || report_written.exchange(true))
    return false;
  // The program's exit status is its own: a report that cannot be written is said, and the
  // runner finds no figures.
  if (!write_profile_report(report_path, ended_by, list_modules))
    platform::say(
        "cannot write the profile report (ALLOC_HOOKS_PROFILE_OUT): no figures; the exit status "
        "stays the program's");
  return true;
}

__attribute__((destructor)) void write_report_at_exit() {
  if (report_path[0] == '\0' || getpid() != starting_process) return;
  free_cxx_runtime_pool();
  write_report("exit");
}

// quick_exit ends through the C library's own _exit (not the one replaced here) once its handlers
// ran: for the report, as _exit.
void write_report_at_quick_exit() {
  write_report("_exit");
}

// _exit and _Exit: the report, then the end the program asked for (what glibc's _exit does).
[[noreturn]] void end_without_exit_handlers(int status) {
  write_report("_exit");
  for (;;) syscall(SYS_exit_group, status);
}

// The C library's exec functions (and sigaction, above), found when the library starts (not in the
// exec: a vfork child may be the caller), or at the first exec if a library's constructor execs
// before that.
using Execve = int (*)(const char*, char* const[], char* const[]);
using Execv = int (*)(const char*, char* const[]);
using Fexecve = int (*)(int, char* const[], char* const[]);
using Execveat = int (*)(int, const char*, char* const[], char* const[], int);
struct ExecFunctions {
  Execve execve, execvpe;
  Execv execv, execvp;
  Fexecve fexecve;
  Execveat execveat;
} real_exec{};

void find_real_functions() {
  real_sigaction = reinterpret_cast<Sigaction>(dlsym(RTLD_NEXT, "sigaction"));
  real_exec.execve = reinterpret_cast<Execve>(dlsym(RTLD_NEXT, "execve"));
  real_exec.execvpe = reinterpret_cast<Execve>(dlsym(RTLD_NEXT, "execvpe"));
  real_exec.execv = reinterpret_cast<Execv>(dlsym(RTLD_NEXT, "execv"));
  real_exec.execvp = reinterpret_cast<Execv>(dlsym(RTLD_NEXT, "execvp"));
  real_exec.fexecve = reinterpret_cast<Fexecve>(dlsym(RTLD_NEXT, "fexecve"));
  real_exec.execveat = reinterpret_cast<Execveat>(dlsym(RTLD_NEXT, "execveat"));
}

// An exec: the report as the program stands, then `exec()`; one that fails (returns) leaves the
// program running, and its later end writes the report again.
template <typename Exec>
int report_then_exec(Exec exec) {
  if (real_exec.execve == nullptr) find_real_functions();
  const bool wrote = write_report("exec");
  const int result = exec();
  const int failure = errno;
  // Still running: the figures written are not the end's. A later end writes them again; one
  // that cannot (SIGKILL) leaves none, not these.
  if (wrote) {
    unlink(report_path);
    report_written.store(false);
  }
  errno = failure;
  return result;
}

// execl, execlp and execle: `exec(argv, envp)` with their arguments up to the null pointer as an
// argv array on the stack (an exec allocates nothing), and for execle (`with_environment`) the
// environment that follows the null pointer.
template <typename Exec>
int exec_argument_list(const char* first, va_list arguments, bool with_environment, Exec exec) {
  va_list counting;
  va_copy(counting, arguments);
  std::size_t count = 1;  // the null pointer's place
  for (const char* argument = first; argument != nullptr; argument = va_arg(counting, char*))
    ++count;
  va_end(counting);
  char* argv[count];  // a variable-length array (GNU C++)
  argv[0] = const_cast<char*>(first);
  for (std::size_t i = 1; i < count; ++i) argv[i] = va_arg(arguments, char*);
  char* const* envp = with_environment ? va_arg(arguments, char* const*) : nullptr;
  return exec(argv, envp);
}

}  // namespace

}  // namespace alloc_hooks::detail

// glibc's exit() ends through its own internal _exit, and its exec functions call its internal
// execve, not these: they serve the program's own calls.
extern "C" {
using namespace alloc_hooks::detail;

[[noreturn]] __attribute__((visibility("default"))) void _exit(int status) {
  end_without_exit_handlers(status);
}
[[noreturn]] __attribute__((visibility("default"))) void _Exit(int status) noexcept {
  end_without_exit_handlers(status);
}

// sigaction as the program would see it without the hooks: SIG_DFL where this library's handler
// stands in for the default, which a program's SIG_DFL keeps; any other action is the program's.
__attribute__((visibility("default"))) int sigaction(int signal, const struct sigaction* action,
                                                     struct sigaction* old) noexcept {
  if (real_sigaction == nullptr) find_real_functions();
  const bool here = handled_here(signal);
  if (here && action != nullptr && action->sa_handler == SIG_DFL &&
      !(action->sa_flags & SA_SIGINFO)) {
    if (old != nullptr) *old = {};
    return 0;
  }
  const int result = real_sigaction(signal, action, old);
  if (result == 0 && here && old != nullptr) *old = {};  // sa_handler SIG_DFL (0), no flags
  return result;
}

__attribute__((visibility("default"))) int execve(const char* path, char* const argv[],
                                                  char* const envp[]) noexcept {
  return report_then_exec([&] { return real_exec.execve(path, argv, envp); });
}
__attribute__((visibility("default"))) int execvpe(const char* file, char* const argv[],
                                                   char* const envp[]) noexcept {
  return report_then_exec([&] { return real_exec.execvpe(file, argv, envp); });
}
__attribute__((visibility("default"))) int fexecve(int fd, char* const argv[],
                                                   char* const envp[]) noexcept {
  return report_then_exec([&] { return real_exec.fexecve(fd, argv, envp); });
}
__attribute__((visibility("default"))) int execveat(int directory, const char* path,
                                                    char* const argv[], char* const envp[],
                                                    int flags) noexcept {
  return report_then_exec([&] { return real_exec.execveat(directory, path, argv, envp, flags); });
}
__attribute__((visibility("default"))) int execv(const char* path, char* const argv[]) noexcept {
  return report_then_exec([&] { return real_exec.execv(path, argv); });
}
__attribute__((visibility("default"))) int execvp(const char* file, char* const argv[]) noexcept {
  return report_then_exec([&] { return real_exec.execvp(file, argv); });
}
__attribute__((visibility("default"))) int execl(const char* path, const char* first,
                                                 ...) noexcept {
  va_list arguments;
  va_start(arguments, first);
  const int result = exec_argument_list(
      first, arguments, false, [&](char* const argv[], char* const*) { return execv(path, argv); });
  va_end(arguments);
  return result;
}
__attribute__((visibility("default"))) int execlp(const char* file, const char* first,
                                                  ...) noexcept {
  va_list arguments;
  va_start(arguments, first);
  const int result =
      exec_argument_list(first, arguments, false,
                         [&](char* const argv[], char* const*) { return execvp(file, argv); });
  va_end(arguments);
  return result;
}
__attribute__((visibility("default"))) int execle(const char* path, const char* first,
                                                  ...) noexcept {
  va_list arguments;
  va_start(arguments, first);
  const int result = exec_argument_list(
      first, arguments, true,
      [&](char* const argv[], char* const* envp) { return execve(path, argv, envp); });
  va_end(arguments);
  return result;
}
}
