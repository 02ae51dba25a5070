// Loading an allocator library for a backend (loaded_allocator.hpp). Runs at start-up, inside the
// first allocation: the messages are formatted into a static buffer, nothing is allocated.
#include "backends/loaded_allocator.hpp"

#include <cstdio>

#include "core/platform/platform.hpp"

namespace alloc_hooks::detail {

namespace {

char failure_message[512];

}  // namespace

LoadedLibrary::LoadedLibrary(const char* name, const char* file, const char* hint)
    : name_(name), file_(file), handle_(platform::open_local_library(file)) {
  if (handle_ == nullptr) {
    std::snprintf(failure_message, sizeof failure_message,
                  "ALLOC_HOOKS_BACKEND=%s but %s cannot be loaded: %s (%s)", name, file,
                  platform::library_load_error(), hint);
    platform::fail_fast(failure_message, 2);
  }
}

void* LoadedLibrary::symbol(const char* symbol_name) const {
  void* found = platform::find_symbol(handle_, symbol_name);
  if (found == nullptr) {
    std::snprintf(failure_message, sizeof failure_message, "ALLOC_HOOKS_BACKEND=%s: %s lacks %s",
                  name_, file_, symbol_name);
    platform::fail_fast(failure_message, 2);
  }
  return found;
}

void LoadedLibrary::load(const CAllocatorSymbols& symbols, CAllocatorFunctions& functions) const {
  const auto bind = [this](auto& function, const char* symbol_name) {
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(symbol(symbol_name));
  };
  bind(functions.allocate, symbols.allocate);
  bind(functions.allocate_zeroed, symbols.allocate_zeroed);
  bind(functions.reallocate, symbols.reallocate);
  bind(functions.release, symbols.release);
  bind(functions.usable_size, symbols.usable_size);
  bind(functions.allocate_aligned, symbols.allocate_aligned);
}

}  // namespace alloc_hooks::detail
