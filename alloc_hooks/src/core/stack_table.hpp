// Call stacks of sampled and slow allocations, each kept once: a lock-free hash set over stacks
// stored in memory the hooks map themselves (never operator new or malloc), and per stack the
// sampled figures of the blocks it allocated. A stack's id is its index in the store and never
// changes; id 0 collects what had no room (the store full), so that nothing sampled is lost from
// the totals. Two threads inserting the same new stack at once may both store it: readers merge
// stacks by their frames (docs/alloc_hooks.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "alloc_hooks/sites.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail::stack_table {

inline constexpr std::uint32_t kNoRoom = 0;

// The sampled figures of one stack, all estimates of the whole (each sample weighted by the
// inverse of its probability): written with relaxed atomic adds by any thread.
struct SiteCounters {
  std::atomic<std::int64_t> live_bytes;
  // live_bytes at the last peak, valid while peak_epoch is the sampler's (sampler.cpp).
  std::atomic<std::int64_t> peak_snapshot_bytes;
  std::atomic<std::uint64_t> peak_epoch;
  std::atomic<std::uint64_t> allocated_bytes;
  std::atomic<std::uint64_t> allocations;
  std::atomic<std::uint64_t> alloc_ticks;
};

// The id of the stack `frames[0..depth)`, storing it on first sight; kNoRoom when full.
std::uint32_t intern(void* const* frames, std::size_t depth) noexcept;
// Maps the store and makes its index resident: at start-up, before anything is measured.
void prepare() noexcept;
// The ids handed out so far are 0..count()-1.
std::uint32_t count() noexcept;
SiteCounters& counters(std::uint32_t id) noexcept;
Stack frames_of(std::uint32_t id) noexcept;

}  // namespace alloc_hooks::detail::stack_table
ALLOC_HOOKS_INTERNAL_END
