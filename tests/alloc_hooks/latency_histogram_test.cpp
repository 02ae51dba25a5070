// The log-linear histogram: bucket layout, relative width, percentiles on known values, and the
// order of every summary (no percentile above the maximum).
#include "alloc_hooks/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/clock.hpp"

namespace {

using alloc_hooks::LatencyHistogram;
using alloc_hooks::LatencySummary;
using alloc_hooks::detail::ticks_to_ns;

constexpr double kQuantiles[] = {0.50, 0.90, 0.99, 0.999};

// The lowest value of the last bucket, which also holds every value beyond 2^40 ticks.
constexpr std::uint64_t kOverflowLowest =
    LatencyHistogram::bucket_lowest(LatencyHistogram::kBucketCount - 1);

// The summary's percentiles are the histogram's, converted by the same function, and ordered.
void expect_ordered_summary(const LatencyHistogram& histogram, std::uint64_t true_min,
                            std::uint64_t true_max) {
  const LatencySummary summary = alloc_hooks::summarize(histogram);
  ASSERT_EQ(summary.count, histogram.count());
  ASSERT_EQ(summary.p50_ns, ticks_to_ns(histogram.value_at_quantile(0.50)));
  ASSERT_EQ(summary.p90_ns, ticks_to_ns(histogram.value_at_quantile(0.90)));
  ASSERT_EQ(summary.p99_ns, ticks_to_ns(histogram.value_at_quantile(0.99)));
  ASSERT_EQ(summary.p999_ns, ticks_to_ns(histogram.value_at_quantile(0.999)));
  ASSERT_EQ(summary.max_ns, ticks_to_ns(true_max));
  // The summary has no minimum of its own: the true one bounds the lowest percentile.
  ASSERT_LE(ticks_to_ns(true_min), summary.p50_ns);
  ASSERT_LE(summary.p50_ns, summary.p90_ns);
  ASSERT_LE(summary.p90_ns, summary.p99_ns);
  ASSERT_LE(summary.p99_ns, summary.p999_ns);
  ASSERT_LE(summary.p999_ns, summary.max_ns);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithAtMostThreePercentWidth) {
  for (std::size_t i = 0; i + 1 < LatencyHistogram::kBucketCount; ++i) {
    ASSERT_EQ(LatencyHistogram::bucket_highest(i) + 1, LatencyHistogram::bucket_lowest(i + 1)) << i;
    const std::uint64_t lowest = LatencyHistogram::bucket_lowest(i);
    // The largest error of reporting a value as its bucket's bound, relative to the value.
    const std::uint64_t spread = LatencyHistogram::bucket_highest(i) - lowest;
    if (lowest >= 10) {
      EXPECT_LE(static_cast<double>(spread) / static_cast<double>(lowest), 0.03) << i;
    }
  }
}

TEST(LatencyHistogram, CoversTenNanosecondsToTenSecondsAtFiveGigahertz) {
  const std::uint64_t ten_seconds_of_ticks = 50'000'000'000ull;
  EXPECT_LT(LatencyHistogram::bucket_index(ten_seconds_of_ticks),
            LatencyHistogram::kBucketCount - 1);
  EXPECT_EQ(LatencyHistogram::bucket_index(10), 10u);
}

TEST(LatencyHistogram, EveryValueLandsInTheBucketThatContainsIt) {
  for (std::uint64_t value : {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 65535ull, 65536ull,
                              123456789ull, (1ull << 39) + 12345}) {
    const std::size_t index = LatencyHistogram::bucket_index(value);
    EXPECT_LE(LatencyHistogram::bucket_lowest(index), value);
    EXPECT_GE(LatencyHistogram::bucket_highest(index), value);
  }
}

TEST(LatencyHistogram, PercentilesOfOneToOneHundred) {
  LatencyHistogram histogram;
  for (std::uint64_t value = 1; value <= 100; ++value) histogram.record(value);
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.value_at_quantile(0.50), 50u);
  EXPECT_EQ(histogram.value_at_quantile(0.90), 90u);
  EXPECT_EQ(histogram.value_at_quantile(0.99), 99u);
  EXPECT_EQ(histogram.value_at_quantile(0.999), 100u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 100u);
  EXPECT_EQ(histogram.max_ticks, 100u);
  EXPECT_EQ(histogram.total_ticks, 5050u);
}

TEST(LatencyHistogram, PercentilesOfLargeValuesAreBucketUpperBoundsUpToTheMaximum) {
  LatencyHistogram histogram;
  histogram.record(1000, 990);      // 1000 sits in [1000, 1007]
  histogram.record(1'000'000, 10);  // 1e6 sits in [999424, 1007615]
  EXPECT_EQ(histogram.value_at_quantile(0.50), 1007u);
  EXPECT_EQ(histogram.value_at_quantile(0.99), 1007u);
  // The bucket's highest value, 1007615, is above every sample.
  EXPECT_EQ(histogram.value_at_quantile(0.999), 1'000'000u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 1'000'000u);
}

// Random samples over 48 octaves (0 up to 2^48 ticks, beyond the 2^40 the buckets resolve), half
// of the rounds clustered so that the top samples share the maximum's bucket.
TEST(LatencyHistogram, PercentilesAreOrderedBoundedByTheExtremesAndWithinABucketOfTheExact) {
  std::mt19937_64 random(20240611);
  for (int round = 0; round < 2000; ++round) {
    SCOPED_TRACE(round);
    const std::size_t n = 1 + random() % 1500;
    const bool clustered = round % 2 == 1;
    const auto spread_value = [&random] {
      const int bits = static_cast<int>(random() % 49);
      return bits == 0 ? std::uint64_t{0} : random() >> (64 - bits);
    };
    const std::uint64_t base = spread_value();
    std::vector<std::uint64_t> samples(n);
    for (std::uint64_t& sample : samples)
      sample = clustered ? base + random() % (base / 32 + 1) : spread_value();

    LatencyHistogram histogram;
    for (const std::uint64_t sample : samples) histogram.record(sample);
    std::sort(samples.begin(), samples.end());
    ASSERT_EQ(histogram.max_ticks, samples.back());
    ASSERT_EQ(histogram.value_at_quantile(1.0), samples.back());

    std::uint64_t previous = samples.front();
    for (const double q : kQuantiles) {
      SCOPED_TRACE(q);
      // The exact sample quantile by the histogram's rank rule: the ceil(q n)-th smallest.
      const auto rank =
          std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(n))));
      const std::uint64_t exact = samples[rank - 1];
      const std::uint64_t reported = histogram.value_at_quantile(q);
      ASSERT_LE(previous, reported);
      ASSERT_LE(exact, reported);
      ASSERT_LE(reported, samples.back());
      // A bucket is at most 1/64 of its lowest value wide (exact below 128): the reported value
      // is within 1/64 of the exact one. The last bucket has no upper end, so only the bounds.
      if (exact < kOverflowLowest) {
        ASSERT_LE((reported - exact) * 64, exact) << "reported " << reported << ", exact " << exact;
      }
      previous = reported;
    }
    ASSERT_NO_FATAL_FAILURE(expect_ordered_summary(histogram, samples.front(), samples.back()));
  }
}

TEST(LatencyHistogram, SamplesAtABucketsLowestValueReportThatValueAtEveryPercentile) {
  const std::size_t bucket = LatencyHistogram::bucket_index(1'000'000);
  const std::uint64_t lowest = LatencyHistogram::bucket_lowest(bucket);
  ASSERT_EQ(lowest, 999'424u);
  ASSERT_EQ(LatencyHistogram::bucket_highest(bucket), 1'007'615u);
  LatencyHistogram histogram;
  histogram.record(lowest, 1000);
  for (const double q : kQuantiles) EXPECT_EQ(histogram.value_at_quantile(q), lowest) << q;
  const LatencySummary summary = alloc_hooks::summarize(histogram);
  EXPECT_EQ(summary.max_ns, ticks_to_ns(lowest));
  EXPECT_EQ(summary.p99_ns, summary.max_ns);
  EXPECT_EQ(summary.p999_ns, summary.max_ns);
  EXPECT_EQ(summary.p50_ns, summary.max_ns);
}

TEST(LatencyHistogram, OneSampleIsEveryPercentile) {
  for (const std::uint64_t value :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128},
        std::uint64_t{999'424}, std::uint64_t{123'456'789}, (std::uint64_t{1} << 40) - 1,
        std::uint64_t{1} << 40, (std::uint64_t{1} << 45) + 3, ~std::uint64_t{0}}) {
    SCOPED_TRACE(value);
    LatencyHistogram histogram;
    histogram.record(value);
    for (const double q : {0.0, 0.50, 0.90, 0.99, 0.999, 1.0})
      EXPECT_EQ(histogram.value_at_quantile(q), value) << q;
    const LatencySummary summary = alloc_hooks::summarize(histogram);
    const std::uint64_t ns = ticks_to_ns(value);
    EXPECT_EQ(summary.count, 1u);
    EXPECT_EQ(summary.p50_ns, ns);
    EXPECT_EQ(summary.p90_ns, ns);
    EXPECT_EQ(summary.p99_ns, ns);
    EXPECT_EQ(summary.p999_ns, ns);
    EXPECT_EQ(summary.max_ns, ns);
    EXPECT_EQ(summary.mean_ns, ns);
  }
}

// max_ticks that lies outside the top non-empty bucket is not the maximum of the data: after
// subtract it is the later reading's, over earlier data too; a reading that races a record can
// hold a sample whose value max_ticks does not yet show. The top bucket's highest value bounds
// the data then.
TEST(LatencyHistogram, AMaximumOutsideTheTopBucketGivesWayToTheBucketsBound) {
  LatencyHistogram earlier;
  earlier.record(1'000'000);
  LatencyHistogram later = earlier;
  later.record(2000, 5);  // 2000 sits in [2000, 2015]
  later.subtract(earlier);
  ASSERT_EQ(later.max_ticks, 1'000'000u);
  EXPECT_EQ(later.value_at_quantile(0.99), 2015u);
  EXPECT_EQ(later.value_at_quantile(1.0), 2015u);
  EXPECT_EQ(alloc_hooks::summarize(later).max_ns, ticks_to_ns(2015));

  LatencyHistogram raced;
  raced.record(5000, 10);  // 5000 sits in [4992, 5055]
  raced.max_ticks = 4000;
  EXPECT_EQ(raced.value_at_quantile(0.99), 5055u);
  EXPECT_EQ(raced.value_at_quantile(1.0), 5055u);
  const LatencySummary summary = alloc_hooks::summarize(raced);
  EXPECT_EQ(summary.p99_ns, ticks_to_ns(5055));
  EXPECT_EQ(summary.max_ns, ticks_to_ns(5055));
}

TEST(LatencyHistogram, SubtractLeavesTheDifference) {
  LatencyHistogram earlier;
  earlier.record(5, 3);
  LatencyHistogram later = earlier;
  later.record(700, 2);
  later.subtract(earlier);
  EXPECT_EQ(later.count(), 2u);
  // 700 sits in [696, 703]; the maximum, 700, lies in that bucket and bounds it.
  EXPECT_EQ(later.value_at_quantile(0.0), 700u);
}

TEST(LatencyHistogram, EmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.value_at_quantile(0.5), 0u);
}

}  // namespace
