// A program of another project that links alloc_hooks::alloc_hooks_malloc and checks exact figures
// of both sources.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/observe.hpp"

int main() {
  alloc_hooks::Window window;
  {
    std::vector<float> vector(1024, 1.0f);
    alloc_hooks::keep_observable(vector.data());
  }
  const alloc_hooks::WindowResult result = window.result();
  alloc_hooks::Window malloc_window;
  char* copy = strdup("consumer");
  alloc_hooks::keep_observable(copy);
  std::free(copy);
  const alloc_hooks::WindowResult from_malloc = malloc_window.result();
  std::printf("consumer: %llu allocation(s), %llu bytes, backend %s\n",
              static_cast<unsigned long long>(result.allocations),
              static_cast<unsigned long long>(result.bytes_allocated), alloc_hooks::backend().name);
  const alloc_hooks::SourceCounters& malloc_counters =
      from_malloc.by_source[static_cast<std::size_t>(alloc_hooks::Source::malloc)];
  return result.allocations == 1 && result.bytes_allocated == 4096 &&
                 result.live_bytes_delta == 0 && malloc_counters.allocations == 1 &&
                 malloc_counters.bytes_allocated == 9 && from_malloc.live_bytes_delta == 0
             ? 0
             : 1;
}
