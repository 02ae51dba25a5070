// The jemalloc backend: libjemalloc.so.2 loaded at run time, local to the hooks. Its
// initial-exec thread-locals need the static TLS room that alloc_hooks::kJemallocTunable gives a
// process from its start; without it the load fails with the loader's own words.
#include <cstdio>
#include <cstring>

#include "alloc_hooks/backends.hpp"
#include "backends/loaded_allocator.hpp"

namespace alloc_hooks::detail {

namespace {

CAllocatorFunctions jemalloc_functions;
Backend jemalloc;
char jemalloc_version[64];

using Mallctl = int (*)(const char* name, void* old_value, std::size_t* old_length, void* new_value,
                        std::size_t new_length);

// "jemalloc 5.3.0" from mallctl("version"), "5.3.0-0-g54eaed1d...".
void describe_version(const LoadedLibrary& library) {
  const auto mallctl = reinterpret_cast<Mallctl>(library.symbol("mallctl"));
  const char* version = nullptr;
  std::size_t length = sizeof version;
  if (mallctl("version", &version, &length, nullptr, 0) != 0 || version == nullptr)
    version = "unknown";
  const std::size_t release_length = std::strcspn(version, "-");
  std::snprintf(jemalloc_version, sizeof jemalloc_version, "jemalloc %.*s",
                static_cast<int>(release_length), version);
}

}  // namespace

const Backend& jemalloc_backend() {
  char hint[160];
  std::snprintf(hint, sizeof hint,
                "install libjemalloc2; the process must start with GLIBC_TUNABLES=%s",
                kJemallocTunable);
  const LoadedLibrary library("jemalloc", ALLOC_HOOKS_JEMALLOC_LIBRARY, hint);
  library.load({"malloc", "calloc", "realloc", "free", "malloc_usable_size", "aligned_alloc"},
               jemalloc_functions);
  describe_version(library);
  jemalloc = make_c_allocator_backend<jemalloc_functions>("jemalloc", jemalloc_version);
  return jemalloc;
}

}  // namespace alloc_hooks::detail
