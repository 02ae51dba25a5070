// Hot path of the hooks. The backend gets exactly the size the program asked for; each counted
// block's requested size is kept in the size shadow beside the heap (size_shadow.hpp), which is
// how an unsized delete or free subtracts the exact requested size without touching the block's
// size class: see docs/alloc_hooks.md.
#include "core/accounting.hpp"

#include <cstring>

#include "core/backend.hpp"
#include "core/clock.hpp"
#include "core/kernel_events.hpp"
#include "core/peak_watch.hpp"
#include "core/platform/platform.hpp"
#include "core/sampler.hpp"
#include "core/scoped_flag.hpp"
#include "core/settings.hpp"
#include "core/size_shadow.hpp"
#include "core/thread_counters.hpp"

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

alignas(64) std::atomic<std::int64_t> live_bytes{0};
alignas(64) std::atomic<std::uint64_t> peak_live_bytes{0};
alignas(64) std::atomic<std::uint64_t> window_peak_live_bytes{0};
alignas(64) std::atomic<std::uint64_t> window_max_alloc_ticks{0};

constinit thread_local KernelEventRing kernel_event_ring{};

namespace {

constexpr std::size_t kLargestRequest = (std::size_t{1} << 62);

struct ThreadState {
  ThreadCounters* counters;
  bool inside_allocation;
  sampler::ThreadSampler sampler;
};
#if defined(_WIN32)
// mingw's thread_local is emulated TLS, made and freed with malloc: the very calls the hooks count
// where malloc is counted (Windows: patched imports), and freed while a thread ends, before its
// last frees. The state lives in the thread's native block instead (platform.hpp), which never
// allocates and lasts to the thread's very end.
static_assert(sizeof(ThreadState) <= platform::kThreadBlockBytes);
ThreadState& this_thread_state() noexcept {
  return *static_cast<ThreadState*>(platform::this_thread_block());
}
#else
constinit thread_local ThreadState thread_state{nullptr, false, {0, 0}};
inline ThreadState& this_thread_state() noexcept {
  return thread_state;
}
#endif

void on_thread_exit(void* record) {
  auto* counters = static_cast<ThreadCounters*>(record);
  live_bytes.fetch_add(counters->unflushed_live_bytes.exchange(0, std::memory_order_relaxed),
                       std::memory_order_relaxed);
  release_thread_counters(counters);
  this_thread_state().counters = nullptr;  // an allocation after this acquires a record again
}

// Inside the hooks: registering the thread-exit callback may allocate (winpthreads grows its key
// table with realloc, which is counted on Windows, under its own lock).
ALLOC_HOOKS_COLD ThreadCounters& attach_thread() {
  const ScopedFlag inside(this_thread_state().inside_allocation);
  ThreadCounters* counters = acquire_thread_counters();
  if (!platform::call_at_thread_exit(on_thread_exit, counters)) {
    platform::fail_fast("cannot register the thread-exit callback", 2);
  }
  this_thread_state().counters = counters;
  return *counters;
}

inline ThreadCounters& this_thread_counters() {
  ThreadCounters* counters = this_thread_state().counters;
  return ALLOC_HOOKS_LIKELY(counters != nullptr) ? *counters : attach_thread();
}

inline void* obtain(const Backend& backend, Source source, std::size_t bytes,
                    std::size_t alignment) {
  if (alignment == 0) return backend.allocate(bytes);
  return source == Source::operator_new ? backend.allocate_aligned_new(alignment, bytes)
                                        : backend.allocate_aligned(alignment, bytes);
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

inline AtomicSourceCounters& source_counters(ThreadCounters& counters, Source source) {
  return counters.by_source[static_cast<std::size_t>(source)];
}

inline void count_allocated(AtomicSourceCounters& figures, std::size_t requested,
                            std::size_t usable) {
  bump(figures.allocations);
  bump(figures.bytes_allocated, requested);
  bump(figures.reserved_bytes_allocated, usable);
}

inline void count_freed(AtomicSourceCounters& figures, std::size_t requested, std::size_t usable) {
  bump(figures.frees);
  bump(figures.bytes_freed, requested);
  bump(figures.reserved_bytes_freed, usable);
}

ALLOC_HOOKS_COLD void raise_peaks(std::uint64_t live) {
  raise_to(window_peak_live_bytes, live);
  raise_to(peak_live_bytes, live);  // always >= the window's: windows only ever lower theirs
  sampler::note_peak(live);
  peak_watch::note_peak(live);
}

// Raises the peaks when `live` beats the innermost window's (the usual case reads one line).
inline void note_live_bytes(std::int64_t live) {
  if (ALLOC_HOOKS_UNLIKELY(static_cast<std::uint64_t>(live) >
                           window_peak_live_bytes.load(std::memory_order_relaxed))) {
    raise_peaks(static_cast<std::uint64_t>(live));
  }
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

// Adds `growth` live bytes before the block exists, so that the limit holds exactly across
// threads. When `refusable` and the new total is above the limit, the growth is taken back and
// false returned (an allocation is refusable; a realloc only when it grows). `live` gets the total.
inline bool take_live_bytes(ThreadCounters& counters, std::int64_t growth, bool refusable,
                            std::int64_t& live) {
  live = change_live_bytes(counters, growth);
  const std::uint64_t limit = settings.live_bytes_limit.load(std::memory_order_relaxed);
  if (ALLOC_HOOKS_UNLIKELY(refusable && limit != 0 && static_cast<std::uint64_t>(live) > limit)) {
    change_live_bytes(counters, -growth);
    return false;
  }
  return true;
}

void record_alloc_latency(ThreadCounters& counters, Source source, std::uint64_t ticks,
                          std::uint64_t size) {
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
    record_budget_violation(counters, source, ticks, size);
}

// An allocation asked for while this thread is already inside the hooks (a backend or a tool
// that allocates from inside an allocation): handed out uncounted, and its free is not counted.
// What the hooks' own work asks for (a stack walk: libunwind's thread-local block) comes from
// their own heap, never the program's; what a backend asks for from inside its own function
// comes from that backend, as it would without the hooks (and so does a walk's request that the
// full arena cannot take).
template <typename Obtain>
ALLOC_HOOKS_COLD Allocation allocate_uncounted(const Backend& backend, Obtain obtain) {
  void* block = doing_own_work ? obtain(own_work_arena_backend) : nullptr;
  if (block == nullptr) block = obtain(backend);
  if (block != nullptr) size_shadow::record_uncounted(block);
  return {block, false};
}

// The first sized-delete mismatches, kept for the report (sized_delete_mismatches()).
// Each slot is claimed by one writer and published by its `written` flag, so a reader never sees
// a slot half written.
struct AtomicMismatch {
  std::atomic<std::uint64_t> requested_size, delete_size, thread_id;
  std::atomic<bool> written;
};
AtomicMismatch first_mismatches[SizedDeleteMismatches::kCapacity];
std::atomic<std::size_t> mismatches_claimed{0};

ALLOC_HOOKS_COLD void record_sized_delete_mismatch(ThreadCounters& counters, Source source,
                                                   std::size_t requested, std::size_t sized) {
  bump(source_counters(counters, source).sized_delete_mismatches);
  const std::size_t slot = mismatches_claimed.fetch_add(1, std::memory_order_relaxed);
  if (slot >= SizedDeleteMismatches::kCapacity) return;
  first_mismatches[slot].requested_size.store(requested, std::memory_order_relaxed);
  first_mismatches[slot].delete_size.store(sized, std::memory_order_relaxed);
  first_mismatches[slot].thread_id.store(counters.thread_id, std::memory_order_relaxed);
  first_mismatches[slot].written.store(true, std::memory_order_release);
}

// One allocating call made and timed (when timing is on), with the kernel events inside it
// counted on a watched thread: its result and how many ticks it took (0 untimed).
struct TimedCall {
  void* result;
  std::uint64_t ticks;
  bool timed;
};
template <typename Call>
inline TimedCall make_timed_call(ThreadCounters& counters, Call call) {
  const bool timed = settings.timing.load(std::memory_order_relaxed) != TimingMode::off;
  const std::uint64_t events_before = kernel_events_before_call();
  const std::uint64_t start = timed ? read_ticks() : 0;
  void* result = call();
  const std::uint64_t end = timed ? read_ticks() : 0;
  kernel_events_after_call(events_before, counters.kernel_events_in_allocations);
  return {result, end - start, timed};
}

// A new block of `size` requested bytes counted: its shadow, its sample, the peaks, the source's
// figures and the call's latency.
inline void count_new_block(ThreadCounters& counters, AtomicSourceCounters& figures, Source source,
                            void* block, std::size_t size, std::size_t usable, std::int64_t live,
                            const TimedCall& made) {
  size_shadow::record(block, usable, size);
  if (ALLOC_HOOKS_UNLIKELY(sampler::due(this_thread_state().sampler, size)))
    sampler::offer(this_thread_state().sampler, block, size, made.ticks);
  note_live_bytes(live);  // after the sample: a peak snapshot must hold this block
  count_allocated(figures, size, usable);
  if (made.timed) record_alloc_latency(counters, source, made.ticks, size);
}

// The counting around one allocating call, on a thread inside the hooks: `call()` makes it,
// `measure(block)` reads the usable size of what it returned.
template <typename Call, typename Measure>
inline Allocation count_allocating_call(ThreadCounters& counters, Source source, std::size_t size,
                                        Call call, Measure measure) {
  std::int64_t live;
  if (!take_live_bytes(counters, static_cast<std::int64_t>(size), true, live))
    return {nullptr, true};

  const TimedCall made = make_timed_call(counters, call);
  void* block = made.result;
  if (ALLOC_HOOKS_UNLIKELY(block == nullptr)) {
    change_live_bytes(counters, -static_cast<std::int64_t>(size));
    return {};
  }
  count_new_block(counters, source_counters(counters, source), source, block, size, measure(block),
                  live, made);
  return {block, false};
}

// The one allocation path through the backend: `obtain(backend)` asks it for the `size` bytes.
template <typename Obtain>
inline Allocation count_allocation(Source source, std::size_t size, std::size_t alignment,
                                   Obtain obtain) {
  const Backend& backend = active_backend();
  if (ALLOC_HOOKS_UNLIKELY(size > kLargestRequest)) return {};  // no backend can serve it
  // The hooks' own start-up (loading the backend) and whatever the backend allocates from inside
  // an allocation are not the program's: handed out uncounted.
  if (ALLOC_HOOKS_UNLIKELY(this_thread_state().inside_allocation ||
                           &backend == &start_up_arena_backend))
    return allocate_uncounted(backend, obtain);
  const ScopedFlag inside(this_thread_state().inside_allocation);
  return count_allocating_call(
      this_thread_counters(), source, size, [&] { return obtain(backend); },
      [&](const void* block) { return usable_size(backend, block, alignment); });
}

// The counting around one call that frees a counted block whose shadow reads `recorded`:
// `release()` gives it back.
template <typename Release>
inline void count_releasing_call(Source source, const void* block, std::size_t usable,
                                 const size_shadow::Recorded& recorded, std::size_t sized,
                                 Release release) {
  ThreadCounters& counters = this_thread_counters();
  // A sampled block's size is in the sampler's table, which it leaves now (one lookup).
  const std::size_t requested = ALLOC_HOOKS_UNLIKELY(recorded.sampled)
                                    ? sampler::forget(block).requested
                                    : recorded.requested;
  if (ALLOC_HOOKS_UNLIKELY(sized != kUnsized && sized != requested))
    record_sized_delete_mismatch(counters, source, requested, sized);
  size_shadow::forget(block);
  change_live_bytes(counters, -static_cast<std::int64_t>(requested));
  const bool timed =
      settings.timing.load(std::memory_order_relaxed) == TimingMode::allocations_and_frees;
  const std::uint64_t events_before = kernel_events_before_call();
  const std::uint64_t start = timed ? read_ticks() : 0;
  release();
  if (timed) counters.free_latency.record(read_ticks() - start);
  kernel_events_after_call(events_before, counters.kernel_events_in_frees);
  count_freed(source_counters(counters, source), requested, usable);
}

// The counting around one call that resizes a counted block (`old` its shadow, `old_usable` its
// usable size), on a thread inside the hooks: `call()` makes it and returns the block now, or
// nullptr (failed, the block as it was; or, for size 0, freed); `measure` reads usable sizes.
template <typename Call, typename Measure>
inline Reallocation count_reallocating_call(ThreadCounters& counters, Source source, void* block,
                                            std::size_t size, bool frees_at_zero,
                                            std::size_t old_usable, size_shadow::Recorded old,
                                            Call call, Measure measure) {
  if (old.sampled) old.requested = sampler::requested_size(block);
  const auto growth = static_cast<std::int64_t>(size) - static_cast<std::int64_t>(old.requested);
  std::int64_t live;
  if (!take_live_bytes(counters, growth, growth > 0, live)) return {{nullptr, true}, false};
  // A sampled block leaves the table, and the block its shadow, before the call may hand its
  // address to another thread.
  const sampler::Sampled old_sample =
      old.sampled ? sampler::forget(block) : sampler::Sampled{0, 0, 0};
  size_shadow::forget(block);
  const TimedCall made = make_timed_call(counters, call);
  void* moved = made.result;
  AtomicSourceCounters& figures = source_counters(counters, source);

  if (ALLOC_HOOKS_UNLIKELY(moved == nullptr)) {
    if (size != 0 || !frees_at_zero) {  // failed: the old block stays as it was
      change_live_bytes(counters, -growth);
      size_shadow::record(block, old_usable, old.requested);
      if (old.sampled) sampler::restore(block, old_sample);
      return {};
    }
    // realloc(block, 0) freed the block (glibc, the Windows C runtimes): a free, no allocation.
    count_freed(figures, old.requested, old_usable);
    return {{}, true};
  }
  count_new_block(counters, figures, source, moved, size, measure(moved), live, made);
  count_freed(figures, old.requested, old_usable);
  return {{moved, false}, false};
}

}  // namespace

void raise_to(std::atomic<std::uint64_t>& maximum, std::uint64_t value) noexcept {
  std::uint64_t current = maximum.load(std::memory_order_relaxed);
  while (value > current &&
         !maximum.compare_exchange_weak(current, value, std::memory_order_relaxed)) {
  }
}

Allocation counted_allocate(Source source, std::size_t size, std::size_t alignment) noexcept {
  return count_allocation(source, size, alignment, [&](const Backend& backend) {
    return obtain(backend, source, size, alignment);
  });
}

Allocation counted_allocate_zeroed(std::size_t count, std::size_t size) noexcept {
  return count_allocation(Source::malloc, count * size, 0, [&](const Backend& backend) {
    return backend.allocate_zeroed(count, size);
  });
}

Reallocation counted_reallocate(void* block, std::size_t size) noexcept {
  const Backend& backend = backend_of(block);
  if (ALLOC_HOOKS_UNLIKELY(&backend == &start_up_arena_backend)) {
    // A block of the hooks' own heap moves to wherever an allocation comes from now: the active
    // backend (counted) when the program reallocates it, the arena again while the start-up or a
    // stack walk does (both are handed out uncounted).
    const std::size_t old_size = backend.usable_size(block);
    const Allocation moved = counted_allocate(Source::malloc, size, 0);
    if (moved.block == nullptr) return {moved, false};
    std::memcpy(moved.block, block, old_size < size ? old_size : size);
    counted_release(Source::malloc, block, 0);
    return {moved, false};
  }
  if (ALLOC_HOOKS_UNLIKELY(size > kLargestRequest)) return {};
  const std::size_t old_usable = backend.usable_size(block);
  const size_shadow::Recorded old = size_shadow::read(block, old_usable);
  if (ALLOC_HOOKS_UNLIKELY(!old.counted || this_thread_state().inside_allocation)) {
    // Neither the old block nor the new one is counted (a re-entrant call keeps its blocks so).
    void* moved = backend.reallocate(block, size);
    if (moved != nullptr) size_shadow::record_uncounted(moved);
    return {{moved, false}, moved == nullptr && size == 0};
  }
  const ScopedFlag inside(this_thread_state().inside_allocation);
  return count_reallocating_call(
      this_thread_counters(), Source::malloc, block, size, true, old_usable, old,
      [&] { return backend.reallocate(block, size); },
      [&](const void* moved) { return backend.usable_size(moved); });
}

void counted_release(Source source, void* block, std::size_t alignment,
                     std::size_t sized) noexcept {
  if (block == nullptr) return;
  const Backend& backend = backend_of(block);
  const std::size_t usable = usable_size(backend, block, alignment);
  const size_shadow::Recorded recorded = size_shadow::read(block, usable);
  if (ALLOC_HOOKS_UNLIKELY(!recorded.counted)) {
    give_back(backend, block, alignment);
    return;
  }
  count_releasing_call(source, block, usable, recorded, sized,
                       [&] { give_back(backend, block, alignment); });
}

Allocation counted_wrapped_allocate(Source source, std::size_t size,
                                    const WrappedCall& call) noexcept {
  // Nested, or a size no allocator can serve (it fails; the live bytes never see it).
  if (ALLOC_HOOKS_UNLIKELY(this_thread_state().inside_allocation || size > kLargestRequest)) {
    void* block = call.call(call.arguments);
    if (block != nullptr) size_shadow::record_uncounted(block);
    return {block, false};
  }
  const ScopedFlag inside(this_thread_state().inside_allocation);
  return count_allocating_call(
      this_thread_counters(), source, size, [&] { return call.call(call.arguments); },
      [&](const void* block) { return call.usable_size(call.arguments, block); });
}

Reallocation counted_wrapped_reallocate(Source source, void* block, std::size_t size,
                                        bool frees_at_zero, const WrappedCall& call) noexcept {
  const std::size_t old_usable = call.usable_size(call.arguments, block);
  const size_shadow::Recorded old = size_shadow::read(block, old_usable);
  if (!old.counted || this_thread_state().inside_allocation || size > kLargestRequest) {
    void* moved = call.call(call.arguments);
    if (moved != nullptr) size_shadow::record_uncounted(moved);
    return {{moved, false}, moved == nullptr && size == 0 && frees_at_zero};
  }
  const ScopedFlag inside(this_thread_state().inside_allocation);
  return count_reallocating_call(
      this_thread_counters(), source, block, size, frees_at_zero, old_usable, old,
      [&] { return call.call(call.arguments); },
      [&](const void* moved) { return call.usable_size(call.arguments, moved); });
}

void counted_wrapped_release(Source source, void* block, const WrappedCall& call) noexcept {
  // A nested free (the runtime's free calling HeapFree) passes first: its block was forgotten by
  // the outer one, and measuring it would only add to the outer call's time.
  if (this_thread_state().inside_allocation) {
    call.call(call.arguments);
    return;
  }
  const std::size_t usable = call.usable_size(call.arguments, block);
  const size_shadow::Recorded recorded = size_shadow::read(block, usable);
  if (!recorded.counted) {
    call.call(call.arguments);
    return;
  }
  const ScopedFlag inside(this_thread_state().inside_allocation);
  count_releasing_call(source, block, usable, recorded, kUnsized,
                       [&] { call.call(call.arguments); });
}

bool& inside_hooks_flag() noexcept {
  return this_thread_state().inside_allocation;
}

void count_failed_allocation(Source source, bool refused_by_limit) noexcept {
  (void)active_backend();
  AtomicSourceCounters& figures = source_counters(this_thread_counters(), source);
  bump(figures.failed_allocations);
  if (refused_by_limit) bump(figures.limit_refusals);
}

void sampler::restart_this_thread(std::uint64_t seed) noexcept {
  sampler::start(this_thread_state().sampler, seed);
}

std::size_t usable_size_of(const void* block) noexcept {
  return block == nullptr ? 0 : backend_of(block).usable_size(block);
}

}  // namespace alloc_hooks::detail

namespace alloc_hooks {

SizedDeleteMismatches sized_delete_mismatches() {
  SizedDeleteMismatches report;
  for (const detail::AtomicMismatch& entry : detail::first_mismatches) {
    if (!entry.written.load(std::memory_order_acquire)) break;  // later slots are not in order yet
    report.first[report.size++] = {entry.requested_size.load(std::memory_order_relaxed),
                                   entry.delete_size.load(std::memory_order_relaxed),
                                   entry.thread_id.load(std::memory_order_relaxed)};
  }
  return report;
}

}  // namespace alloc_hooks
