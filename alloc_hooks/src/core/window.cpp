// Measurement windows. A window lowers the shared running maxima (peak live bytes, slowest
// allocation) to "now" when it opens, reads them when it closes, and hands the larger of its own
// and its parent's values back, so nested windows each see their own span.
#include <algorithm>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/accounting.hpp"
#include "core/clock.hpp"
#include "core/sampler.hpp"

namespace alloc_hooks {

namespace {
// Live bytes merged from batching threads can read below zero for a moment (a free passed on
// before the allocation it undoes); the peaks it is compared with are unsigned and never negative.
std::uint64_t floored_at_zero(std::int64_t live) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, live));
}
}  // namespace

Window::Window() : start_(read_counters()) {
  saved_peak_live_bytes_ =
      detail::window_peak_live_bytes.exchange(floored_at_zero(start_.live_bytes));
  saved_max_alloc_ticks_ = detail::window_max_alloc_ticks.exchange(0);
  detail::sampler::note_peak(floored_at_zero(start_.live_bytes));  // the window's first
}

Window::~Window() {
  (void)result();
}

WindowResult Window::result() {
  if (!open_) return result_;
  open_ = false;
  const std::uint64_t peak_inside = detail::window_peak_live_bytes.load();
  const std::uint64_t max_alloc_ticks = detail::window_max_alloc_ticks.load();
  Counters end = read_counters();
  detail::raise_to(detail::window_peak_live_bytes, saved_peak_live_bytes_);
  detail::raise_to(detail::window_max_alloc_ticks, saved_max_alloc_ticks_);

  const std::uint64_t start_live = floored_at_zero(start_.live_bytes);
  static_cast<SourceCounters&>(result_) = end;
  result_ -= start_;
  for (std::size_t source = 0; source < kSourceCount; ++source) {
    result_.by_source[source] = end.by_source[source];
    result_.by_source[source] -= start_.by_source[source];
  }
  result_.live_bytes_delta = end.live_bytes - start_.live_bytes;
  result_.live_reserved_bytes_delta = end.live_reserved_bytes - start_.live_reserved_bytes;
  result_.peak_live_bytes = peak_inside > start_live ? peak_inside - start_live : 0;

  end.alloc_latency.subtract(start_.alloc_latency);
  end.alloc_latency.max_ticks = max_alloc_ticks;
  end.free_latency.subtract(start_.free_latency);
  result_.alloc_latency = summarize(end.alloc_latency);
  result_.free_latency = summarize(end.free_latency);
  result_.alloc_latency_histogram = end.alloc_latency;
  result_.kernel_events_in_allocations = end.kernel_events_in_allocations;
  result_.kernel_events_in_allocations -= start_.kernel_events_in_allocations;
  result_.kernel_events_in_frees = end.kernel_events_in_frees;
  result_.kernel_events_in_frees -= start_.kernel_events_in_frees;
  return result_;
}

}  // namespace alloc_hooks
