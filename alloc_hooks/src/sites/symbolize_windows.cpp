// Windows: the module that holds an address and the offset in it (the cross build's DWARF is not
// what the system's symbol reader understands). Addresses from another process (a profiled
// program) are placed with that process's module list: the module with the highest base at or
// below the address; without a list, they are looked up in this process.
#include <windows.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "alloc_hooks/symbolize.hpp"

namespace alloc_hooks {

struct Symbolizer::State {
  std::vector<Module> modules;  // by base
  std::unordered_map<std::uintptr_t, std::vector<Frame>> frames;
};

namespace {

std::string file_name(const std::string& path) {
  const std::size_t slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Symbolizer::Symbolizer(const std::vector<Module>& modules) : state_(std::make_unique<State>()) {
  state_->modules = modules;
  std::sort(state_->modules.begin(), state_->modules.end(),
            [](const Module& a, const Module& b) { return a.bias < b.bias; });
}
Symbolizer::~Symbolizer() = default;

const std::vector<Frame>& Symbolizer::frames(std::uintptr_t return_address) {
  const auto [entry, inserted] = state_->frames.try_emplace(return_address);
  if (!inserted) return entry->second;
  Frame& frame = entry->second.emplace_back();
  frame.address = return_address;
  if (!state_->modules.empty()) {
    const auto above = std::upper_bound(
        state_->modules.begin(), state_->modules.end(), return_address,
        [](std::uintptr_t address, const Module& module) { return address < module.bias; });
    if (above != state_->modules.begin()) {
      const Module& module = *std::prev(above);
      frame.module = file_name(module.path);
      frame.offset = return_address - module.bias;
    }
    return entry->second;
  }
  HMODULE module = nullptr;
  char path[MAX_PATH];
  if (GetModuleHandleExA(
          GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
          reinterpret_cast<const char*>(return_address), &module) &&
      GetModuleFileNameA(module, path, sizeof path) > 0) {
    frame.module = file_name(path);
    frame.offset = return_address - reinterpret_cast<std::uintptr_t>(module);
  }
  return entry->second;
}

}  // namespace alloc_hooks
