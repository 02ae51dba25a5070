// The allocator the hooks hand requests to: the C runtime's ("system") or mimalloc. Chosen once,
// on the first allocation of the process, from ALLOC_HOOKS_BACKEND.
#pragma once

#include <atomic>
#include <cstddef>

namespace alloc_hooks::detail {

struct Backend {
  const char* name;
  void* (*allocate)(std::size_t size);
  void* (*allocate_aligned)(std::size_t alignment, std::size_t size);
  void (*release)(void* block);
  std::size_t (*usable_size)(const void* block);
  const char* version;
};

extern std::atomic<const Backend*> active_backend_pointer;
const Backend& start_up();

inline const Backend& active_backend() {
  const Backend* backend = active_backend_pointer.load(std::memory_order_acquire);
  return backend != nullptr ? *backend : start_up();
}

}  // namespace alloc_hooks::detail
