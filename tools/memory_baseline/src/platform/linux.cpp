// Linux: the runner's folder from /proc/self/exe; programs have no suffix.
#include <filesystem>

#include "platform/platform.hpp"

namespace memory_baseline::platform {

std::string executable_directory() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
}

std::string program_file(const std::string& name) {
  return name;
}

}  // namespace memory_baseline::platform
