// Run-time switches of the hooks (timing mode, budgets), read by the hot path with relaxed loads.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/sites.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

struct Settings {
  std::atomic<TimingMode> timing{TimingMode::allocations};
  std::atomic<std::uint64_t> live_bytes_limit{0};    // 0: no limit
  std::atomic<std::uint64_t> alloc_budget_ticks{0};  // 0: no latency budget
  std::atomic<std::uint64_t> alloc_budget_ns{0};
  std::atomic<std::int64_t> live_batch_bytes{0};  // 0: exact shared live-bytes counter
  std::atomic<std::uint64_t> sample_bytes{kDefaultSampleBytes};  // 0: no sampling (sites.hpp)
  std::atomic<bool> frame_pointer_walk{false};  // stacks by frame pointers, not unwind tables
};
extern Settings settings;

// Reads ALLOC_HOOKS_TIMING, _LIVE_BYTES_LIMIT, _ALLOC_BUDGET_NS, _LIVE_BATCH_BYTES,
// _SAMPLE_BYTES and _STACK_WALK; a
// malformed value ends the process with one line on stderr and status 2.
void load_settings_from_environment();

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
