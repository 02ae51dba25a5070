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
//   environment at start: the program sees the environment it was given.
// - With ALLOC_HOOKS_PROFILE_FOLLOW=1 the process tree is followed: a fork child starts figures of
//   its own (core/restart.hpp) and writes its own report, and every program the process starts
//   (exec, posix_spawn, system, popen) gets this library and the variables back in the environment
//   it is given, with ALLOC_HOOKS_PROFILE_PARENT naming its parent. Each process image writes
//   ALLOC_HOOKS_PROFILE_OUT.PID.IMAGE, the one the runner started ALLOC_HOOKS_PROFILE_OUT itself.
//   Without it, a fork child keeps the hooks (they hold no lock, so fork cannot deadlock them)
//   but writes no report, and the programs the process starts are not measured.
// Nothing here allocates (profile_report.hpp); the stacks are raw addresses with the module list,
// symbolized by the runner.
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/backend.hpp"
#include "core/peak_watch.hpp"
#include "core/platform/platform.hpp"
#include "core/restart.hpp"
#include "preload/profile_report.hpp"

namespace alloc_hooks::detail {

namespace {

char tree_report_path[4096];  // ALLOC_HOOKS_PROFILE_OUT: the first process's report
char report_path[4096 + 64];  // this process image's: the first's, or REPORT.PID.IMAGE[.N]
ProcessIdentity identity;     // identity.pid: the process whose report this is (not a fork child's)
bool forked = false;          // a fork child followed: its modules come from /proc/self/maps

// Following the tree: the environment entries a child gets back, kept before they were removed.
bool following = false;
char own_library[4096];  // this library's file, as the loader was given it (find_own_library)
constexpr std::size_t kMostKeptVariables = 64;
char kept_text[16384];
char* kept_variables[kMostKeptVariables];
std::size_t kept_count = 0;
constexpr char kParentVariable[] = "ALLOC_HOOKS_PROFILE_PARENT";

bool starts_with(const char* text, const char* prefix) {
  return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

// Removes the entry naming this library from an LD_PRELOAD value, in place (it only shrinks).
void remove_own_entry(char* value) {
  if (own_library[0] == '\0') return;
  const char* own_name = std::strrchr(own_library, '/');
  own_name = own_name != nullptr ? own_name + 1 : own_library;
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

// Copies the ALLOC_HOOKS_ variables (but the parent's name, which each child gets its own of), for
// the programs this one starts.
void keep_for_children() {
  std::size_t used = 0;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::size_t length = std::strlen(*entry) + 1;
    if (!starts_with(*entry, "ALLOC_HOOKS_") || starts_with(*entry, kParentVariable) ||
        kept_count == kMostKeptVariables || used + length > sizeof kept_text)
      continue;
    kept_variables[kept_count++] =
        static_cast<char*>(std::memcpy(kept_text + used, *entry, length));
    used += length;
  }
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

std::atomic<bool> report_written{false};
bool write_report(const char* ended_by);
void find_real_functions();

using Sigaction = int (*)(int, const struct sigaction*, struct sigaction*);
Sigaction real_sigaction = nullptr;
// The C++ runtime's __gnu_cxx::__freeres (free_cxx_runtime_pool), found at start: dlsym takes the
// loader's lock, which a fork child must not wait for at its end.
using Freeres = void (*)();
Freeres cxx_freeres = nullptr;

// The signals whose default action ends the process (SIGKILL and SIGSTOP cannot be caught), and
// the real-time signals SIGRTMIN to SIGRTMAX (whose default ends it too; the C library keeps the
// ones below SIGRTMIN for itself).
// (SIGUSR2 is the snapshot signal, below.)
constexpr int kFatalSignals[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP, SIGABRT, SIGBUS,
                                 SIGFPE,  SIGUSR1, SIGSEGV,   SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT,
                                 SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  SIGSYS};

// The report, then the signal again under its default action, unblocked, which ends the process
// with it as without the hooks. The default is set and the signal unblocked here, not left to
// SA_RESETHAND and the handler's return: a runtime that installed its own handler over this one
// may call this one as a function, from inside its handler (Go forwards signals so).
// `signal` again under its default action, unblocked.
void raise_with_default_action(int signal) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  real_sigaction(signal, &default_action, nullptr);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal);
  pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
  raise(signal);
}

void on_fatal_signal(int signal) {
  const int saved_errno = errno;
  char ended_by[32];
  std::snprintf(ended_by, sizeof ended_by, "signal %d", signal);
  write_report(ended_by);
  raise_with_default_action(signal);
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

// Snapshots while the program runs (docs/profile.md): on SIGUSR2, when the program started with
// it at its default action (which would have ended it), and each time the peak reaches the next
// multiple of ALLOC_HOOKS_SNAPSHOT_EVERY_BYTES. Each is a file of its own, REPORT.snapshot.N.
constexpr int kSnapshotSignal = SIGUSR2;
bool snapshot_signal_caught = false;  // the handler was set at start
std::atomic<unsigned> snapshots_taken{0};
long long monotonic_ns();

void take_snapshot(const char* trigger) {
  if (getpid() != identity.pid) return;  // a vfork child, or a fork child not followed
  const int saved_errno = errno;
  const unsigned index = snapshots_taken.fetch_add(1, std::memory_order_relaxed) + 1;
  char path[sizeof report_path + 32];
  std::snprintf(path, sizeof path, "%s.snapshot.%u", report_path, index);
  write_profile_snapshot(path, index, monotonic_ns(), trigger);
  errno = saved_errno;
}

// In a process that takes no snapshot (a vfork child, a fork child not followed), the signal does
// what it would without the hooks: its default action, which ends the process.
void on_snapshot_signal(int signal) {
  if (getpid() == identity.pid) {
    take_snapshot("signal");
    return;
  }
  raise_with_default_action(signal);
}

void on_peak_step(std::uint64_t) {
  take_snapshot("growth");
}

void catch_snapshot_signal() {
  struct sigaction current {};
  if (real_sigaction(kSnapshotSignal, nullptr, &current) != 0 || (current.sa_flags & SA_SIGINFO) ||
      current.sa_handler != SIG_DFL)
    return;
  struct sigaction action {};
  action.sa_handler = on_snapshot_signal;
  action.sa_flags = SA_RESTART;  // the program's system calls go on as if nothing happened
  sigfillset(&action.sa_mask);
  snapshot_signal_caught = real_sigaction(kSnapshotSignal, &action, nullptr) == 0;
}

// The report's kSnapshotSignal line: whether the handler set at start is still the action (a
// program may have set its own, through sigaction or signal, which glibc does not route through
// the sigaction here).
const char* snapshot_signal_state() {
  if (!snapshot_signal_caught) return "unavailable SIGUSR2";
  struct sigaction current {};
  const bool ours = real_sigaction(kSnapshotSignal, nullptr, &current) == 0 &&
                    !(current.sa_flags & SA_SIGINFO) && current.sa_handler == on_snapshot_signal;
  return ours ? "signal SIGUSR2" : "taken SIGUSR2";
}

void watch_peak_steps() {
  const char* every = platform::environment("ALLOC_HOOKS_SNAPSHOT_EVERY_BYTES");
  if (every == nullptr) return;
  char* end = nullptr;
  const unsigned long long step = std::strtoull(every, &end, 10);
  if (end == every || *end != '\0' || step == 0) {
    platform::say(
        "ALLOC_HOOKS_SNAPSHOT_EVERY_BYTES must be a whole number of bytes above 0: no "
        "snapshots by growth");
    return;
  }
  peak_watch::watch(step, on_peak_step);
}

// Whether `signal`'s action is this library's handler: the program is told SIG_DFL there, so that
// a program that sets its own handling only where it finds the default (CPython's SIGINT, Rust's
// stack-overflow guard, ncurses) does as it would without the hooks.
bool handled_here(int signal) {
  struct sigaction current {};
  return real_sigaction(signal, nullptr, &current) == 0 && !(current.sa_flags & SA_SIGINFO) &&
         (current.sa_handler == on_fatal_signal || current.sa_handler == on_snapshot_signal);
}

void list_arguments(ArgumentLine line);
void start_fork_child();

long long monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<long long>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// REPORT.PID.IMAGE, made here so that no other image has it: processes of other PID namespaces
// (containers, sandboxes) share small ids, and an id may be reused; then REPORT.PID.IMAGE.N.
void name_report_after_tree() {
  for (unsigned again = 1; again < 1000; ++again) {
    const int length = std::snprintf(report_path, sizeof report_path, "%s.%lld.%lld",
                                     tree_report_path, identity.pid, identity.image);
    if (again > 1 && length > 0)
      std::snprintf(report_path + length, sizeof report_path - static_cast<std::size_t>(length),
                    ".%u", again);
    const int file = open(report_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (file >= 0) {
      close(file);
      return;
    }
    if (errno != EEXIST) return;
  }
}

// Which image this is: a child names its parent in ALLOC_HOOKS_PROFILE_PARENT ("PID IMAGE"); the
// same process id there means an exec of it, so this is its next image.
void identify(const char* parent) {
  identity.pid = getpid();
  identity.list_arguments = list_arguments;
  identity.started_ns = monotonic_ns();
  long long parent_pid = -1, parent_image = -1;
  if (parent == nullptr || std::sscanf(parent, "%lld %lld", &parent_pid, &parent_image) != 2) {
    std::snprintf(report_path, sizeof report_path, "%s", tree_report_path);
    return;
  }
  identity.parent_pid = parent_pid;
  identity.parent_image = parent_image;
  identity.image = parent_pid == identity.pid ? parent_image + 1 : 0;
  name_report_after_tree();
}

// This library's file, found once at start: dladdr takes the loader's lock, which a fork child
// must not wait for (list_modules_from_maps).
void find_own_library() {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&find_own_library), &self) != 0 && self.dli_fname != nullptr)
    std::snprintf(own_library, sizeof own_library, "%s", self.dli_fname);
}

__attribute__((constructor)) void start_preloaded() {
  (void)active_backend();
  identity.pid = getpid();
  find_own_library();
  find_real_functions();
  if (const char* path = platform::environment("ALLOC_HOOKS_PROFILE_OUT")) {
    std::snprintf(tree_report_path, sizeof tree_report_path, "%s", path);
    const char* follow = platform::environment("ALLOC_HOOKS_PROFILE_FOLLOW");
    following = follow != nullptr && std::strcmp(follow, "1") == 0;
    identify(following ? platform::environment(kParentVariable) : nullptr);
    if (following) {
      keep_for_children();
      pthread_atfork(nullptr, nullptr, start_fork_child);
    }
    write_profile_report_start(report_path, identity);
    catch_snapshot_signal();
    watch_peak_steps();
    catch_fatal_signals();
    // Registered first, so run last (after the program's own at_quick_exit handlers).
    at_quick_exit(write_report_at_quick_exit);
  }
  leave_environment_as_given();
}

// A fork child followed: a process of its own, with figures from here (core/restart.hpp) and its
// own report. Runs in the child alone, before fork returns there.
void start_fork_child() {
  identity = {getpid(), 0, identity.pid, identity.image, monotonic_ns(), 0, list_arguments};
  forked = true;
  name_report_after_tree();
  report_written.store(false);
  snapshots_taken.store(0, std::memory_order_relaxed);
  restart_profile_snapshots();
  restart_figures();
  write_profile_report_start(report_path, identity);
}

// The arguments as the kernel holds them (/proc/self/cmdline), each cut at 4 KiB.
void list_arguments(ArgumentLine line) {
  const int file = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (file < 0) return;
  static char argument[4096];  // one report is written at a time (report_written)
  std::size_t length = 0;
  char chunk[1024];
  for (ssize_t got; (got = read(file, chunk, sizeof chunk)) > 0;) {
    for (ssize_t i = 0; i < got; ++i) {
      if (chunk[i] == '\0') {
        line(argument, length);
        length = 0;
      } else if (length < sizeof argument) {
        argument[length++] = chunk[i];
      }
    }
  }
  if (length > 0) line(argument, length);  // a program that rewrote its arguments
  close(file);
}

// One line of /proc/self/maps: a file mapped from its offset 0 whose first bytes are an ELF
// header is a module, loaded at the mapping's start less its first loadable segment's address.
void module_of_mapping(const char* mapping, ModuleLine line) {
  unsigned long long start = 0, end = 0, offset = 0;
  char permissions[8] = {};
  int path_at = 0;
  if (std::sscanf(mapping, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, permissions, &offset,
                  &path_at) < 4 ||
      offset != 0 || path_at == 0 || mapping[path_at] != '/' || permissions[0] != 'r' ||
      end - start < sizeof(ElfW(Ehdr)))
    return;
  const auto* header = reinterpret_cast<const ElfW(Ehdr)*>(start);
  if (std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 ||
      header->e_phoff + std::uint64_t{header->e_phnum} * sizeof(ElfW(Phdr)) > end - start)
    return;
  const auto* segments = reinterpret_cast<const ElfW(Phdr)*>(start + header->e_phoff);
  for (unsigned i = 0; i < header->e_phnum; ++i) {
    if (segments[i].p_type != PT_LOAD) continue;
    const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    line(static_cast<std::uintptr_t>(start) - (segments[i].p_vaddr & ~(page - 1)),
         mapping + path_at);
    return;
  }
}

// The modules from /proc/self/maps, which takes no lock: in a fork child, where dl_iterate_phdr
// would wait forever for the loader's lock if another thread of the parent held it at the fork.
void list_modules_from_maps(ModuleLine line) {
  const int file = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (file < 0) return;
  static char mapping[4096 + 128];  // one report is written at a time (report_written)
  std::size_t length = 0;
  char chunk[4096];
  for (ssize_t got; (got = read(file, chunk, sizeof chunk)) > 0;) {
    for (ssize_t i = 0; i < got; ++i) {
      if (chunk[i] != '\n') {
        if (length + 1 < sizeof mapping) mapping[length++] = chunk[i];
        continue;
      }
      mapping[length] = '\0';
      module_of_mapping(mapping, line);
      length = 0;
    }
  }
  close(file);
}

// The modules, for symbolizing the stacks after the process is gone; the first one without a
// name is the program.
void list_modules(ModuleLine line) {
  if (forked) {
    list_modules_from_maps(line);
    return;
  }
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
  if (cxx_freeres != nullptr) cxx_freeres();
}

// Writes the report once, in the process it belongs to (a fork child not followed writes none),
// whichever end comes first; true when this call wrote it.
bool write_report(const char* ended_by) {
  if (report_path[0] == '\0' || getpid() != identity.pid || report_written.exchange(true))
    return false;
  identity.ended_ns = monotonic_ns();
  // The program's exit status is its own: a report that cannot be written is said, and the
  // runner finds no figures.
  if (!write_profile_report(report_path, ended_by, identity, snapshot_signal_state(), list_modules))
    platform::say(
        "cannot write the profile report (ALLOC_HOOKS_PROFILE_OUT): no figures; the exit status "
        "stays the program's");
  return true;
}

__attribute__((destructor)) void write_report_at_exit() {
  if (report_path[0] == '\0' || getpid() != identity.pid) return;
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

// The C library's functions that start programs (and sigaction, above), found when the library
// starts (not in an exec: a vfork child may be the caller), or at the first call if a library's
// constructor starts a program before that.
using Execve = int (*)(const char*, char* const[], char* const[]);
using Fexecve = int (*)(int, char* const[], char* const[]);
using Execveat = int (*)(int, const char*, char* const[], char* const[], int);
using Spawn = int (*)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                      const posix_spawnattr_t*, char* const[], char* const[]);
using System = int (*)(const char*);
using Popen = FILE* (*)(const char*, const char*);
using Pclose = int (*)(FILE*);
struct StartFunctions {
  Execve execve, execvpe;
  Fexecve fexecve;
  Execveat execveat;
  Spawn posix_spawn, posix_spawnp;
  System system;
  Popen popen;
  Pclose pclose;
} real_start{};

void find_real_functions() {
  real_sigaction = reinterpret_cast<Sigaction>(dlsym(RTLD_NEXT, "sigaction"));
  cxx_freeres = reinterpret_cast<Freeres>(dlsym(RTLD_DEFAULT, "_ZN9__gnu_cxx9__freeresEv"));
  real_start.execve = reinterpret_cast<Execve>(dlsym(RTLD_NEXT, "execve"));
  real_start.execvpe = reinterpret_cast<Execve>(dlsym(RTLD_NEXT, "execvpe"));
  real_start.fexecve = reinterpret_cast<Fexecve>(dlsym(RTLD_NEXT, "fexecve"));
  real_start.execveat = reinterpret_cast<Execveat>(dlsym(RTLD_NEXT, "execveat"));
  real_start.posix_spawn = reinterpret_cast<Spawn>(dlsym(RTLD_NEXT, "posix_spawn"));
  real_start.posix_spawnp = reinterpret_cast<Spawn>(dlsym(RTLD_NEXT, "posix_spawnp"));
  real_start.system = reinterpret_cast<System>(dlsym(RTLD_NEXT, "system"));
  real_start.popen = reinterpret_cast<Popen>(dlsym(RTLD_NEXT, "popen"));
  real_start.pclose = reinterpret_cast<Pclose>(dlsym(RTLD_NEXT, "pclose"));
}

const StartFunctions& real() {
  if (real_start.execve == nullptr) find_real_functions();
  return real_start;
}

// `start(envp)`, where a followed tree gives the program started `envp` with this library first in
// its LD_PRELOAD, the kept ALLOC_HOOKS_ variables (in place of any it holds) and its parent's name:
// this image. Built on the stack: nothing allocates (a vfork child may be the caller, which shares
// this process's memory and is named by the parent it shares it with).
template <typename Start>
auto for_children(char* const envp[], Start start) {
  if (!following) return start(envp);
  std::size_t count = 0;
  while (envp != nullptr && envp[count] != nullptr) ++count;
  // A profile of its own (the program runs memory_baseline profile): its environment as given.
  for (std::size_t i = 0; i < count; ++i) {
    if (starts_with(envp[i], "ALLOC_HOOKS_PROFILE_OUT=")) return start(envp);
  }
  char* given[count + kMostKeptVariables + 3];  // a variable-length array (GNU C++)
  char preload[8192];
  char parent[64];
  std::size_t used = 0;
  const char* users_preload = "";
  for (std::size_t i = 0; i < count; ++i) {
    if (starts_with(envp[i], "ALLOC_HOOKS_")) continue;
    if (starts_with(envp[i], "LD_PRELOAD=")) {
      users_preload = envp[i] + 11;
      continue;
    }
    given[used++] = envp[i];
  }
  const int own = std::snprintf(preload, sizeof preload, "LD_PRELOAD=%s", own_library);
  if (own > 0 && *users_preload != '\0' && static_cast<std::size_t>(own) + 2 < sizeof preload) {
    char* rest = preload + own;
    std::snprintf(rest, sizeof preload - static_cast<std::size_t>(own), ":%s", users_preload);
    remove_own_entry(rest + 1);
    if (rest[1] == '\0') rest[0] = '\0';
  }
  given[used++] = preload;
  for (std::size_t i = 0; i < kept_count; ++i) given[used++] = kept_variables[i];
  std::snprintf(parent, sizeof parent, "%s=%lld %lld", kParentVariable, identity.pid,
                identity.image);
  given[used++] = parent;
  given[used] = nullptr;
  return start(given);
}

// An exec: the report as the program stands, then `exec(envp)`, envp as for_children gives it;
// one that fails (returns) leaves the program running, and its later end writes the report again.
template <typename Exec>
int report_then_exec(char* const envp[], Exec exec) {
  (void)real();
  const bool wrote = write_report("exec");
  const int result = for_children(envp, exec);
  const int failure = errno;
  // Still running: the figures written are not the end's. A later end writes them again; one
  // that cannot (SIGKILL) leaves none, not these: the report's start again.
  if (wrote) {
    identity.ended_ns = 0;
    write_profile_report_start(report_path, identity);
    report_written.store(false);
  }
  errno = failure;
  return result;
}

// system and popen take no environment: glibc's start the shell with environ. In a followed tree
// they are made here as glibc makes them (/bin/sh -c -- COMMAND through posix_spawn), with the
// environment for_children gives, so that environ, which other threads may change meanwhile, is
// never touched.
constexpr char kShell[] = "/bin/sh";

// While any system() runs, SIGINT and SIGQUIT are ignored and SIGCHLD blocked in the caller
// (POSIX); the first to start sets that, the last to end puts the actions back.
pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
int systems_running = 0;
struct sigaction interrupt_action, quit_action;

int system_followed(const char* command) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  pthread_mutex_lock(&system_lock);
  if (systems_running++ == 0) {
    real_sigaction(SIGINT, &ignore, &interrupt_action);
    real_sigaction(SIGQUIT, &ignore, &quit_action);
  }
  pthread_mutex_unlock(&system_lock);
  sigset_t child_signal, mask;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &child_signal, &mask);

  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  if (interrupt_action.sa_handler != SIG_IGN) sigaddset(&defaults, SIGINT);
  if (quit_action.sa_handler != SIG_IGN) sigaddset(&defaults, SIGQUIT);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &mask);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>("--"),
                  const_cast<char*>(command), nullptr};
  pid_t child = 0;
  int status = 0;
  if (for_children(environ, [&](char* const* given) {
        return real().posix_spawn(&child, kShell, nullptr, &attributes, argv, given);
      }) == 0) {
    while (waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) {
        status = -1;
        break;
      }
    }
  } else {
    status = 127 << 8;  // as a shell that could not run: what glibc's system returns then
  }
  posix_spawnattr_destroy(&attributes);

  pthread_mutex_lock(&system_lock);
  if (--systems_running == 0) {
    real_sigaction(SIGINT, &interrupt_action, nullptr);
    real_sigaction(SIGQUIT, &quit_action, nullptr);
  }
  pthread_mutex_unlock(&system_lock);
  pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  return status;
}

// The streams popen made here, their descriptors and their shells, for pclose and for the shells of
// later popen calls. A slot is claimed (kFilling), filled, then published (kOpen).
struct Opened {
  enum State : int { kFree, kFilling, kOpen };
  std::atomic<int> state;
  FILE* stream;
  int descriptor;
  dev_t device;  // the pipe's, to tell a descriptor closed by fclose and reused
  ino_t inode;
  pid_t shell;
};
// One popen's spawn at a time, against pclose's close (the descriptors the shell must not inherit),
// as glibc's popen and pclose hold their list's lock.
pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;

// Whether the slot's stream is still open: a program may have closed it with fclose (glibc reaps
// its shell then; here the next popen reaps it and frees the slot).
bool still_open(Opened& slot) {
  struct stat now {};
  if (fstat(slot.descriptor, &now) == 0 && now.st_dev == slot.device && now.st_ino == slot.inode)
    return true;
  waitpid(slot.shell, nullptr, WNOHANG);
  slot.state.store(Opened::kFree, std::memory_order_release);
  return false;
}
constexpr std::size_t kMostOpened = 256;
Opened opened[kMostOpened];

// popen's mode as glibc reads it: 'r', 'w' and 'e' in any order, exactly one of 'r' and 'w'.
bool read_popen_mode(const char* mode, bool& reading, bool& close_on_exec) {
  bool writing = false;
  reading = close_on_exec = false;
  for (; *mode != '\0'; ++mode) {
    if (*mode == 'r')
      reading = true;
    else if (*mode == 'w')
      writing = true;
    else if (*mode == 'e')
      close_on_exec = true;
    else
      return false;
  }
  return reading != writing;
}

FILE* popen_locked(const char* command, bool reading, bool close_on_exec);

FILE* popen_followed(const char* command, const char* mode) {
  bool reading = false, close_on_exec = false;
  if (!read_popen_mode(mode, reading, close_on_exec)) {
    errno = EINVAL;
    return nullptr;
  }
  pthread_mutex_lock(&popen_lock);
  FILE* const stream = popen_locked(command, reading, close_on_exec);
  const int failure = errno;
  pthread_mutex_unlock(&popen_lock);
  errno = failure;
  return stream;
}

FILE* popen_locked(const char* command, bool reading, bool close_on_exec) {
  int ends[2];
  if (pipe2(ends, O_CLOEXEC) != 0) return nullptr;
  const int own_end = reading ? ends[0] : ends[1];
  int shells_end = reading ? ends[1] : ends[0];
  const int target = reading ? STDOUT_FILENO : STDIN_FILENO;
  if (shells_end == target) {  // dup2 onto itself would leave it close-on-exec
    const int moved = fcntl(shells_end, F_DUPFD_CLOEXEC, 3);
    close(shells_end);
    shells_end = moved;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The streams of earlier popen calls are not the shell's (POSIX); closed before the pipe's end
  // takes its place, which may be a number one of them had.
  for (Opened& slot : opened) {
    if (slot.state.load(std::memory_order_acquire) == Opened::kOpen && still_open(slot))
      posix_spawn_file_actions_addclose(&actions, slot.descriptor);
  }
  posix_spawn_file_actions_adddup2(&actions, shells_end, target);
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>("--"),
                  const_cast<char*>(command), nullptr};
  pid_t shell = 0;
  const int failure = for_children(environ, [&](char* const* given) {
    return real().posix_spawn(&shell, kShell, &actions, nullptr, argv, given);
  });
  posix_spawn_file_actions_destroy(&actions);
  close(shells_end);
  if (failure != 0) {
    close(own_end);
    errno = failure;
    return nullptr;
  }
  if (!close_on_exec) fcntl(own_end, F_SETFD, 0);
  FILE* const stream = fdopen(own_end, reading ? "r" : "w");
  struct stat pipe_end {};
  fstat(own_end, &pipe_end);
  for (Opened& slot : opened) {
    int free_slot = Opened::kFree;
    if (stream != nullptr && slot.state.compare_exchange_strong(free_slot, Opened::kFilling,
                                                                std::memory_order_acquire)) {
      slot.stream = stream;
      slot.descriptor = own_end;
      slot.device = pipe_end.st_dev;
      slot.inode = pipe_end.st_ino;
      slot.shell = shell;
      slot.state.store(Opened::kOpen, std::memory_order_release);
      return stream;
    }
  }
  // No stream, or no slot to keep it in for pclose.
  if (stream != nullptr)
    fclose(stream);
  else
    close(own_end);
  while (waitpid(shell, nullptr, 0) < 0 && errno == EINTR) {
  }
  errno = stream != nullptr ? EMFILE : errno;
  return nullptr;
}

// pclose of a stream popen_followed made: closed, then its shell's status (-1 when it cannot be
// had).
int pclose_followed(Opened& slot, FILE* stream) {
  pthread_mutex_lock(&popen_lock);
  const pid_t shell = slot.shell;
  fclose(stream);
  slot.state.store(Opened::kFree, std::memory_order_release);
  pthread_mutex_unlock(&popen_lock);
  int status = 0;
  while (waitpid(shell, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
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

// glibc's exit() ends through its own internal _exit, and its exec, posix_spawn, system and popen
// functions call its internal execve and clone, not these: they serve the program's own calls.
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
  return report_then_exec(envp,
                          [&](char* const* given) { return real().execve(path, argv, given); });
}
__attribute__((visibility("default"))) int execvpe(const char* file, char* const argv[],
                                                   char* const envp[]) noexcept {
  return report_then_exec(envp,
                          [&](char* const* given) { return real().execvpe(file, argv, given); });
}
__attribute__((visibility("default"))) int fexecve(int fd, char* const argv[],
                                                   char* const envp[]) noexcept {
  return report_then_exec(envp,
                          [&](char* const* given) { return real().fexecve(fd, argv, given); });
}
__attribute__((visibility("default"))) int execveat(int directory, const char* path,
                                                    char* const argv[], char* const envp[],
                                                    int flags) noexcept {
  return report_then_exec(envp, [&](char* const* given) {
    return real().execveat(directory, path, argv, given, flags);
  });
}
// execv and execvp are execve and execvpe with environ, which is what glibc's do.
__attribute__((visibility("default"))) int execv(const char* path, char* const argv[]) noexcept {
  return report_then_exec(environ,
                          [&](char* const* given) { return real().execve(path, argv, given); });
}
__attribute__((visibility("default"))) int execvp(const char* file, char* const argv[]) noexcept {
  return report_then_exec(environ,
                          [&](char* const* given) { return real().execvpe(file, argv, given); });
}
__attribute__((visibility("default"))) int posix_spawn(pid_t* pid, const char* path,
                                                       const posix_spawn_file_actions_t* actions,
                                                       const posix_spawnattr_t* attributes,
                                                       char* const argv[], char* const envp[]) {
  return for_children(envp, [&](char* const* given) {
    return real().posix_spawn(pid, path, actions, attributes, argv, given);
  });
}
__attribute__((visibility("default"))) int posix_spawnp(pid_t* pid, const char* file,
                                                        const posix_spawn_file_actions_t* actions,
                                                        const posix_spawnattr_t* attributes,
                                                        char* const argv[], char* const envp[]) {
  return for_children(envp, [&](char* const* given) {
    return real().posix_spawnp(pid, file, actions, attributes, argv, given);
  });
}
__attribute__((visibility("default"))) int system(const char* command) {
  // command null: "is there a shell?"
  if (!following || command == nullptr) return real().system(command);
  return system_followed(command);
}
__attribute__((visibility("default"))) FILE* popen(const char* command, const char* mode) {
  if (!following) return real().popen(command, mode);
  return popen_followed(command, mode);
}
__attribute__((visibility("default"))) int pclose(FILE* stream) {
  for (Opened& slot : opened) {
    if (stream != nullptr && slot.state.load(std::memory_order_acquire) == Opened::kOpen &&
        slot.stream == stream && fileno(stream) == slot.descriptor && still_open(slot))
      return pclose_followed(slot, stream);
  }
  return real().pclose(stream);
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
