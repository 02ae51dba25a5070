// An allocator library loaded at run time with symbols local to the hooks (jemalloc, tcmalloc:
// their shared libraries export malloc, so linking them would replace the process's malloc and
// make every "system" run theirs). Its C functions become a Backend directly; only the aligned
// release and measurement, whose signatures differ, go through an adapter.
#pragma once

#include <cstddef>

#include "core/backend.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

struct CAllocatorFunctions {
  void* (*allocate)(std::size_t size) = nullptr;
  void* (*allocate_zeroed)(std::size_t count, std::size_t size) = nullptr;
  void* (*reallocate)(void* block, std::size_t size) = nullptr;
  void (*release)(void* block) = nullptr;
  std::size_t (*usable_size)(const void* block) = nullptr;
  // aligned_alloc(alignment, size) or memalign(alignment, size): any size, freed by release.
  void* (*allocate_aligned)(std::size_t alignment, std::size_t size) = nullptr;
};

// The symbol names of those functions in the library, in the same order.
struct CAllocatorSymbols {
  const char* allocate;
  const char* allocate_zeroed;
  const char* reallocate;
  const char* release;
  const char* usable_size;
  const char* allocate_aligned;
};

// Opens `file` for the backend `name`; fails fast with one line naming the library, the
// loader's reason and `hint` if it cannot be loaded or lacks a symbol.
class LoadedLibrary {
 public:
  LoadedLibrary(const char* name, const char* file, const char* hint);
  void* symbol(const char* symbol_name) const;
  void load(const CAllocatorSymbols& symbols, CAllocatorFunctions& functions) const;

 private:
  const char* name_;
  const char* file_;
  void* handle_;
};

// The Backend of loaded functions: `functions` must outlive the process (a static).
template <CAllocatorFunctions& functions>
Backend make_c_allocator_backend(const char* name, const char* version) {
  return {name,
          functions.allocate,
          functions.allocate_zeroed,
          functions.reallocate,
          functions.release,
          functions.usable_size,
          functions.allocate_aligned,
          functions.allocate_aligned,  // the library's own operator new takes the size as it is
          [](void* block, std::size_t) { functions.release(block); },
          [](const void* block, std::size_t) { return functions.usable_size(block); },
          version};
}

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
