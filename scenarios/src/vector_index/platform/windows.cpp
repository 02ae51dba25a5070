// Windows part of the index scenario (vector_index.hpp). Nothing is preloaded on Windows:
// the build is linked with the allocator instead (vector_index_build_mimalloc: mimalloc's operator
// new and delete, the C runtime's malloc, which is what the hooks give a program under their
// mimalloc backend there: docs/windows.md).
#include <windows.h>

#include <filesystem>
#include <stdexcept>

#include "vector_index/platform/vector_index.hpp"

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

}  // namespace

std::size_t mutex_state_bytes() {
#if defined(__MINGW32__)
  // winpthreads (mutex.c): a std::mutex is a pointer whose mutex_impl_t (24 bytes) is calloc'd at
  // the first lock, freed when the mutex is destroyed (docs/windows.md has the build that shows
  // it).
  return 24;
#else
  return 0;  // MSVC's std::mutex holds its state
#endif
}

long process_id() {
  return static_cast<long>(GetCurrentProcessId());
}

process::Command unhooked_build_command(const std::vector<std::string>& arguments,
                                        const std::string& allocator) {
  const std::string name =
      allocator == "system" ? "vector_index_build.exe" : "vector_index_build_" + allocator + ".exe";
  const std::filesystem::path program = program_folder() / name;
  std::error_code error;
  if (!std::filesystem::exists(program, error))
    throw std::runtime_error("no build without hooks for " + allocator + ": " + program.string() +
                             " is not there");
  process::Command command;
  command.program = program.string();
  command.arguments = arguments;
  return command;
}

}  // namespace scenarios::platform
