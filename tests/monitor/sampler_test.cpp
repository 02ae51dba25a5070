// The sampler: profile maths on known series, the interval, bounded storage, and no allocation
// inside a measurement window.
#include "monitor/sampler.hpp"

#include "monitor/memory.hpp"

#include <gtest/gtest.h>
#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/observe.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace {

// This process, measured: RSS and the hooks' exact live bytes.
const monitor::Readers kReaders{monitor::read_rss_bytes, alloc_hooks::live_bytes};

constexpr double kMiB = 1024.0 * 1024.0;

TEST(LeastSquares, SlopeOfKnownSeries) {
  EXPECT_DOUBLE_EQ(monitor::least_squares_slope({0, 1, 2, 3}, {1, 3, 5, 7}), 2.0);
  EXPECT_DOUBLE_EQ(monitor::least_squares_slope({0, 1, 2}, {4, 4, 4}), 0.0);
  EXPECT_DOUBLE_EQ(monitor::least_squares_slope({5}, {1}), 0.0);
  EXPECT_DOUBLE_EQ(monitor::least_squares_slope({2, 2}, {1, 5}), 0.0);
  // Not first-versus-last: a spike at the end moves the fit less than the endpoints would.
  EXPECT_NEAR(monitor::least_squares_slope({0, 1, 2, 3}, {0, 0, 0, 6}), 1.8, 1e-12);
}

TEST(Profile, PeakAverageGrowthAndLimit) {
  // RSS grows by 1 MiB a second; live bytes stay at 2 MiB with one 3 MiB spike.
  std::vector<monitor::Snapshot> snapshots;
  for (std::uint64_t second = 0; second < 5; ++second) {
    snapshots.push_back({second * 1'000'000'000, static_cast<std::uint64_t>((10 + second) * kMiB),
                         static_cast<std::int64_t>((second == 2 ? 3 : 2) * kMiB)});
  }
  const auto limit = static_cast<std::uint64_t>(1024 * kMiB);
  const monitor::MemoryProfile profile = monitor::profile(snapshots, limit);
  EXPECT_EQ(profile.rss.peak_bytes, static_cast<std::uint64_t>(14 * kMiB));
  EXPECT_DOUBLE_EQ(profile.rss.average_bytes, 12 * kMiB);
  EXPECT_NEAR(profile.rss.growth_mb_per_s, 1.0, 1e-12);
  EXPECT_TRUE(profile.rss.meets_process_limit);
  EXPECT_EQ(profile.live.peak_bytes, static_cast<std::uint64_t>(3 * kMiB));
  EXPECT_NEAR(profile.live.growth_mb_per_s, 0.0, 1e-12);
  // The limit given, not a fixed one: the 14 MiB peak is below 15 MiB, and not below 14 MiB.
  EXPECT_TRUE(
      monitor::profile(snapshots, static_cast<std::uint64_t>(15 * kMiB)).rss.meets_process_limit);
  EXPECT_FALSE(
      monitor::profile(snapshots, static_cast<std::uint64_t>(14 * kMiB)).rss.meets_process_limit);
  EXPECT_TRUE(
      monitor::profile(snapshots, static_cast<std::uint64_t>(14 * kMiB)).live.meets_process_limit);
  snapshots.push_back({6'000'000'000, static_cast<std::uint64_t>(1024 * kMiB), 0});
  EXPECT_FALSE(monitor::profile(snapshots, limit).rss.meets_process_limit);
}

// Readers that count the snapshots taken, so that a test waits for snapshots, never for time: how
// many a sleep of some milliseconds sees depends on when a loaded machine runs the sampler's
// thread. Counting allocates nothing.
class CountedReaders {
 public:
  monitor::Readers readers() {
    return {[this] {
              ++taken_;
              return monitor::read_rss_bytes();
            },
            alloc_hooks::live_bytes};
  }
  std::uint64_t taken() const { return taken_.load(); }
  void wait_for(std::uint64_t count) const {
    while (taken_.load() < count) std::this_thread::yield();
  }

 private:
  std::atomic<std::uint64_t> taken_{0};
};

TEST(Sampler, SnapshotsAreAtLeastOneIntervalApart) {
  CountedReaders counted;
  monitor::Sampler sampler(std::chrono::milliseconds(2), 1000, counted.readers());
  sampler.start();
  counted.wait_for(3);
  sampler.stop();
  const std::vector<monitor::Snapshot>& snapshots = sampler.snapshots();
  // Every reading is a snapshot, the last one that of stop().
  EXPECT_EQ(snapshots.size(), counted.taken());
  ASSERT_GE(snapshots.size(), 4u);
  // The k-th timed snapshot is taken no earlier than k intervals after the start.
  for (std::size_t k = 0; k + 1 < snapshots.size(); ++k) {
    EXPECT_GE(snapshots[k].time_ns, k * 2'000'000) << k;
  }
  for (std::size_t k = 1; k < snapshots.size(); ++k)
    EXPECT_GE(snapshots[k].time_ns, snapshots[k - 1].time_ns);
  for (const monitor::Snapshot& snapshot : snapshots) EXPECT_GT(snapshot.rss_bytes, 0u);
}

TEST(Sampler, FullStorageKeepsEveryOtherSnapshotAndSamplesLessOften) {
  CountedReaders counted;
  monitor::Sampler sampler(std::chrono::milliseconds(1), 4, counted.readers());
  sampler.start();
  counted.wait_for(5);  // the fifth finds the storage full
  sampler.stop();
  // What `taken` snapshots leave in storage for 4: each time it is full, every other one is kept
  // (2 of 4) and the interval doubles.
  std::size_t kept = 0;
  std::chrono::nanoseconds interval = std::chrono::milliseconds(1);
  for (std::uint64_t snapshot = 0; snapshot < counted.taken(); ++snapshot) {
    if (kept == 4) {
      kept = 2;
      interval *= 2;
    }
    ++kept;
  }
  EXPECT_EQ(sampler.snapshots().size(), kept);
  EXPECT_EQ(sampler.interval(), interval);
  EXPECT_GE(sampler.interval(), std::chrono::nanoseconds(std::chrono::milliseconds(2)));
}

TEST(Sampler, DoesNotAllocateInsideAWindow) {
  CountedReaders counted;
  monitor::Sampler sampler(std::chrono::milliseconds(1), 10'000, counted.readers());
  sampler.start();
  alloc_hooks::Window window;
  const std::uint64_t taken_before = counted.taken();
  for (int i = 0; i < 2000; ++i) {
    void* block = ::operator new(100);
    alloc_hooks::keep_observable(block);
    ::operator delete(block);
    if (i % 100 == 0) counted.wait_for(counted.taken() + 1);  // a snapshot amid the allocations
  }
  const std::uint64_t taken_inside = counted.taken() - taken_before;
  const alloc_hooks::WindowResult result = window.result();
  sampler.stop();
  EXPECT_EQ(result.allocations, 2000u);
  EXPECT_EQ(result.bytes_allocated, 200'000u);
  EXPECT_GE(taken_inside, 20u);
}

TEST(Sampler, LiveBytesAreTheHooksExactFigure) {
  void* block = ::operator new(1'000'000);
  alloc_hooks::keep_observable(block);
  CountedReaders counted;
  monitor::Sampler sampler(std::chrono::milliseconds(1), 100, counted.readers());
  sampler.start();
  // Nothing allocates or frees from here until the sampler thread's last snapshot: its state was
  // allocated by start() and is freed after that snapshot, as the thread ends.
  const std::int64_t while_sampling = alloc_hooks::live_bytes();
  counted.wait_for(3);
  sampler.stop();
  ::operator delete(block);
  const std::int64_t after = alloc_hooks::live_bytes();
  ASSERT_GE(sampler.snapshots().size(), 4u);
  for (const monitor::Snapshot& snapshot : sampler.snapshots())
    EXPECT_EQ(snapshot.live_bytes, while_sampling);
  EXPECT_GE(while_sampling - after, 1'000'000);  // the block was live in them
}

// The profiler watches another process by its id: this one here, then an id no process has.
TEST(Sampler, ReadsAnotherProcessByItsIdAndNothingOnceItIsGone) {
#if defined(_WIN32)
  const int self = static_cast<int>(GetCurrentProcessId());
#else
  const int self = static_cast<int>(getpid());
#endif
  const std::optional<std::uint64_t> rss = monitor::read_rss_bytes_of(self);
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 0u);
  EXPECT_FALSE(monitor::read_rss_bytes_of(0x3ffffffe).has_value());
  monitor::Sampler sampler(std::chrono::milliseconds(1), 10,
                           {[self] { return monitor::read_rss_bytes_of(self).value_or(0); }, {}});
  sampler.start();
  sampler.stop();
  ASSERT_FALSE(sampler.snapshots().empty());
  EXPECT_GT(sampler.snapshots().back().rss_bytes, 0u);
  EXPECT_EQ(sampler.snapshots().back().live_bytes, 0);
}

}  // namespace
