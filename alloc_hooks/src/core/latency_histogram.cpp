// LatencyHistogram arithmetic and the nanosecond summary of a histogram.
#include "alloc_hooks/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/clock.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks {

void LatencyHistogram::record(std::uint64_t ticks, std::uint64_t count) {
  counts[bucket_index(ticks)] += count;
  total_count += count;
  total_ticks += ticks * count;
  max_ticks = std::max(max_ticks, ticks);
}

void LatencyHistogram::add(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts[i] += other.counts[i];
  total_count += other.total_count;
  total_ticks += other.total_ticks;
  max_ticks = std::max(max_ticks, other.max_ticks);
}

void LatencyHistogram::subtract(const LatencyHistogram& earlier) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts[i] -= earlier.counts[i];
  total_count -= earlier.total_count;
  total_ticks -= earlier.total_ticks;
}

std::uint64_t LatencyHistogram::max_value() const {
  std::size_t top = kBucketCount;
  while (top > 0 && counts[top - 1] == 0) --top;
  if (top == 0) return 0;
  const std::size_t index = top - 1;
  const bool in_top_bucket = max_ticks >= bucket_lowest(index) &&
                             (index == kBucketCount - 1 || max_ticks <= bucket_highest(index));
  return in_top_bucket ? max_ticks : bucket_highest(index);
}

std::uint64_t LatencyHistogram::value_at_quantile(double q) const {
  if (total_count == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_count))));
  const std::uint64_t max = max_value();
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i + 1 < kBucketCount; ++i) {
    seen += counts[i];
    if (seen >= rank) return std::min(bucket_highest(i), max);
  }
  return max;
}

LatencySummary summarize(const LatencyHistogram& histogram) {
  LatencySummary summary;
  summary.count = histogram.count();
  if (summary.count == 0) return summary;
  // Every percentile is at most max_value(), and ticks_to_ns is non-decreasing (one calibrated
  // ratio, rounding that keeps order), so p50 <= p90 <= p99 <= p999 <= max holds in ns too.
  summary.p50_ns = detail::ticks_to_ns(histogram.value_at_quantile(0.50));
  summary.p90_ns = detail::ticks_to_ns(histogram.value_at_quantile(0.90));
  summary.p99_ns = detail::ticks_to_ns(histogram.value_at_quantile(0.99));
  summary.p999_ns = detail::ticks_to_ns(histogram.value_at_quantile(0.999));
  summary.max_ns = detail::ticks_to_ns(histogram.max_value());
  summary.mean_ns = detail::ticks_to_ns(histogram.total_ticks / summary.count);
  return summary;
}

}  // namespace alloc_hooks

namespace alloc_hooks::detail {

void AtomicLatencyHistogram::add_to(LatencyHistogram& merged) const {
  for (std::size_t i = 0; i < LatencyHistogram::kBucketCount; ++i) {
    const std::uint64_t count = counts[i].load(std::memory_order_relaxed);
    merged.counts[i] += count;
    merged.total_count += count;
  }
  merged.total_ticks += total_ticks.load(std::memory_order_relaxed);
  merged.max_ticks = std::max(merged.max_ticks, max_ticks.load(std::memory_order_relaxed));
}

}  // namespace alloc_hooks::detail
