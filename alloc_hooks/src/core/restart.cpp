// Figures restarted in a fork child (restart.hpp): the counters are subtracted from a reading
// taken at the restart, so no counter is rewritten under a reader; what a subtraction cannot
// restart (the running maxima, the slowest lists, the worst budget violation, the per-site call
// counts, the peak watch) is cleared in place, which is safe because one thread runs.
#include "core/restart.hpp"

#include "core/accounting.hpp"
#include "core/peak_watch.hpp"
#include "core/sampler.hpp"
#include "core/stack_table.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks::detail {

namespace {

Counters baseline;  // read_counters() at the restart; all zero before one

void clear(SlowEntry& entry) {
  entry.ticks.store(0, std::memory_order_relaxed);
  entry.size.store(0, std::memory_order_relaxed);
  entry.thread_id.store(0, std::memory_order_relaxed);
  entry.stack_id.store(0, std::memory_order_relaxed);
}

}  // namespace

void restart_figures() noexcept {
  baseline = read_counters();
  for (ThreadCounters* counters = first_thread_counters(); counters != nullptr;
       counters = counters->next) {
    // A parent thread may have been inside its list's write at the fork: its sequence stays odd
    // in the child, where no thread will ever finish that write.
    counters->slow_sequence.store(0, std::memory_order_relaxed);
    counters->slowest_threshold_ticks.store(0, std::memory_order_relaxed);
    counters->slowest_count.store(0, std::memory_order_relaxed);
    for (SlowEntry& entry : counters->slowest) clear(entry);
    clear(counters->worst_violation);
    counters->alloc_latency.max_ticks.store(0, std::memory_order_relaxed);
    counters->free_latency.max_ticks.store(0, std::memory_order_relaxed);
  }
  for (std::uint32_t id = 0; id < stack_table::count(); ++id) {
    stack_table::SiteCounters& site = stack_table::counters(id);
    site.allocated_bytes.store(0, std::memory_order_relaxed);
    site.allocations.store(0, std::memory_order_relaxed);
    site.alloc_ticks.store(0, std::memory_order_relaxed);
  }
  const std::uint64_t live =
      baseline.live_bytes > 0 ? static_cast<std::uint64_t>(baseline.live_bytes) : 0;
  peak_live_bytes.store(live, std::memory_order_relaxed);
  window_peak_live_bytes.store(live, std::memory_order_relaxed);
  window_max_alloc_ticks.store(0, std::memory_order_relaxed);
  sampler::note_peak(live);
  peak_watch::restart(live);
}

Counters counters_since_restart() noexcept {
  Counters now = read_counters();
  static_cast<SourceCounters&>(now) -= baseline;
  for (std::size_t source = 0; source < kSourceCount; ++source)
    now.by_source[source] -= baseline.by_source[source];
  // The maxima were cleared at the restart: subtract leaves them, the child's own.
  now.alloc_latency.subtract(baseline.alloc_latency);
  now.free_latency.subtract(baseline.free_latency);
  now.kernel_events_in_allocations -= baseline.kernel_events_in_allocations;
  now.kernel_events_in_frees -= baseline.kernel_events_in_frees;
  return now;
}

std::int64_t live_bytes_at_restart() noexcept {
  return baseline.live_bytes;
}

}  // namespace alloc_hooks::detail
