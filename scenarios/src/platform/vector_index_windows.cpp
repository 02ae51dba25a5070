// Windows part of the index scenario (platform/vector_index.hpp): the unhooked build is a child
// process whose stdout comes back through a pipe. Nothing is preloaded on Windows: the build is
// linked with the allocator instead (vector_index_build_mimalloc: mimalloc's operator new and
// delete, the C runtime's malloc, which is what the hooks give a program under their mimalloc
// backend there: docs/windows.md).
#include <windows.h>

#include <filesystem>
#include <stdexcept>

#include "platform/vector_index.hpp"

namespace scenarios::platform {

namespace {

std::filesystem::path program_folder() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (length == 0) throw std::runtime_error("cannot find this program's own file");
    if (length < path.size()) {
      path.resize(length);
      return std::filesystem::path(path).parent_path();
    }
    path.resize(path.size() * 2);
  }
}

// Closes a handle when the scope ends.
struct Handle {
  HANDLE handle = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (handle != nullptr) CloseHandle(handle);
  }
};

}  // namespace

std::size_t mutex_state_bytes() {
#if defined(__MINGW32__)
  // winpthreads (mutex.c): a std::mutex is a pointer whose mutex_impl_t (24 bytes) is calloc'd at
  // the first lock, freed when the mutex is destroyed. Measured under wine: hnswlib's build of
  // 2,000 elements malloc'd 96,072 bytes beyond its own, 24 x (2 x 2,000 + 3) mutexes locked.
  return 24;
#else
  return 0;  // MSVC's std::mutex holds its state
#endif
}

long process_id() {
  return static_cast<long>(GetCurrentProcessId());
}

ProgramOutput run_unhooked_build(const std::vector<std::string>& arguments,
                                 const std::string& allocator) {
  const std::string name =
      allocator == "system" ? "vector_index_build.exe" : "vector_index_build_" + allocator + ".exe";
  const std::filesystem::path program = program_folder() / name;
  std::error_code error;
  if (!std::filesystem::exists(program, error))
    throw std::runtime_error("no build without hooks for " + allocator + ": " + program.string() +
                             " is not there");
  // The arguments are flags and numbers (index_flag_arguments): no quoting needed but the
  // program's path.
  std::wstring command_line = L"\"" + program.wstring() + L"\"";
  for (const std::string& argument : arguments)
    command_line += L" " + std::filesystem::path(argument).wstring();

  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  Handle read_end, write_end;
  if (!CreatePipe(&read_end.handle, &write_end.handle, &inheritable, 0))
    throw std::runtime_error("cannot make a pipe for " + program.string());
  SetHandleInformation(read_end.handle, HANDLE_FLAG_INHERIT, 0);  // the child gets the write end
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdOutput = write_end.handle;
  startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);  // its complaints reach the terminal
  SetHandleInformation(startup.hStdError, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  PROCESS_INFORMATION child{};
  if (!CreateProcessW(program.c_str(), command_line.data(), nullptr, nullptr, TRUE, 0, nullptr,
                      nullptr, &startup, &child)) {
    throw std::runtime_error("cannot run " + program.string() + " (error " +
                             std::to_string(GetLastError()) + ")");
  }
  Handle process, thread;
  process.handle = child.hProcess;
  thread.handle = child.hThread;
  // This process's copy of the write end goes, so that the read ends when the child exits.
  CloseHandle(write_end.handle);
  write_end.handle = nullptr;
  ProgramOutput result;
  char buffer[256];
  DWORD got = 0;
  while (ReadFile(read_end.handle, buffer, sizeof buffer, &got, nullptr) && got > 0)
    result.output.append(buffer, got);
  WaitForSingleObject(process.handle, INFINITE);
  DWORD status = 0;
  if (GetExitCodeProcess(process.handle, &status)) result.status = static_cast<int>(status);
  return result;
}

}  // namespace scenarios::platform
