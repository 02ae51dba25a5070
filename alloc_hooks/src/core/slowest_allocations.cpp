// The slowest allocations per thread and the latency-budget violations: the rare slow path of
// the hot path, and the readers that merge them.
#include <algorithm>
#include <thread>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/backend.hpp"
#include "core/clock.hpp"
#include "core/sampler.hpp"
#include "core/settings.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks::detail {

// Starts at 1 so that a fresh, zeroed record is always from an older epoch.
std::atomic<std::uint64_t> slowest_epoch{1};

namespace {

void store_entry(SlowEntry& entry, std::uint64_t ticks, std::uint64_t size, std::uint64_t thread_id,
                 std::uint32_t stack_id) {
  entry.ticks.store(ticks);
  entry.size.store(size);
  entry.thread_id.store(thread_id);
  entry.stack_id.store(stack_id);
}

// Sequence lock, writer side: readers retry while the count is odd or has moved. This file is off
// the hot path, so every access is sequentially consistent (no fences, which ThreadSanitizer
// cannot model).
void begin_write(ThreadCounters& counters) {
  counters.slow_sequence.store(counters.slow_sequence.load() + 1);
}
void end_write(ThreadCounters& counters) {
  counters.slow_sequence.store(counters.slow_sequence.load() + 1);
}

// A write that never ends must not hold the reader forever: the thread a fatal signal's handler
// interrupted inside its write is the one that then reads (the preload's report). After
// kPatience tries, yielding to the writer from the 1024th, the list is read as it stands.
template <typename Read>
void read_consistently(const ThreadCounters& counters, Read read) {
  constexpr int kPatience = 1 << 14;
  for (int tries = 1;; ++tries) {
    const std::uint64_t before = counters.slow_sequence.load();
    if (before % 2 == 0 || tries >= kPatience) {
      read();
      if (counters.slow_sequence.load() == before || tries >= kPatience) return;
    }
    if (tries >= 1024) std::this_thread::yield();
  }
}

// Keeps `best` as the n largest by latency, slowest first.
void offer(SlowestAllocations& best, std::size_t n, const SlowAllocation& candidate) {
  if (best.size == n && candidate.latency_ns <= best.items[n - 1].latency_ns) return;
  std::size_t position = best.size < n ? best.size++ : n - 1;
  while (position > 0 && best.items[position - 1].latency_ns < candidate.latency_ns) {
    best.items[position] = best.items[position - 1];
    --position;
  }
  best.items[position] = candidate;
}

}  // namespace

// Called only for an allocation the list keeps (slower than its fastest, or a new epoch's first):
// its stack is taken before the list is locked for readers.
void record_slow_allocation(ThreadCounters& counters, std::uint64_t ticks, std::uint64_t size) {
  const std::uint32_t stack_id = sampler::capture_stack_id();
  begin_write(counters);
  const std::uint64_t epoch = slowest_epoch.load();
  if (counters.slowest_epoch.load() != epoch) {
    counters.slowest_count.store(0);
    counters.slowest_threshold_ticks.store(0);
    counters.slowest_epoch.store(epoch);
  }
  std::uint64_t count = counters.slowest_count.load();
  if (count < ThreadCounters::kSlowestKept) {
    store_entry(counters.slowest[count], ticks, size, counters.thread_id, stack_id);
    counters.slowest_count.store(++count);
  } else if (ticks > counters.slowest_threshold_ticks.load()) {
    SlowEntry* fastest = &counters.slowest[0];
    for (SlowEntry& entry : counters.slowest) {
      if (entry.ticks.load() < fastest->ticks.load()) fastest = &entry;
    }
    store_entry(*fastest, ticks, size, counters.thread_id, stack_id);
  }
  if (count == ThreadCounters::kSlowestKept) {
    std::uint64_t threshold = ~std::uint64_t{0};
    for (const SlowEntry& entry : counters.slowest)
      threshold = std::min(threshold, entry.ticks.load());
    counters.slowest_threshold_ticks.store(threshold);
  }
  end_write(counters);
}

void record_budget_violation(ThreadCounters& counters, Source source, std::uint64_t ticks,
                             std::uint64_t size) {
  bump(counters.by_source[static_cast<std::size_t>(source)].latency_budget_violations);
  if (ticks <= counters.worst_violation.ticks.load()) return;
  const std::uint32_t stack_id = sampler::capture_stack_id();
  begin_write(counters);
  store_entry(counters.worst_violation, ticks, size, counters.thread_id, stack_id);
  end_write(counters);
}

}  // namespace alloc_hooks::detail

namespace alloc_hooks {

using detail::offer;
using detail::read_consistently;
using detail::ThreadCounters;

SlowestAllocations slowest_allocations(std::size_t n) {
  (void)detail::active_backend();
  n = std::min(n, SlowestAllocations::kCapacity);
  SlowestAllocations best;
  if (n == 0) return best;
  const std::uint64_t epoch = detail::slowest_epoch.load();
  for (const ThreadCounters* counters = detail::first_thread_counters(); counters != nullptr;
       counters = counters->next) {
    std::array<SlowAllocation, ThreadCounters::kSlowestKept> entries;
    std::size_t count = 0;
    read_consistently(*counters, [&] {
      count = counters->slowest_epoch.load() == epoch ? counters->slowest_count.load() : 0;
      for (std::size_t i = 0; i < count; ++i) {
        const detail::SlowEntry& entry = counters->slowest[i];
        entries[i] = {detail::ticks_to_ns(entry.ticks.load()), entry.size.load(),
                      entry.thread_id.load(), entry.stack_id.load()};
      }
    });
    for (std::size_t i = 0; i < count; ++i) offer(best, n, entries[i]);
  }
  return best;
}

void reset_slowest_allocations() {
  (void)detail::active_backend();
  detail::slowest_epoch.fetch_add(1);
}

BudgetReport budget_report() {
  (void)detail::active_backend();
  BudgetReport report;
  report.live_bytes_limit = detail::settings.live_bytes_limit.load(std::memory_order_relaxed);
  report.alloc_latency_budget_ns = detail::settings.alloc_budget_ns.load(std::memory_order_relaxed);
  std::uint64_t worst_ticks = 0;
  for (const ThreadCounters* counters = detail::first_thread_counters(); counters != nullptr;
       counters = counters->next) {
    for (const detail::AtomicSourceCounters& source : counters->by_source) {
      report.limit_refusals += source.limit_refusals.load();
      report.latency_budget_violations += source.latency_budget_violations.load();
    }
    std::uint64_t ticks = 0, size = 0, thread_id = 0;
    std::uint32_t stack_id = 0;
    read_consistently(*counters, [&] {
      ticks = counters->worst_violation.ticks.load();
      size = counters->worst_violation.size.load();
      thread_id = counters->worst_violation.thread_id.load();
      stack_id = counters->worst_violation.stack_id.load();
    });
    if (ticks > worst_ticks) {
      worst_ticks = ticks;
      report.worst_violation = {detail::ticks_to_ns(ticks), size, thread_id, stack_id};
    }
  }
  return report;
}

}  // namespace alloc_hooks
