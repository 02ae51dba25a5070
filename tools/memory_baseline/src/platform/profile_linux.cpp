// Linux part of `memory_baseline profile`: PATH search, the ELF check for a dynamic loader
// (PT_INTERP) and for set-ID bits that would make the loader ignore LD_PRELOAD, and the program
// started with the preload library (LD_PRELOAD) and extra environment.
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <scenarios/allocators.hpp>

#include "memory_baseline/results.hpp"
#include "platform/platform.hpp"
#include "platform/profile.hpp"

namespace memory_baseline::platform {

namespace {

bool is_executable_file(const std::string& path) {
  struct stat status {};
  return stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
         access(path.c_str(), X_OK) == 0;
}

// A program whose set-user-ID or set-group-ID bit changes who it runs as is run by the loader in
// secure mode, which ignores LD_PRELOAD (ld.so(8)): the hooks would never reach it. On a file
// system mounted nosuid the bits change nothing. "" when the program runs as the runner does.
std::string secure_mode_problem(const std::string& program) {
  struct stat status {};
  if (stat(program.c_str(), &status) != 0) return "";
  const bool changes_user = (status.st_mode & S_ISUID) != 0 && status.st_uid != getuid();
  // Set-group-ID without group execute is mandatory locking, not a change of group.
  const bool changes_group = (status.st_mode & S_ISGID) != 0 && (status.st_mode & S_IXGRP) != 0 &&
                             status.st_gid != getgid();
  if (!changes_user && !changes_group) return "";
  struct statvfs volume {};
  if (statvfs(program.c_str(), &volume) == 0 && (volume.f_flag & ST_NOSUID) != 0) return "";
  return changes_user
             ? fmt::format(
                   "is set-user-ID (owner {}, you are {}): the loader ignores LD_PRELOAD for it, "
                   "so "
                   "its allocations cannot be counted; profile it as its owner or a copy without "
                   "the bit",
                   status.st_uid, getuid())
             : fmt::format(
                   "is set-group-ID (group {}, yours {}): the loader ignores LD_PRELOAD for it, so "
                   "its allocations cannot be counted; profile it in that group or a copy without "
                   "the bit",
                   status.st_gid, getgid());
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (is_executable_file(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string folders = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= folders.size()) {
    const std::size_t end = std::min(folders.find(':', start), folders.size());
    const std::string folder = end > start ? folders.substr(start, end - start) : ".";
    const std::string candidate = folder + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string why_not_preloadable(const std::string& program) {
  std::ifstream file(program, std::ios::binary);
  char magic[4] = {};
  file.read(magic, sizeof magic);
  if (file.gcount() >= 2 && magic[0] == '#' && magic[1] == '!') return "";  // a script
  if (file.gcount() < 4 || std::memcmp(magic, ELFMAG, SELFMAG) != 0)
    return "is neither an ELF executable nor a script";
  Elf64_Ehdr header{};
  file.seekg(0);
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  if (!file || header.e_ident[EI_CLASS] != ELFCLASS64)
    return "is not a 64-bit ELF executable (the preload library is 64-bit)";
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment{};
    file.seekg(static_cast<std::streamoff>(header.e_phoff + i * header.e_phentsize));
    file.read(reinterpret_cast<char*>(&segment), sizeof segment);
    if (!file) break;
    if (segment.p_type == PT_INTERP) return secure_mode_problem(program);
  }
  return "is statically linked: a preload library cannot reach it (link it with "
         "alloc_hooks::alloc_hooks for its operator new instead, docs/profile.md)";
}

const char* ends_without_figures() {
  return "SIGKILL, a stack overflow, or an exit_group or execve system call made without the C "
         "library";
}

// A library of the user's LD_PRELOAD that defines malloc itself (mimalloc, jemalloc, tcmalloc, a
// sanitizer's runtime) would serve the program behind the hooks, which forward to the allocator
// they chose: the program would be measured half under one allocator, half under another. The
// runner was started with the same LD_PRELOAD, so each of its libraries is loaded here too: it
// defines malloc when its own symbol table has it (dlsym of its handle finds malloc in the
// library first, then in its dependencies, libc among them).
std::string allocator_problem(const std::string&) {
  const char* preloaded = std::getenv("LD_PRELOAD");
  if (preloaded == nullptr) return "";
  const std::string list = preloaded;
  std::size_t start = 0;
  while (start < list.size()) {
    const std::size_t end = std::min(list.find_first_of(": ", start), list.size());
    const std::string entry = list.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;
    void* const handle = dlopen(entry.c_str(), RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) continue;  // the loader did not load it (not found, or secure mode)
    link_map* library = nullptr;
    Dl_info found{};
    void* const malloc_symbol = dlsym(handle, "malloc");
    const bool defines_malloc = dlinfo(handle, RTLD_DI_LINKMAP, &library) == 0 &&
                                library != nullptr && malloc_symbol != nullptr &&
                                dladdr(malloc_symbol, &found) != 0 && found.dli_fname != nullptr &&
                                std::strcmp(found.dli_fname, library->l_name) == 0;
    dlclose(handle);
    if (defines_malloc) {
      return "LD_PRELOAD holds " + entry +
             ", which defines malloc: the program would be measured half under it; take it out "
             "of LD_PRELOAD and choose the allocator with --allocator (" +
             fmt::format("{}", fmt::join(scenarios::built_allocators(), ", ")) + ")";
    }
  }
  return "";
}

process::Process start_program(const std::string& program, const std::string& argument0,
                               const std::vector<std::string>& arguments,
                               const std::string& library,
                               const std::vector<std::string>& hooks_environment) {
  process::Command command{program, argument0, arguments, hooks_environment};
  // The hooks first, before any library the user preloads.
  const char* preloaded = std::getenv("LD_PRELOAD");
  command.environment.push_back(
      "LD_PRELOAD=" + library +
      (preloaded != nullptr && *preloaded != '\0' ? std::string(":") + preloaded : ""));
  return process::Process::start(command);
}

bool follows_process_trees() {
  return true;
}

void adopt_orphans() {
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void reap_orphans(std::int64_t program) {
  for (;;) {
    siginfo_t ended{};
    // Looked at first (WNOWAIT), so that the program's own end is left to its process::Process.
    if (waitid(P_ALL, 0, &ended, WEXITED | WNOHANG | WNOWAIT) != 0 || ended.si_pid == 0 ||
        ended.si_pid == program)
      break;
    waitpid(ended.si_pid, nullptr, 0);
  }
}

std::vector<std::int64_t> running_children() {
  // A child may belong to any of the runner's threads (the one that started it, or the one the
  // kernel gave an orphan to).
  std::vector<std::int64_t> running;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream children(task.path() / "children");
    for (std::int64_t id = 0; children >> id;) running.push_back(id);
  }
  return running;
}

bool takes_snapshots() {
  return true;
}

std::function<std::int64_t()> live_bytes_reader(std::int64_t program,
                                                const std::string& report_path) {
  struct State {
    std::optional<std::uintptr_t> address;
    std::uintmax_t start_size = 0;  // the report's start; another size: the image ended
    bool ended = false;
  };
  return [program, report_path, state = std::make_shared<State>()]() -> std::int64_t {
    if (state->ended) return 0;
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(report_path, error);
    if (error) return 0;
    if (!state->address) {
      std::ifstream file(report_path);
      std::stringstream text;
      text << file.rdbuf();
      state->address = live_bytes_address(text.str());
      state->start_size = size;
      if (!state->address) return 0;
    } else if (size != state->start_size) {
      state->ended = true;  // its report written: the image that had this address is gone
      return 0;
    }
    std::int64_t live = 0;
    iovec local{&live, sizeof live};
    iovec remote{reinterpret_cast<void*>(*state->address), sizeof live};
    if (process_vm_readv(static_cast<pid_t>(program), &local, 1, &remote, 1, 0) !=
        static_cast<ssize_t>(sizeof live))
      return 0;
    return live;
  };
}

std::string hooks_library() {
  const std::filesystem::path library =
      std::filesystem::path(executable_directory()) / ".." / "lib" / "liballoc_hooks_preload.so";
  std::error_code error;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(library, error);
  return (error ? library : canonical).string();
}

}  // namespace memory_baseline::platform
