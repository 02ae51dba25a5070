// read_counters(): merges every thread's record with the shared live-bytes counter.
#include "accounting.hpp"
#include "alloc_hooks/alloc_hooks.hpp"
#include "backend.hpp"
#include "thread_counters.hpp"

namespace alloc_hooks {

Counters read_counters() {
  (void)detail::active_backend();
  Counters merged;
  for (const detail::ThreadCounters* counters = detail::first_thread_counters();
       counters != nullptr; counters = counters->next) {
    merged.allocations += counters->allocations.load(std::memory_order_relaxed);
    merged.frees += counters->frees.load(std::memory_order_relaxed);
    merged.failed_allocations += counters->failed_allocations.load(std::memory_order_relaxed);
    merged.limit_refusals += counters->limit_refusals.load(std::memory_order_relaxed);
    merged.bytes_allocated += counters->bytes_allocated.load(std::memory_order_relaxed);
    merged.bytes_freed += counters->bytes_freed.load(std::memory_order_relaxed);
    merged.reserved_bytes_allocated +=
        counters->reserved_bytes_allocated.load(std::memory_order_relaxed);
    merged.reserved_bytes_freed += counters->reserved_bytes_freed.load(std::memory_order_relaxed);
    merged.latency_budget_violations +=
        counters->latency_budget_violations.load(std::memory_order_relaxed);
    merged.live_bytes += counters->unflushed_live_bytes.load(std::memory_order_relaxed);
    counters->alloc_latency.add_to(merged.alloc_latency);
    counters->free_latency.add_to(merged.free_latency);
  }
  merged.live_bytes += detail::live_bytes.load(std::memory_order_relaxed);
  merged.peak_live_bytes = detail::peak_live_bytes.load(std::memory_order_relaxed);
  merged.live_reserved_bytes =
      static_cast<std::int64_t>(merged.reserved_bytes_allocated - merged.reserved_bytes_freed);
  return merged;
}

std::int64_t live_bytes() {
  (void)detail::active_backend();
  std::int64_t live = detail::live_bytes.load(std::memory_order_relaxed);
  for (const detail::ThreadCounters* counters = detail::first_thread_counters();
       counters != nullptr; counters = counters->next) {
    live += counters->unflushed_live_bytes.load(std::memory_order_relaxed);
  }
  return live;
}

}  // namespace alloc_hooks
