// Figures that start again where a process starts its own: a fork child is a process of its own
// whose heap is a copy of its parent's. Its calls, latencies, slowest allocations and per-site
// counts start at zero at the fork; its live bytes are the blocks it holds, the inherited ones
// included (freeing one is its own free), and its peak starts at them.
#pragma once

#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Starts the figures again at this moment. Only while one thread runs (a fork child before it
// returns from fork): it writes every thread's record. Allocates nothing.
void restart_figures() noexcept;
// read_counters() since the last restart_figures (since start-up when there was none): the calls,
// bytes and latencies made since; live bytes and their peak as they are.
Counters counters_since_restart() noexcept;
// The live bytes at the last restart_figures (0 when there was none).
std::int64_t live_bytes_at_restart() noexcept;

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
