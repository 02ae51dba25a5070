// The allocators of a run (scenarios/allocators.hpp), from alloc_hooks' own list.
#include "scenarios/allocators.hpp"

#include <alloc_hooks/backends.hpp>
#include <cstdlib>

namespace scenarios {

std::vector<std::string> allocator_names() {
  std::vector<std::string> names;
  for (const alloc_hooks::BackendChoice& choice : alloc_hooks::kBackendChoices)
    names.emplace_back(choice.name);
  return names;
}

std::vector<std::string> built_allocators() {
  std::vector<std::string> names;
  for (const alloc_hooks::BackendChoice& choice : alloc_hooks::kBackendChoices) {
    if (choice.built) names.emplace_back(choice.name);
  }
  return names;
}

std::string allocator_missing(const std::string& name) {
  for (const alloc_hooks::BackendChoice& choice : alloc_hooks::kBackendChoices) {
    if (name != choice.name || choice.built) continue;
    return "the " + name +
           " backend is not in this build: its library was not installed when it "
           "was built (install " +
           choice.package + " and rebuild)";
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> allocator_environment(const std::string& name) {
  std::vector<std::pair<std::string, std::string>> environment = {{"ALLOC_HOOKS_BACKEND", name}};
  if (name == "jemalloc") {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    std::string value = tunables != nullptr && *tunables != '\0' ? std::string(tunables) + ":" : "";
    environment.emplace_back("GLIBC_TUNABLES", value + alloc_hooks::kJemallocTunable);
  }
  return environment;
}

}  // namespace scenarios
