// The mimalloc backend where mimalloc is linked without replacing malloc (Windows: a static
// mimalloc, or its DLL without the redirection module, leaves the C runtime's malloc alone).
#include <mimalloc.h>

#include "backend.hpp"

namespace alloc_hooks::detail {

namespace {

// Adapters for the Backend signatures: argument order, and the alignment mimalloc does not need.
void* allocate_aligned(std::size_t alignment, std::size_t size) {
  return mi_malloc_aligned(size, alignment);
}
void release_aligned(void* block, std::size_t) {
  mi_free(block);
}
std::size_t usable_size_aligned(const void* block, std::size_t) {
  return mi_usable_size(block);
}

char mimalloc_version[64];
const Backend linked_backend{"mimalloc",          mi_malloc,        mi_free,
                             mi_usable_size,      allocate_aligned, release_aligned,
                             usable_size_aligned, mimalloc_version};

}  // namespace

const Backend& mimalloc_backend() {
  describe_mimalloc_version(mi_version(), mimalloc_version, sizeof mimalloc_version);
  return linked_backend;
}

}  // namespace alloc_hooks::detail
