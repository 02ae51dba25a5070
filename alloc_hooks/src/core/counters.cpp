// read_counters(): merges every thread's record with the shared live-bytes counter.
#include "alloc_hooks/alloc_hooks.hpp"
#include "core/accounting.hpp"
#include "core/backend.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks {

namespace detail {
void AtomicSourceCounters::add_to(SourceCounters& merged) const {
#define ALLOC_HOOKS_ADD_FIELD(name) merged.name += name.load(std::memory_order_relaxed);
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_ADD_FIELD)
#undef ALLOC_HOOKS_ADD_FIELD
}
void AtomicKernelEventCounts::add_to(KernelEventCounts& merged) const {
#define ALLOC_HOOKS_ADD_FIELD(name) merged.name += name.load(std::memory_order_relaxed);
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_ADD_FIELD)
#undef ALLOC_HOOKS_ADD_FIELD
}
}  // namespace detail

KernelEventCounts& KernelEventCounts::operator+=(const KernelEventCounts& other) {
#define ALLOC_HOOKS_ADD_FIELD(name) name += other.name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_ADD_FIELD)
#undef ALLOC_HOOKS_ADD_FIELD
  return *this;
}

KernelEventCounts& KernelEventCounts::operator-=(const KernelEventCounts& other) {
#define ALLOC_HOOKS_SUBTRACT_FIELD(name) name -= other.name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_SUBTRACT_FIELD)
#undef ALLOC_HOOKS_SUBTRACT_FIELD
  return *this;
}

std::uint64_t KernelEventCounts::total() const {
  std::uint64_t sum = 0;
#define ALLOC_HOOKS_ADD_FIELD(name) sum += name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_ADD_FIELD)
#undef ALLOC_HOOKS_ADD_FIELD
  return sum;
}

SourceCounters& SourceCounters::operator+=(const SourceCounters& other) {
#define ALLOC_HOOKS_ADD_FIELD(name) name += other.name;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_ADD_FIELD)
#undef ALLOC_HOOKS_ADD_FIELD
  return *this;
}

SourceCounters& SourceCounters::operator-=(const SourceCounters& other) {
#define ALLOC_HOOKS_SUBTRACT_FIELD(name) name -= other.name;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_SUBTRACT_FIELD)
#undef ALLOC_HOOKS_SUBTRACT_FIELD
  return *this;
}

const char* source_name(Source source) {
  static constexpr const char* kNames[] = {
#define ALLOC_HOOKS_SOURCE_NAME(name) #name,
      ALLOC_HOOKS_SOURCES(ALLOC_HOOKS_SOURCE_NAME)
#undef ALLOC_HOOKS_SOURCE_NAME
  };
  return kNames[static_cast<std::size_t>(source)];
}

Counters read_counters() {
  (void)detail::active_backend();
  Counters merged;
  for (const detail::ThreadCounters* counters = detail::first_thread_counters();
       counters != nullptr; counters = counters->next) {
    for (std::size_t source = 0; source < kSourceCount; ++source)
      counters->by_source[source].add_to(merged.by_source[source]);
    merged.live_bytes += counters->unflushed_live_bytes.load(std::memory_order_relaxed);
    counters->alloc_latency.add_to(merged.alloc_latency);
    counters->free_latency.add_to(merged.free_latency);
    counters->kernel_events_in_allocations.add_to(merged.kernel_events_in_allocations);
    counters->kernel_events_in_frees.add_to(merged.kernel_events_in_frees);
  }
  for (const SourceCounters& source : merged.by_source) merged += source;
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
