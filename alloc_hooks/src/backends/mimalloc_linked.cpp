// The mimalloc backend where mimalloc is linked without replacing malloc (Windows: a static
// mimalloc, or its DLL without the redirection module, leaves the C runtime's malloc alone).
#include <mimalloc.h>

#include "core/backend.hpp"

namespace alloc_hooks::detail {

namespace {
char mimalloc_version[64];
}  // namespace

const Backend& mimalloc_backend() {
  static const Backend linked_backend =
      make_mimalloc_backend<mi_malloc, mi_calloc, mi_realloc, mi_free, mi_usable_size,
                            mi_malloc_aligned, mi_malloc_aligned_at>(mimalloc_version);
  describe_mimalloc_version(mi_version(), mimalloc_version, sizeof mimalloc_version);
  return linked_backend;
}

}  // namespace alloc_hooks::detail
