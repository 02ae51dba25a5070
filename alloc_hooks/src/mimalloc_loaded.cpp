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
Backend loaded_backend;
decltype(&mi_malloc) mi_malloc_function = nullptr;
decltype(&mi_calloc) mi_calloc_function = nullptr;
decltype(&mi_realloc) mi_realloc_function = nullptr;
decltype(&mi_free) mi_free_function = nullptr;
decltype(&mi_usable_size) mi_usable_size_function = nullptr;
decltype(&mi_malloc_aligned) mi_malloc_aligned_function = nullptr;
decltype(&mi_malloc_aligned_at) mi_malloc_aligned_at_function = nullptr;

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
  mi_malloc_function = load_symbol<decltype(&mi_malloc)>(library, "mi_malloc");
  mi_calloc_function = load_symbol<decltype(&mi_calloc)>(library, "mi_calloc");
  mi_realloc_function = load_symbol<decltype(&mi_realloc)>(library, "mi_realloc");
  mi_free_function = load_symbol<decltype(&mi_free)>(library, "mi_free");
  mi_usable_size_function = load_symbol<decltype(&mi_usable_size)>(library, "mi_usable_size");
  mi_malloc_aligned_function =
      load_symbol<decltype(&mi_malloc_aligned)>(library, "mi_malloc_aligned");
  mi_malloc_aligned_at_function =
      load_symbol<decltype(&mi_malloc_aligned_at)>(library, "mi_malloc_aligned_at");
  loaded_backend =
      make_mimalloc_backend<mi_malloc_function, mi_calloc_function, mi_realloc_function,
                            mi_free_function, mi_usable_size_function, mi_malloc_aligned_function,
                            mi_malloc_aligned_at_function>(mimalloc_version);
  describe_mimalloc_version(load_symbol<decltype(&mi_version)>(library, "mi_version")(),
                            mimalloc_version, sizeof mimalloc_version);
  return loaded_backend;
}

}  // namespace

const Backend& mimalloc_backend() {
  return load();
}

}  // namespace alloc_hooks::detail
