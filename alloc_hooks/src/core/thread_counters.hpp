// Per-thread counters: each thread writes only its own record (no shared cache line, no lock);
// readers merge all records. Records live in OS pages, are never freed, and are reused by later
// threads after their thread exits, so the figures of exited threads are kept.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/latency_histogram.hpp"
#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Single-writer increment: a plain load and store (no locked instruction); atomic only so that
// concurrent readers see whole values.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

struct AtomicLatencyHistogram {
  std::atomic<std::uint64_t> counts[LatencyHistogram::kBucketCount];
  std::atomic<std::uint64_t> total_ticks;
  std::atomic<std::uint64_t> max_ticks;

  void record(std::uint64_t ticks) {
    bump(counts[LatencyHistogram::bucket_index(ticks)]);
    bump(total_ticks, ticks);
    if (ticks > max_ticks.load(std::memory_order_relaxed))
      max_ticks.store(ticks, std::memory_order_relaxed);
  }
  void add_to(LatencyHistogram& merged) const;
};

// A thread's SourceCounters, written by that thread alone.
struct AtomicSourceCounters {
#define ALLOC_HOOKS_DECLARE_FIELD(name) std::atomic<std::uint64_t> name;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_DECLARE_FIELD)
#undef ALLOC_HOOKS_DECLARE_FIELD
  void add_to(SourceCounters& merged) const;
};

// A thread's KernelEventCounts, written by that thread alone.
struct AtomicKernelEventCounts {
#define ALLOC_HOOKS_DECLARE_FIELD(name) std::atomic<std::uint64_t> name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_DECLARE_FIELD)
#undef ALLOC_HOOKS_DECLARE_FIELD
  void add_to(KernelEventCounts& merged) const;
};

struct SlowEntry {
  std::atomic<std::uint64_t> ticks;
  std::atomic<std::uint64_t> size;
  std::atomic<std::uint64_t> thread_id;
  std::atomic<std::uint32_t> stack_id;  // sites.hpp; 0 when none was taken
};

struct alignas(64) ThreadCounters {
  static constexpr std::size_t kSlowestKept = 64;

  AtomicSourceCounters by_source[kSourceCount];    // indexed by Source
  std::atomic<std::int64_t> unflushed_live_bytes;  // only with a live-bytes batch

  // The slowest allocations of the current epoch; guarded by a sequence lock for readers.
  std::atomic<std::uint64_t> slowest_threshold_ticks;  // 0 until the list is full
  std::atomic<std::uint64_t> slowest_epoch;
  std::atomic<std::uint64_t> slowest_count;
  std::atomic<std::uint64_t> slow_sequence;  // odd while the owner writes the list or the worst
  SlowEntry slowest[kSlowestKept];
  SlowEntry worst_violation;

  AtomicLatencyHistogram alloc_latency;
  AtomicLatencyHistogram free_latency;
  AtomicKernelEventCounts kernel_events_in_allocations;  // on a watched thread
  AtomicKernelEventCounts kernel_events_in_frees;

  std::uint64_t thread_id;
  std::atomic<bool> in_use;
  ThreadCounters* next;
};

// Registry: a lock-free list of all records ever created.
ThreadCounters* acquire_thread_counters();
void release_thread_counters(ThreadCounters* counters);
ThreadCounters* first_thread_counters();

// Slow path of the slowest-allocations list and of the latency budget (slowest_allocations.cpp).
extern std::atomic<std::uint64_t> slowest_epoch;
void record_slow_allocation(ThreadCounters& counters, std::uint64_t ticks, std::uint64_t size);
void record_budget_violation(ThreadCounters& counters, Source source, std::uint64_t ticks,
                             std::uint64_t size);

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
