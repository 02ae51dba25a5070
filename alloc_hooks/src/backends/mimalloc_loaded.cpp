// The mimalloc backend where mimalloc is a shared library that replaces malloc (Debian's
// libmimalloc.so exports malloc and operator new): it is loaded at run time with local symbol
// binding instead of being linked, or every "system" run would silently be a mimalloc run.
#include <mimalloc.h>

#include "backends/loaded_allocator.hpp"
#include "core/backend.hpp"

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
void bind(const LoadedLibrary& library, Function& function, const char* name) {
  function = reinterpret_cast<Function>(library.symbol(name));
}

const Backend& load() {
  const LoadedLibrary library("mimalloc", ALLOC_HOOKS_MIMALLOC_LIBRARY, "install libmimalloc2.0");
  bind(library, mi_malloc_function, "mi_malloc");
  bind(library, mi_calloc_function, "mi_calloc");
  bind(library, mi_realloc_function, "mi_realloc");
  bind(library, mi_free_function, "mi_free");
  bind(library, mi_usable_size_function, "mi_usable_size");
  bind(library, mi_malloc_aligned_function, "mi_malloc_aligned");
  bind(library, mi_malloc_aligned_at_function, "mi_malloc_aligned_at");
  loaded_backend =
      make_mimalloc_backend<mi_malloc_function, mi_calloc_function, mi_realloc_function,
                            mi_free_function, mi_usable_size_function, mi_malloc_aligned_function,
                            mi_malloc_aligned_at_function>(mimalloc_version);
  decltype(&mi_version) version = nullptr;
  bind(library, version, "mi_version");
  describe_mimalloc_version(version(), mimalloc_version, sizeof mimalloc_version);
  return loaded_backend;
}

}  // namespace

const Backend& mimalloc_backend() {
  return load();
}

}  // namespace alloc_hooks::detail
