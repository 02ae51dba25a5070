// The tcmalloc backend: gperftools' libtcmalloc_minimal.so.4 loaded at run time, local to the
// hooks, through its tc_* functions.
#include <cstdio>

#include "backends/loaded_allocator.hpp"

namespace alloc_hooks::detail {

namespace {

CAllocatorFunctions tcmalloc_functions;
Backend tcmalloc;
char tcmalloc_version[64];

using TcVersion = const char* (*)(int* major, int* minor, const char** patch);

}  // namespace

const Backend& tcmalloc_backend() {
  const LoadedLibrary library("tcmalloc", ALLOC_HOOKS_TCMALLOC_LIBRARY,
                              "install libtcmalloc-minimal4");
  library.load({"tc_malloc", "tc_calloc", "tc_realloc", "tc_free", "tc_malloc_size", "tc_memalign"},
               tcmalloc_functions);
  int major = 0, minor = 0;
  const char* patch = nullptr;
  reinterpret_cast<TcVersion>(library.symbol("tc_version"))(&major, &minor, &patch);
  std::snprintf(tcmalloc_version, sizeof tcmalloc_version, "tcmalloc %d.%d%s (gperftools)", major,
                minor, patch != nullptr ? patch : "");
  tcmalloc = make_c_allocator_backend<tcmalloc_functions>("tcmalloc", tcmalloc_version);
  return tcmalloc;
}

}  // namespace alloc_hooks::detail
