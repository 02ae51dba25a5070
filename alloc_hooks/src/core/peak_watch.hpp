// A callback each time the process's peak of live bytes first reaches the next multiple of a
// step: for snapshots while a program runs (`memory_baseline profile --snapshot-every-mb`). The
// check sits on the path that raises the peak, which runs only when live bytes beat it: one
// relaxed load and a compare there, nothing on the path of an allocation that sets no peak.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail::peak_watch {

using Reached = void (*)(std::uint64_t live);

// From now on, `reached(live)` runs on the allocating thread (inside the allocation, after its
// call to the backend and its timing) when the peak first reaches k * `step` bytes, k = 1, 2, ...;
// a peak that passes several multiples at once calls it once. Not while it runs on another
// thread: one call at a time (a multiple reached meanwhile is passed over).
void watch(std::uint64_t step, Reached reached) noexcept;

// In a fork child (one thread): no call under way, and the next multiple the one above `live`.
void restart(std::uint64_t live) noexcept;

// The next multiple; UINT64_MAX when nothing is watched.
extern std::atomic<std::uint64_t> next_peak;
void reach(std::uint64_t live) noexcept;

// On the path that raises the peak to `live`.
inline void note_peak(std::uint64_t live) noexcept {
  if (live >= next_peak.load(std::memory_order_relaxed)) [[unlikely]]
    reach(live);
}

}  // namespace alloc_hooks::detail::peak_watch
ALLOC_HOOKS_INTERNAL_END
