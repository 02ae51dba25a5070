// The counting core, apart from any interception point: operator new/delete call it today, a C
// malloc-family interposer can call it later. It obtains blocks from the active backend, keeps the
// exact counters, and times each call. Nothing here locks, logs, throws or calls operator new.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace alloc_hooks::detail {

struct Allocation {
  void* block = nullptr;
  // With a null block: the live-bytes limit refused it, not the backend.
  bool refused_by_limit = false;
};
// `size` bytes from the backend, aligned to `alignment` when it is nonzero (else the backend's
// default). A null block when the size is beyond any backend, the backend fails, or the
// live-bytes limit refuses; nothing is counted then: the caller decides (new_handler, retry) and
// reports a final failure with count_failed_allocation.
Allocation counted_allocate(std::size_t size, std::size_t alignment) noexcept;
// Frees a block from counted_allocate with the same `alignment`; nullptr is a no-op.
void counted_release(void* block, std::size_t alignment) noexcept;
// One allocation failed for good; `refused_by_limit` is its last attempt's.
void count_failed_allocation(bool refused_by_limit) noexcept;

// Process-wide live bytes: one shared counter, so that its peak is the peak in the order the
// updates really happened, across threads. With a live-bytes batch set, threads hold back up to
// that many bytes each (ThreadCounters::unflushed_live_bytes).
extern std::atomic<std::int64_t> live_bytes;
extern std::atomic<std::uint64_t> peak_live_bytes;
// Running maxima since the innermost open window started (see window.cpp).
extern std::atomic<std::uint64_t> window_peak_live_bytes;
extern std::atomic<std::uint64_t> window_max_alloc_ticks;

void raise_to(std::atomic<std::uint64_t>& maximum, std::uint64_t value) noexcept;

}  // namespace alloc_hooks::detail
