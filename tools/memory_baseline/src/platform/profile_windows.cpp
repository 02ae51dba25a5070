// Windows process control of `memory_baseline profile`: SearchPath, the PE header check (64-bit
// x86-64 executables only: the hooks' DLL is 64-bit), and a start in four steps, so that the hooks
// are in place before any of the program's own code runs:
//   1. the program started suspended (process::Command::suspended): it is mapped, nothing of it
//      has run;
//   2. its path to alloc_hooks_inject.dll written into it (VirtualAllocEx, WriteProcessMemory);
//   3. a thread of its own started at LoadLibraryA on that path (CreateRemoteThread): being the
//      process's first thread to run, it initialises the process (loads the program's DLLs, the C
//      runtime's start-up) and then loads the hooks, whose start patches every module's imports;
//   4. once that thread has ended, the program's main thread resumes.
// kernel32 (LoadLibraryA) lies at the same address in every process of a session.
#include <windows.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "memory_baseline/results.hpp"
#include "platform/platform.hpp"
#include "platform/profile.hpp"
#include "process/process.hpp"

namespace memory_baseline::platform {

namespace {

using process::last_error_text;

bool is_file(const std::string& path) {
  const DWORD attributes = GetFileAttributesA(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

// Loads `library` into the suspended process through a thread of its own; "" when it is loaded,
// else why not.
std::string load_into(HANDLE process, const std::string& library) {
  const std::size_t bytes = library.size() + 1;
  void* remote_path =
      VirtualAllocEx(process, nullptr, bytes, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  if (remote_path == nullptr) return "cannot write into it: " + last_error_text();
  std::string problem;
  const auto load_library = reinterpret_cast<LPTHREAD_START_ROUTINE>(
      reinterpret_cast<void*>(GetProcAddress(GetModuleHandleA("kernel32.dll"), "LoadLibraryA")));
  if (!WriteProcessMemory(process, remote_path, library.c_str(), bytes, nullptr)) {
    problem = "cannot write into it: " + last_error_text();
  } else if (const HANDLE thread =
                 CreateRemoteThread(process, nullptr, 0, load_library, remote_path, 0, nullptr);
             thread == nullptr) {
    problem = "cannot start a thread in it: " + last_error_text();
  } else {
    DWORD loaded = 0;
    // The thread's exit code is LoadLibraryA's result cut to 32 bits: 0 only when it failed.
    if (WaitForSingleObject(thread, 60'000) != WAIT_OBJECT_0)
      problem = "loading the hooks into it took more than 60 s";
    else if (!GetExitCodeThread(thread, &loaded) || loaded == 0)
      problem = "it could not load " + library;
    CloseHandle(thread);
  }
  VirtualFreeEx(process, remote_path, 0, MEM_RELEASE);
  return problem;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.find_first_of("/\\:") != std::string::npos) {
    if (is_file(name)) return name;
    if (is_file(name + ".exe")) return name + ".exe";
    return std::nullopt;
  }
  char found[MAX_PATH];
  const DWORD length = SearchPathA(nullptr, name.c_str(), ".exe", sizeof found, found, nullptr);
  if (length == 0 || length >= sizeof found || !is_file(found)) return std::nullopt;
  return std::string(found, length);
}

std::string why_not_preloadable(const std::string& program) {
  std::ifstream file(program, std::ios::binary);
  char dos[64] = {};
  file.read(dos, sizeof dos);
  if (file.gcount() < 64 || dos[0] != 'M' || dos[1] != 'Z')
    return "is not a Windows executable (no MZ header)";
  std::uint32_t pe_offset = 0;
  std::memcpy(&pe_offset, dos + 0x3C, sizeof pe_offset);
  char signature[4] = {};
  IMAGE_FILE_HEADER header{};
  file.seekg(pe_offset);
  file.read(signature, sizeof signature);
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  if (!file || std::memcmp(signature, "PE\0\0", 4) != 0)
    return "is not a Windows PE executable (an MS-DOS program?)";
  if (header.Machine == IMAGE_FILE_MACHINE_I386)
    return "is a 32-bit executable: only 64-bit (x86-64) programs can be profiled, 32-bit is "
           "not supported (the hooks' DLL is 64-bit)";
  if (header.Machine != IMAGE_FILE_MACHINE_AMD64)
    return fmt::format("is not an x86-64 executable (machine type 0x{:04X}): not supported",
                       header.Machine);
  if ((header.Characteristics & IMAGE_FILE_DLL) != 0) return "is a DLL, not a program";
  return "";
}

const char* ends_without_figures() {
  return "a crash (no library is detached after an unhandled exception), or TerminateProcess";
}

std::string allocator_problem(const std::string& allocator) {
  if (allocator == "system") return "";
  return "--allocator " + allocator +
         ": on Windows profile counts the program's own allocator (--allocator system); "
         "another one cannot be put in its place";
}

bool follows_process_trees() {
  return false;
}

// Nothing to adopt or reap: the hooks follow no child process here.
void adopt_orphans() {}

void reap_orphans(std::int64_t) {}

std::vector<std::int64_t> running_children() {
  return {};
}

bool takes_snapshots() {
  return false;
}

// The injected DLL writes no report start, so there is no address to read.
std::function<std::int64_t()> live_bytes_reader(std::int64_t, const std::string&) {
  return {};
}

std::string hooks_library() {
  return (std::filesystem::path(executable_directory()) / "alloc_hooks_inject.dll").string();
}

process::Process start_program(const std::string& program, const std::string& argument0,
                               const std::vector<std::string>& arguments,
                               const std::string& library,
                               const std::vector<std::string>& extra_environment) {
  process::Command command{program, argument0, arguments, extra_environment};
  command.suspended = true;
  process::Process child = process::Process::start(command);
  const auto handle = static_cast<HANDLE>(child.native_handle());
  if (const std::string problem = load_into(handle, library); !problem.empty()) {
    TerminateProcess(handle, 1);
    child.wait();
    throw std::runtime_error(program + ": cannot put the hooks into it: " + problem);
  }
  child.resume();
  return child;
}

}  // namespace memory_baseline::platform
