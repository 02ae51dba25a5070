// Linux implementation of the scenarios' platform facts.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "platform/platform.hpp"
#include "scenarios/allocators.hpp"

namespace scenarios::platform {

std::string os_description() {
  utsname name{};
  if (uname(&name) != 0) return "Linux";
  return std::string(name.sysname) + " " + name.release + " " + name.machine;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

void restart_with_backend(const std::string& backend, char** argv) {
  for (const auto& [name, value] : allocator_environment(backend))
    setenv(name.c_str(), value.c_str(), 1);
  execv("/proc/self/exe", argv);
}

}  // namespace scenarios::platform
