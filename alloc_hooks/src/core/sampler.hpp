// The byte sampler of the hot path and its slow path (alloc_hooks/sites.hpp says what is sampled
// and how it is weighted; sampled_blocks.hpp keeps the sampled blocks). A thread's only cost per
// allocation is one subtraction and one compare: the bytes left until its next sample.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"
#include "core/sampled_blocks.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail::sampler {

// A thread's sampler, in the hooks' thread-local state. Zero-initialised: its first allocation
// takes the slow path, which draws the first interval.
struct ThreadSampler {
  std::int64_t bytes_until_sample;
  std::uint64_t random;  // xorshift state; 0 until the thread's first draw
};

inline bool due(ThreadSampler& sampler, std::size_t size) {
  sampler.bytes_until_sample -= static_cast<std::int64_t>(size);
  return sampler.bytes_until_sample <= 0;
}

// Slow path of `due`: decides whether this allocation of `requested` bytes is sampled (the
// thread's first draw, or sampling off, may say no) and if so records its stack and marks the
// block in the size shadow. `ticks`: how long the allocation took (0 untimed).
void offer(ThreadSampler& sampler, const void* block, std::size_t requested,
           std::uint64_t ticks) noexcept;

// A sampled block's record, taken out of the table when the block is freed or moved.
using Sampled = sampled_blocks::Record;
// The requested size of a block the shadow marks sampled.
std::size_t requested_size(const void* block) noexcept;
// Takes the block's record out and its weight off its site's live bytes.
Sampled forget(const void* block) noexcept;
// Puts a record back (a realloc that failed leaves its block as it was).
void restore(const void* block, const Sampled& record) noexcept;

// The stack of the calling thread's current allocation (slow allocations: always taken).
std::uint32_t capture_stack_id() noexcept;

// Live bytes reached a new peak of the innermost window (`live`): every site's live bytes now are
// its figure at the peak. Opening a window makes its start the first peak.
void note_peak(std::uint64_t live) noexcept;

// Maps and makes resident the sampler's tables (start-up): their first pages are the hooks', not
// growth of the program measured later.
void prepare() noexcept;

// Starts a thread's sampler from `seed` (nonzero) at the current interval.
void start(ThreadSampler& sampler, std::uint64_t seed) noexcept;
// The calling thread's sampler starts again: from a fresh seed (set_sample_bytes), or from a given
// one (seed_sampler).
void restart_this_thread(std::uint64_t seed) noexcept;
std::uint64_t fresh_seed(const void* salt) noexcept;

}  // namespace alloc_hooks::detail::sampler
ALLOC_HOOKS_INTERNAL_END
