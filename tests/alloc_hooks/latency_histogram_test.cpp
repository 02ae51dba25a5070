// The log-linear histogram: bucket layout, relative width, percentiles on known values.
#include "alloc_hooks/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace {

using alloc_hooks::LatencyHistogram;

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

TEST(LatencyHistogram, PercentilesOfLargeValuesAreBucketUpperBounds) {
  LatencyHistogram histogram;
  histogram.record(1000, 990);      // 1000 sits in [1000, 1007]
  histogram.record(1'000'000, 10);  // 1e6 sits in [999424, 1007615]
  EXPECT_EQ(histogram.value_at_quantile(0.50), 1007u);
  EXPECT_EQ(histogram.value_at_quantile(0.99), 1007u);
  EXPECT_EQ(histogram.value_at_quantile(0.999), 1007615u);
}

TEST(LatencyHistogram, SubtractLeavesTheDifference) {
  LatencyHistogram earlier;
  earlier.record(5, 3);
  LatencyHistogram later = earlier;
  later.record(700, 2);
  later.subtract(earlier);
  EXPECT_EQ(later.count(), 2u);
  EXPECT_EQ(later.value_at_quantile(0.0),
            LatencyHistogram::bucket_highest(LatencyHistogram::bucket_index(700)));
}

TEST(LatencyHistogram, EmptyHistogramReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.value_at_quantile(0.5), 0u);
}

}  // namespace
