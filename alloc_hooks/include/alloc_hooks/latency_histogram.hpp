// Log-linear latency histogram (HdrHistogram layout): exact below 128 ticks, then 64 sub-buckets
// per power of two, so every bucket is at most 1/64 (1.6 %) of its values wide. Values are clock
// ticks; conversion to nanoseconds happens when a histogram is read (see clock_info()).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace alloc_hooks {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 6;               // 64 sub-buckets per octave
  static constexpr int kExactBits = kSubBucketBits + 1;  // values < 128 get a bucket each
  static constexpr int kTopOctave = 40;                  // covers up to 2^40 ticks
  static constexpr std::size_t kExactBuckets = std::size_t{1} << kExactBits;
  static constexpr std::size_t kBucketCount =
      kExactBuckets + (kTopOctave - kExactBits) * (std::size_t{1} << kSubBucketBits);

  static constexpr std::size_t bucket_index(std::uint64_t ticks) {
    if (ticks < kExactBuckets) return static_cast<std::size_t>(ticks);
    const int octave = 63 - std::countl_zero(ticks);
    if (octave >= kTopOctave) return kBucketCount - 1;
    const int shift = octave - kSubBucketBits;
    const std::size_t sub_bucket =
        static_cast<std::size_t>(ticks >> shift) - (std::size_t{1} << kSubBucketBits);
    return kExactBuckets +
           static_cast<std::size_t>(octave - kExactBits) * (std::size_t{1} << kSubBucketBits) +
           sub_bucket;
  }
  static constexpr std::uint64_t bucket_lowest(std::size_t index) {
    if (index < kExactBuckets) return index;
    const std::size_t offset = index - kExactBuckets;
    const int octave = kExactBits + static_cast<int>(offset >> kSubBucketBits);
    const std::uint64_t sub_bucket =
        (std::uint64_t{1} << kSubBucketBits) + (offset & ((1u << kSubBucketBits) - 1));
    return sub_bucket << (octave - kSubBucketBits);
  }
  static constexpr std::uint64_t bucket_highest(std::size_t index) {
    if (index < kExactBuckets) return index;
    const int octave = kExactBits + static_cast<int>((index - kExactBuckets) >> kSubBucketBits);
    return bucket_lowest(index) + (std::uint64_t{1} << (octave - kSubBucketBits)) - 1;
  }

  void record(std::uint64_t ticks, std::uint64_t count = 1);
  void add(const LatencyHistogram& other);
  // Removes what `earlier` (a prior reading of the same source) held; max_ticks is left as is,
  // because the maximum of a difference cannot be derived from two maxima (max_value() checks it
  // against the difference).
  void subtract(const LatencyHistogram& earlier);

  std::uint64_t count() const { return total_count; }
  // The largest value held, 0 when empty. The highest non-empty bucket holds it: max_ticks where
  // it lies in that bucket, else that bucket's highest value, because a max_ticks outside it is
  // another reading's (after subtract, or read while a record was under way). The last bucket
  // also holds every value beyond 2^40 ticks, so any max_ticks above its lowest value lies in it.
  std::uint64_t max_value() const;
  // HdrHistogram convention, the highest value equivalent to the bucket that holds the quantile,
  // but at most max_value(): a percentile never exceeds the maximum reported beside it, and in the
  // last bucket, which has no highest value, it is max_value(). q in [0, 1]; 0 when empty.
  std::uint64_t value_at_quantile(double q) const;

  std::array<std::uint64_t, kBucketCount> counts{};
  std::uint64_t total_count = 0;
  std::uint64_t total_ticks = 0;
  std::uint64_t max_ticks = 0;
};

}  // namespace alloc_hooks
