// Hot path of the hooks. Each block carries its requested size in its last 8 usable bytes (the
// size trailer), which is how an unsized delete subtracts the exact requested size, aligned blocks
// included, without a header that would move the returned pointer: see docs/alloc_hooks.md.
#include "accounting.hpp"

#include <cstring>

#include "backend.hpp"
#include "clock.hpp"
#include "platform/platform.hpp"
#include "scoped_flag.hpp"
#include "settings.hpp"
#include "thread_counters.hpp"

#if defined(__GNUC__)
#define ALLOC_HOOKS_LIKELY(x) __builtin_expect(!!(x), 1)
#define ALLOC_HOOKS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ALLOC_HOOKS_COLD __attribute__((cold, noinline))
#else
#define ALLOC_HOOKS_LIKELY(x) (x)
#define ALLOC_HOOKS_UNLIKELY(x) (x)
#define ALLOC_HOOKS_COLD
#endif

namespace alloc_hooks::detail {

std::atomic<std::int64_t> live_bytes{0};
std::atomic<std::uint64_t> peak_live_bytes{0};
std::atomic<std::uint64_t> window_peak_live_bytes{0};
std::atomic<std::uint64_t> window_max_alloc_ticks{0};

namespace {

using Trailer = std::uint64_t;
constexpr std::size_t kTrailerBytes = sizeof(Trailer);
// Set on blocks obtained while this thread was already inside the hooks (a backend that calls
// operator new): they are handed out uncounted, and their free is not counted either.
constexpr Trailer kUncounted = Trailer{1} << 63;
constexpr std::size_t kLargestRequest = (std::size_t{1} << 62);

struct ThreadState {
  ThreadCounters* counters;
  bool inside_allocation;
};
constinit thread_local ThreadState thread_state{nullptr, false};

void on_thread_exit(void* record) {
  auto* counters = static_cast<ThreadCounters*>(record);
  live_bytes.fetch_add(counters->unflushed_live_bytes.exchange(0, std::memory_order_relaxed),
                       std::memory_order_relaxed);
  release_thread_counters(counters);
  thread_state.counters = nullptr;  // an allocation after this acquires a record again
}

ALLOC_HOOKS_COLD ThreadCounters& attach_thread() {
  ThreadCounters* counters = acquire_thread_counters();
  if (!platform::call_at_thread_exit(on_thread_exit, counters)) {
    platform::fail_fast("cannot register the thread-exit callback", 2);
  }
  thread_state.counters = counters;
  return *counters;
}

inline ThreadCounters& this_thread_counters() {
  ThreadCounters* counters = thread_state.counters;
  return ALLOC_HOOKS_LIKELY(counters != nullptr) ? *counters : attach_thread();
}

inline Trailer* trailer_of(void* block, std::size_t usable) {
  return reinterpret_cast<Trailer*>(static_cast<char*>(block) + usable - kTrailerBytes);
}

inline void* obtain(const Backend& backend, std::size_t bytes, std::size_t alignment) {
  return alignment == 0 ? backend.allocate(bytes) : backend.allocate_aligned(alignment, bytes);
}
inline std::size_t usable_size(const Backend& backend, const void* block, std::size_t alignment) {
  return alignment == 0 ? backend.usable_size(block)
                        : backend.usable_size_aligned(block, alignment);
}
inline void give_back(const Backend& backend, void* block, std::size_t alignment) {
  if (alignment == 0) {
    backend.release(block);
  } else {
    backend.release_aligned(block, alignment);
  }
}

ALLOC_HOOKS_COLD void* allocate_uncounted(const Backend& backend, std::size_t size,
                                          std::size_t alignment) {
  void* block = obtain(backend, size + kTrailerBytes, alignment);
  if (block == nullptr) return nullptr;
  const Trailer trailer = size | kUncounted;
  std::memcpy(trailer_of(block, usable_size(backend, block, alignment)), &trailer, kTrailerBytes);
  return block;
}

ALLOC_HOOKS_COLD void raise_peaks(std::uint64_t live) {
  raise_to(window_peak_live_bytes, live);
  raise_to(peak_live_bytes, live);  // always >= the window's: windows only ever lower theirs
}

// Adds `delta` to the process-wide live bytes and returns the new total as this thread sees it.
// Batch 0 (the default): one shared counter, exact in the order the updates happened. Batch B:
// each thread passes its changes on once they exceed B bytes, so the total seen by one thread is
// off by at most B for every other thread (docs/alloc_hooks.md). That view can fall below zero
// (this thread freed a block whose allocation another thread still holds back), while the true
// total never does: the view is floored at zero, else the peak and the limit would read it as
// nearly 2^64.
inline std::int64_t change_live_bytes(ThreadCounters& counters, std::int64_t delta) {
  const std::int64_t batch = settings.live_batch_bytes.load(std::memory_order_relaxed);
  if (ALLOC_HOOKS_LIKELY(batch == 0))
    return live_bytes.fetch_add(delta, std::memory_order_relaxed) + delta;
  std::int64_t pending = counters.unflushed_live_bytes.load(std::memory_order_relaxed) + delta;
  std::int64_t shared;
  if (pending > batch || pending < -batch) {
    shared = live_bytes.fetch_add(pending, std::memory_order_relaxed) + pending;
    pending = 0;
  } else {
    shared = live_bytes.load(std::memory_order_relaxed);
  }
  counters.unflushed_live_bytes.store(pending, std::memory_order_relaxed);
  return shared + pending > 0 ? shared + pending : 0;
}

void record_alloc_latency(ThreadCounters& counters, std::uint64_t ticks, std::uint64_t size) {
  counters.alloc_latency.record(ticks);
  if (ALLOC_HOOKS_UNLIKELY(ticks >
                               counters.slowest_threshold_ticks.load(std::memory_order_relaxed) ||
                           counters.slowest_epoch.load(std::memory_order_relaxed) !=
                               slowest_epoch.load(std::memory_order_relaxed))) {
    record_slow_allocation(counters, ticks, size);
  }
  if (ALLOC_HOOKS_UNLIKELY(ticks > window_max_alloc_ticks.load(std::memory_order_relaxed))) {
    raise_to(window_max_alloc_ticks, ticks);
  }
  const std::uint64_t budget = settings.alloc_budget_ticks.load(std::memory_order_relaxed);
  if (ALLOC_HOOKS_UNLIKELY(budget != 0 && ticks > budget))
    record_budget_violation(counters, ticks, size);
}

}  // namespace

void raise_to(std::atomic<std::uint64_t>& maximum, std::uint64_t value) noexcept {
  std::uint64_t current = maximum.load(std::memory_order_relaxed);
  while (value > current &&
         !maximum.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

Allocation counted_allocate(std::size_t size, std::size_t alignment) noexcept {
  const Backend& backend = active_backend();
  if (ALLOC_HOOKS_UNLIKELY(size > kLargestRequest)) return {};  // no backend can serve it
  if (ALLOC_HOOKS_UNLIKELY(thread_state.inside_allocation))
    return {allocate_uncounted(backend, size, alignment), false};
  // An allocation the backend makes meanwhile is handed out uncounted (above).
  const ScopedFlag inside(thread_state.inside_allocation);
  ThreadCounters& counters = this_thread_counters();

  // Counted before the block exists so that the limit holds exactly across threads.
  const std::int64_t live = change_live_bytes(counters, static_cast<std::int64_t>(size));
  const std::uint64_t limit = settings.live_bytes_limit.load(std::memory_order_relaxed);
  if (ALLOC_HOOKS_UNLIKELY(limit != 0 && static_cast<std::uint64_t>(live) > limit)) {
    change_live_bytes(counters, -static_cast<std::int64_t>(size));
    return {nullptr, true};
  }

  const bool timed = settings.timing.load(std::memory_order_relaxed) != TimingMode::off;
  const std::uint64_t start = timed ? read_ticks() : 0;
  void* block = obtain(backend, size + kTrailerBytes, alignment);
  const std::uint64_t end = timed ? read_ticks() : 0;

  if (ALLOC_HOOKS_UNLIKELY(block == nullptr)) {
    change_live_bytes(counters, -static_cast<std::int64_t>(size));
    return {};
  }
  const std::size_t usable = usable_size(backend, block, alignment);
  const Trailer trailer = size;
  std::memcpy(trailer_of(block, usable), &trailer, kTrailerBytes);

  if (ALLOC_HOOKS_UNLIKELY(static_cast<std::uint64_t>(live) >
                           window_peak_live_bytes.load(std::memory_order_relaxed))) {
    raise_peaks(static_cast<std::uint64_t>(live));
  }
  bump(counters.allocations);
  bump(counters.bytes_allocated, size);
  bump(counters.reserved_bytes_allocated, usable);
  if (timed) record_alloc_latency(counters, end - start, size);
  return {block, false};
}

void counted_release(void* block, std::size_t alignment) noexcept {
  if (block == nullptr) return;
  const Backend& backend = backend_of(block);
  const std::size_t usable = usable_size(backend, block, alignment);
  Trailer trailer;
  std::memcpy(&trailer, trailer_of(block, usable), kTrailerBytes);
  if (ALLOC_HOOKS_UNLIKELY((trailer & kUncounted) != 0)) {
    give_back(backend, block, alignment);
    return;
  }
  ThreadCounters& counters = this_thread_counters();
  change_live_bytes(counters, -static_cast<std::int64_t>(trailer));
  const bool timed =
      settings.timing.load(std::memory_order_relaxed) == TimingMode::allocations_and_frees;
  const std::uint64_t start = timed ? read_ticks() : 0;
  give_back(backend, block, alignment);
  if (timed) counters.free_latency.record(read_ticks() - start);
  bump(counters.frees);
  bump(counters.bytes_freed, trailer);
  bump(counters.reserved_bytes_freed, usable);
}

void count_failed_allocation(bool refused_by_limit) noexcept {
  (void)active_backend();
  ThreadCounters& counters = this_thread_counters();
  bump(counters.failed_allocations);
  if (refused_by_limit) bump(counters.limit_refusals);
}

}  // namespace alloc_hooks::detail
