// The mimalloc backend where mimalloc is a shared library that replaces malloc (Debian's
// libmimalloc.so exports malloc and operator new): it is loaded at run time with local symbol
// binding instead of being linked, or every "system" run would silently be a mimalloc run.
#include <mimalloc.h>

#include <cstdio>

#include "backend.hpp"
#include "platform/platform.hpp"

namespace alloc_hooks::detail {

namespace {

char mimalloc_version[64];
Backend loaded_backend{"mimalloc", nullptr, nullptr, nullptr,
                       nullptr,    nullptr, nullptr, mimalloc_version};

// Adapters for the Backend signatures: argument order, and the alignment mimalloc does not need.
decltype(&mi_malloc_aligned) mi_malloc_aligned_function = nullptr;
decltype(&mi_free) mi_free_function = nullptr;
decltype(&mi_usable_size) mi_usable_size_function = nullptr;
void* allocate_aligned(std::size_t alignment, std::size_t size) {
  return mi_malloc_aligned_function(size, alignment);
}
void release_aligned(void* block, std::size_t) {
  mi_free_function(block);
}
std::size_t usable_size_aligned(const void* block, std::size_t) {
  return mi_usable_size_function(block);
}

template <typename Function>
Function load_symbol(void* library, const char* name) {
  void* symbol = platform::find_symbol(library, name);
  if (symbol == nullptr) {
    platform::fail_fast("ALLOC_HOOKS_BACKEND=mimalloc: " ALLOC_HOOKS_MIMALLOC_LIBRARY
                        " lacks a mimalloc function",
                        2);
  }
  return reinterpret_cast<Function>(symbol);
}

const Backend& load() {
  void* library = platform::open_local_library(ALLOC_HOOKS_MIMALLOC_LIBRARY);
  if (library == nullptr) {
    platform::fail_fast("ALLOC_HOOKS_BACKEND=mimalloc but " ALLOC_HOOKS_MIMALLOC_LIBRARY
                        " cannot be loaded (install libmimalloc2.0)",
                        2);
  }
  mi_free_function = load_symbol<decltype(&mi_free)>(library, "mi_free");
  mi_usable_size_function = load_symbol<decltype(&mi_usable_size)>(library, "mi_usable_size");
  mi_malloc_aligned_function =
      load_symbol<decltype(&mi_malloc_aligned)>(library, "mi_malloc_aligned");
  loaded_backend.allocate = load_symbol<decltype(&mi_malloc)>(library, "mi_malloc");
  loaded_backend.release = mi_free_function;
  loaded_backend.usable_size = mi_usable_size_function;
  loaded_backend.allocate_aligned = allocate_aligned;
  loaded_backend.release_aligned = release_aligned;
  loaded_backend.usable_size_aligned = usable_size_aligned;
  describe_mimalloc_version(load_symbol<decltype(&mi_version)>(library, "mi_version")(),
                            mimalloc_version, sizeof mimalloc_version);
  return loaded_backend;
}

}  // namespace

const Backend& mimalloc_backend() {
  return load();
}

}  // namespace alloc_hooks::detail
