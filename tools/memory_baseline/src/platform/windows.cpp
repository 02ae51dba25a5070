// Windows: the runner's folder from GetModuleFileName; programs end in ".exe".
#include <windows.h>

#include <filesystem>

#include "platform/platform.hpp"

namespace memory_baseline::platform {

std::string executable_directory() {
  char path[MAX_PATH];
  const DWORD length = GetModuleFileNameA(nullptr, path, sizeof path);
  return std::filesystem::path(std::string(path, length)).parent_path().string();
}

std::string program_file(const std::string& name) {
  return name + ".exe";
}

}  // namespace memory_baseline::platform
