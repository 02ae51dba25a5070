// Demo of alloc_hooks on the seed's single-vector workload: one std::vector<float>(n, 1.0f) per
// size, each inside a measurement window, with its exact figures and the process summary.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/observe.hpp"
#include "alloc_hooks/summary.hpp"

int main() {
  spdlog::set_pattern("%v");
  int status = 0;
  for (const std::size_t floats : {128u, 256u, 512u, 1024u, 2048u}) {
    alloc_hooks::Window window;
    {
      std::vector<float> vector(floats, 1.0f);
      alloc_hooks::keep_observable(vector.data());
    }
    const alloc_hooks::WindowResult result = window.result();
    const std::uint64_t expected = floats * sizeof(float);
    const bool exact = result.bytes_allocated == expected && result.allocations == 1 &&
                       result.live_bytes_delta == 0;
    spdlog::info(
        "vector<float>({:4}): requested {:5} B (expected {:5}), reserved {:5} B, peak {:5} B, "
        "{} alloc, latency {} ns{}",
        floats, result.bytes_allocated, expected, result.reserved_bytes_allocated,
        result.peak_live_bytes, result.allocations, result.alloc_latency.max_ns,
        exact ? "" : "  <-- MISMATCH");
    if (!exact) status = 1;
  }
  alloc_hooks::log_summary();
  return status;
}
