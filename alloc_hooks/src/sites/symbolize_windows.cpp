// Windows: the module that holds an address and the offset in it (the cross build's DWARF is not
// what the system's symbol reader understands).
#include <windows.h>

#include <cstring>
#include <unordered_map>

#include "alloc_hooks/symbolize.hpp"

namespace alloc_hooks {

struct Symbolizer::State {
  std::unordered_map<std::uintptr_t, std::vector<Frame>> frames;
};

Symbolizer::Symbolizer(const std::vector<Module>&) : state_(std::make_unique<State>()) {}
Symbolizer::~Symbolizer() = default;

const std::vector<Frame>& Symbolizer::frames(std::uintptr_t return_address) {
  const auto [entry, inserted] = state_->frames.try_emplace(return_address);
  if (!inserted) return entry->second;
  Frame& frame = entry->second.emplace_back();
  frame.address = return_address;
  HMODULE module = nullptr;
  char path[MAX_PATH];
  if (GetModuleHandleExA(
          GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
          reinterpret_cast<const char*>(return_address), &module) &&
      GetModuleFileNameA(module, path, sizeof path) > 0) {
    const char* name = std::strrchr(path, '\\');
    frame.module = name != nullptr ? name + 1 : path;
    frame.offset = return_address - reinterpret_cast<std::uintptr_t>(module);
  }
  return entry->second;
}

}  // namespace alloc_hooks
