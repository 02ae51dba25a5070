// The counting core, apart from any interception point: the operator new/delete forms
// (replace_new_delete.cpp) and the C malloc family (malloc_family/platform/linux.cpp) call it. It
// obtains blocks from the active backend, keeps the exact counters, and times each call. Nothing
// here locks, logs, throws or calls operator new.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

struct Allocation {
  void* block = nullptr;
  // With a null block: the live-bytes limit refused it, not the backend.
  bool refused_by_limit = false;
};
// `size` bytes from the backend, exactly as asked (no header or trailer), aligned to `alignment`
// when it is nonzero (else the backend's default). A null block when the size is beyond any
// backend, the backend fails, or the live-bytes limit refuses; nothing is counted then: the caller
// decides (new_handler, retry, errno) and reports a final failure with count_failed_allocation.
Allocation counted_allocate(Source source, std::size_t size, std::size_t alignment) noexcept;
// calloc: `count` * `size` zeroed bytes; the caller has checked that the product fits.
Allocation counted_allocate_zeroed(std::size_t count, std::size_t size) noexcept;
// realloc of a non-null block to a nonzero size, or to size 0 where the backend then frees the
// block and returns nullptr (glibc): `freed` tells that apart from a failure, which leaves the
// block as it was.
struct Reallocation {
  Allocation result;
  bool freed = false;
};
Reallocation counted_reallocate(void* block, std::size_t size) noexcept;

// Frees a block from counted_allocate with the same `alignment`; nullptr is a no-op. `sized`:
// the size a sized delete passed (kUnsized for every other form), checked against the request.
inline constexpr std::size_t kUnsized = ~std::size_t{0};
void counted_release(Source source, void* block, std::size_t alignment,
                     std::size_t sized = kUnsized) noexcept;
// An allocator the hooks wrap rather than choose: a function of the program's own C runtime or
// of the Win32 heap, reached through a patched import (malloc_family/platform/windows.cpp). Its
// calls are counted as a backend's are and its blocks go back to it, so they stay exactly what
// the program would get. `call(arguments)` makes the call as the program asked (its result: the
// block, or for a free anything); `usable_size(arguments, block)` measures one of its blocks.
struct WrappedCall {
  void* (*call)(void* arguments);
  std::size_t (*usable_size)(const void* arguments, const void* block);
  void* arguments;
};
// An allocating call of `size` bytes.
Allocation counted_wrapped_allocate(Source source, std::size_t size,
                                    const WrappedCall& call) noexcept;
// A call that resizes `block` (non-null) to `size`: its result the block now, or nullptr (failed
// and the block as it was; or, for size 0 where `frees_at_zero` (realloc), freed: `freed`).
Reallocation counted_wrapped_reallocate(Source source, void* block, std::size_t size,
                                        bool frees_at_zero, const WrappedCall& call) noexcept;
// A call that frees `block` (non-null).
void counted_wrapped_release(Source source, void* block, const WrappedCall& call) noexcept;
// The calling thread's re-entry flag: set (with a ScopedFlag) around the hooks' own work outside
// an allocation (patching imports), whose allocations are then handed out uncounted.
bool& inside_hooks_flag() noexcept;

// One allocation failed for good; `refused_by_limit` is its last attempt's.
void count_failed_allocation(Source source, bool refused_by_limit) noexcept;
// The usable size of a block the hooks handed out (malloc_usable_size): the backend's own figure.
std::size_t usable_size_of(const void* block) noexcept;

// Process-wide live bytes: one shared counter, so that its peak is the peak in the order the
// updates really happened, across threads. With a live-bytes batch set, threads hold back up to
// that many bytes each (ThreadCounters::unflushed_live_bytes). Each on its own cache line: every
// allocation writes live_bytes and reads the window peak.
alignas(64) extern std::atomic<std::int64_t> live_bytes;
alignas(64) extern std::atomic<std::uint64_t> peak_live_bytes;
// Running maxima since the innermost open window started (see window.cpp).
alignas(64) extern std::atomic<std::uint64_t> window_peak_live_bytes;
alignas(64) extern std::atomic<std::uint64_t> window_max_alloc_ticks;

void raise_to(std::atomic<std::uint64_t>& maximum, std::uint64_t value) noexcept;

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
