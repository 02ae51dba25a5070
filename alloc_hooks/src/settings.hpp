// Run-time switches of the hooks (timing mode, budgets), read by the hot path with relaxed loads.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"

namespace alloc_hooks::detail {

struct Settings {
  std::atomic<TimingMode> timing{TimingMode::allocations_and_frees};
  std::atomic<std::uint64_t> live_bytes_limit{0};       // 0: no limit
  std::atomic<std::uint64_t> alloc_budget_ticks{0};     // 0: no latency budget
  std::atomic<std::uint64_t> alloc_budget_ns{0};
};
extern Settings settings;

// Reads ALLOC_HOOKS_TIMING, ALLOC_HOOKS_LIVE_BYTES_LIMIT and ALLOC_HOOKS_ALLOC_BUDGET_NS; a
// malformed value ends the process with one line on stderr and status 2.
void load_settings_from_environment();

}  // namespace alloc_hooks::detail
