// Windows process control of `memory_baseline profile`: SearchPath, the PE header check (64-bit
// x86-64 executables only: the hooks' DLL is 64-bit), and a start in four steps, so that the hooks
// are in place before any of the program's own code runs:
//   1. CreateProcess with CREATE_SUSPENDED: the program is mapped, nothing of it has run;
//   2. its path to alloc_hooks_inject.dll written into it (VirtualAllocEx, WriteProcessMemory);
//   3. a thread of its own started at LoadLibraryA on that path (CreateRemoteThread): being the
//      process's first thread to run, it initialises the process (loads the program's DLLs, the C
//      runtime's start-up) and then loads the hooks, whose start patches every module's imports;
//   4. once that thread has ended, the program's main thread resumes.
// kernel32 (LoadLibraryA) lies at the same address in every process of a session. How the program
// ended: its exit code, and for a code in the error range of NTSTATUS (0xC0000000 and up) or a
// breakpoint, the unhandled exception it names.
#include <windows.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "memory_baseline/results.hpp"
#include "platform/platform.hpp"
#include "platform/profile.hpp"

namespace memory_baseline::platform {

namespace {

// Started programs by process id: the handle is kept until the end is read.
std::mutex started_lock;
std::map<int, HANDLE> started;

bool is_file(const std::string& path) {
  const DWORD attributes = GetFileAttributesA(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

std::string exception_name(DWORD code) {
  switch (code) {
    case 0x80000003:
      return "breakpoint";
    case 0xC0000005:
      return "access violation";
    case 0xC0000006:
      return "in-page error";
    case 0xC000001D:
      return "illegal instruction";
    case 0xC000008E:
      return "floating-point division by zero";
    case 0xC0000094:
      return "integer division by zero";
    case 0xC0000095:
      return "integer overflow";
    case 0xC0000096:
      return "privileged instruction";
    case 0xC00000FD:
      return "stack overflow";
    case 0xC0000374:
      return "heap corruption";
    case 0xC0000409:
      return "stack buffer overrun or fail-fast";
    case 0xC0000420:
      return "assertion failure";
    default:
      return "";
  }
}

// The runner's environment block with `extra` ("NAME=value") in place of variables of the same
// name (names compare without case, as Windows does).
std::string environment_block(const std::vector<std::string>& extra) {
  std::string block;
  for (const std::string& variable : extra) block.append(variable).push_back('\0');
  char* strings = GetEnvironmentStringsA();
  for (const char* entry = strings; entry != nullptr && *entry != '\0';
       entry += std::strlen(entry) + 1) {
    const std::string variable = entry;
    // Entries such as "=C:=C:\..." hold the current folder of each drive: their name starts
    // after the first '='.
    const std::size_t equals = variable.find('=', 1);
    const std::string name = variable.substr(0, equals);
    bool replaced = false;
    for (const std::string& added : extra) {
      replaced = replaced || (added.size() > name.size() && added[name.size()] == '=' &&
                              CompareStringA(LOCALE_INVARIANT, NORM_IGNORECASE, added.data(),
                                             static_cast<int>(name.size()), name.data(),
                                             static_cast<int>(name.size())) == CSTR_EQUAL);
    }
    if (!replaced) block.append(variable).push_back('\0');
  }
  if (strings != nullptr) FreeEnvironmentStringsA(strings);
  block.push_back('\0');
  return block;
}

std::string last_error_text() {
  const DWORD code = GetLastError();
  char text[512] = {};
  const DWORD length = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                      nullptr, code, 0, text, sizeof text, nullptr);
  std::string message(text, length);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == '.' || message.back() == ' '))
    message.pop_back();
  return message.empty() ? fmt::format("error {}", code) : message;
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

std::string allocator_problem(const std::string& allocator) {
  if (allocator == "system") return "";
  return "--allocator " + allocator +
         ": on Windows profile counts the program's own allocator (--allocator system); "
         "another one cannot be put in its place";
}

std::string hooks_library() {
  return (std::filesystem::path(executable_directory()) / "alloc_hooks_inject.dll").string();
}

int start_program(const std::string& program, const std::string& argument0,
                  const std::vector<std::string>& arguments, const std::string& library,
                  const std::vector<std::string>& extra_environment) {
  std::string command_line = command_line_of(argument0, arguments);
  std::string environment = environment_block(extra_environment);
  STARTUPINFOA startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  // The program writes where the runner does: its standard handles, made inheritable.
  for (const DWORD which : {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE}) {
    const HANDLE handle = GetStdHandle(which);
    if (handle != nullptr && handle != INVALID_HANDLE_VALUE)
      SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  }
  startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
  startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
  PROCESS_INFORMATION child{};
  if (!CreateProcessA(program.c_str(), command_line.data(), nullptr, nullptr, TRUE,
                      CREATE_SUSPENDED, environment.data(), nullptr, &startup, &child))
    throw InputError(program + ": cannot start it: " + last_error_text());
  if (const std::string problem = load_into(child.hProcess, library); !problem.empty()) {
    TerminateProcess(child.hProcess, 1);
    WaitForSingleObject(child.hProcess, INFINITE);
    CloseHandle(child.hThread);
    CloseHandle(child.hProcess);
    throw std::runtime_error(program + ": cannot put the hooks into it: " + problem);
  }
  ResumeThread(child.hThread);
  CloseHandle(child.hThread);
  const std::lock_guard lock(started_lock);
  started[static_cast<int>(child.dwProcessId)] = child.hProcess;
  return static_cast<int>(child.dwProcessId);
}

std::optional<ProgramEnd> program_end(int process_id) {
  HANDLE process = nullptr;
  {
    const std::lock_guard lock(started_lock);
    const auto found = started.find(process_id);
    if (found == started.end()) return ProgramEnd{};  // already read: nothing more to learn
    process = found->second;
  }
  if (WaitForSingleObject(process, 0) != WAIT_OBJECT_0) return std::nullopt;
  DWORD code = 0;
  const bool known = GetExitCodeProcess(process, &code) != 0;
  CloseHandle(process);
  {
    const std::lock_guard lock(started_lock);
    started.erase(process_id);
  }
  if (!known) return ProgramEnd{};
  ProgramEnd end{static_cast<int>(code), std::nullopt, ""};
  if (code >= 0xC0000000u || code == 0x80000003u) {
    const std::string name = exception_name(code);
    end.exception = fmt::format("0x{:08X}", code) + (name.empty() ? "" : " (" + name + ")");
  }
  return end;
}

}  // namespace memory_baseline::platform
