// glibc's allocator as a table of functions: the system backend calls through it
// (platform/linux.cpp), and the hooks' malloc family chooses what it holds
// (malloc_family/platform/linux.cpp).
#pragma once

#include <cstddef>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::platform {

struct SystemAllocator {
  void* (*malloc)(std::size_t size);
  void (*free)(void* block);
  void* (*calloc)(std::size_t count, std::size_t size);
  void* (*realloc)(void* block, std::size_t size);
  void* (*memalign)(std::size_t alignment, std::size_t size);
  std::size_t (*usable_size)(void* block);
};

}  // namespace alloc_hooks::platform
ALLOC_HOOKS_INTERNAL_END

// Defined only where the hooks replace the malloc family (malloc_family/platform/linux.cpp); a weak
// reference otherwise, null. Hidden: the preload library does not export it.
extern "C" [[gnu::weak, gnu::visibility("hidden")]] alloc_hooks::platform::SystemAllocator
alloc_hooks_bind_libc_allocator();
