// A program of another project that links alloc_hooks::alloc_hooks and checks one exact figure.
#include <cstdio>
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
  std::printf("consumer: %llu allocation(s), %llu bytes, backend %s\n",
              static_cast<unsigned long long>(result.allocations),
              static_cast<unsigned long long>(result.bytes_allocated), alloc_hooks::backend().name);
  return result.allocations == 1 && result.bytes_allocated == 4096 && result.live_bytes_delta == 0
             ? 0
             : 1;
}
