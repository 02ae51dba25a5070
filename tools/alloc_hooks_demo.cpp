// Demo of alloc_hooks on the seed's single-vector workload: one std::vector<float>(n, 1.0f) per
// size, each inside a measurement window, with its exact figures and the process summary.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <new>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/observe.hpp"
#include "alloc_hooks/summary.hpp"

namespace {

int run() {
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

}  // namespace

// An allocation refused by ALLOC_HOOKS_LIVE_BYTES_LIMIT ends the demo with status 1 and one line,
// printed once the limit is lifted (printing allocates too).
int main() {
  try {
    return run();
  } catch (const std::bad_alloc&) {
    const alloc_hooks::BudgetReport report = alloc_hooks::budget_report();
    alloc_hooks::set_live_bytes_limit(0);
    std::fprintf(stderr,
                 "alloc_hooks_demo: an allocation failed (%llu refused by the live-bytes limit of "
                 "%llu bytes)\n",
                 static_cast<unsigned long long>(report.limit_refusals),
                 static_cast<unsigned long long>(report.live_bytes_limit));
    return 1;
  }
}
