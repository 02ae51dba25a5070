// This process's modules on Linux: the loader's list, with the bias each was loaded at.
#include <link.h>
#include <unistd.h>

#include <climits>

#include "alloc_hooks/sites.hpp"

namespace alloc_hooks {

namespace {

std::string executable_path() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
  return length > 0 ? std::string(path, static_cast<std::size_t>(length)) : std::string();
}

}  // namespace

std::vector<Module> loaded_modules() {
  std::vector<Module> modules;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        auto& list = *static_cast<std::vector<Module>*>(out);
        std::string path = info->dlpi_name != nullptr ? info->dlpi_name : "";
        if (list.empty() && path.empty()) path = executable_path();  // the first is the program
        if (!path.empty() && path[0] == '/') list.push_back({path, info->dlpi_addr});
        return 0;
      },
      &modules);
  return modules;
}

}  // namespace alloc_hooks
