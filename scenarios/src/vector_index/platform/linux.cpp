// Linux part of the index scenario (vector_index.hpp): the unhooked build runs with the
// allocator's library preloaded.
#include <link.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <utility>

#include "vector_index/platform/vector_index.hpp"

namespace scenarios::platform {

namespace {

// The file of the loaded shared object whose name holds `fragment` ("" if none): the allocator
// library the hooks loaded for their backend.
std::string loaded_library(const std::string& fragment) {
  std::pair<const std::string*, std::string> search{&fragment, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto& [wanted, found] = *static_cast<std::pair<const std::string*, std::string>*>(data);
        const std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
        if (name.find(*wanted) == std::string::npos) return 0;
        found = name;
        return 1;
      },
      &search);
  return search.second;
}

}  // namespace

std::size_t mutex_state_bytes() {
  return 0;  // glibc's pthread_mutex_t is the whole mutex
}

long process_id() {
  return static_cast<long>(getpid());
}

process::Command unhooked_build_command(const std::vector<std::string>& arguments,
                                        const std::string& allocator) {
  // tcmalloc's library is libtcmalloc_minimal.so.4; the others are named after the allocator.
  const std::string preload = allocator == "system" ? "" : loaded_library("lib" + allocator);
  if (allocator != "system" && preload.empty())
    throw std::runtime_error("the " + allocator + " library is not loaded in this process");
  process::Command command;
  command.program =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "vector_index_build")
          .string();
  command.arguments = arguments;
  if (!preload.empty()) command.environment = {"LD_PRELOAD=" + preload};
  return command;
}

}  // namespace scenarios::platform
