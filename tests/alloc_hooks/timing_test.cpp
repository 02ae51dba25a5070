// Timing modes and the slowest-allocations list.
#include <gtest/gtest.h>

#include <new>
#include <set>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"
#include "support/os_thread_id.hpp"

namespace {

using test_support::allocate_and_free;

class Timing : public ::testing::Test {
 protected:
  void TearDown() override { alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations); }
};

TEST_F(Timing, OffRecordsNoLatencyButStillCounts) {
  alloc_hooks::set_timing(alloc_hooks::TimingMode::off);
  alloc_hooks::Window window;
  allocate_and_free(100, 64);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.allocations, 100u);
  EXPECT_EQ(result.alloc_latency.count, 0u);
  EXPECT_EQ(result.free_latency.count, 0u);
}

TEST_F(Timing, AllocationsModeTimesAllocationsOnly) {
  alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations);
  EXPECT_EQ(alloc_hooks::timing(), alloc_hooks::TimingMode::allocations);
  alloc_hooks::Window window;
  allocate_and_free(100, 64);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.alloc_latency.count, 100u);
  EXPECT_EQ(result.free_latency.count, 0u);
}

TEST_F(Timing, ClockIsCalibrated) {
  const alloc_hooks::ClockInfo clock = alloc_hooks::clock_info();
  EXPECT_GT(clock.ns_per_tick, 0.0);
  EXPECT_LT(clock.ns_per_tick, 100.0);
}

TEST_F(Timing, SlowestAllocationsAreSortedAndFromThisRun) {
  const std::set<std::size_t> sizes{3001, 3002, 3003};
  alloc_hooks::reset_slowest_allocations();
  for (std::size_t size : sizes) allocate_and_free(30, size);
  const alloc_hooks::SlowestAllocations slowest = alloc_hooks::slowest_allocations(16);
  ASSERT_EQ(slowest.size, 16u);
  const auto this_thread = test_support::os_thread_id();
  for (std::size_t i = 0; i < slowest.size; ++i) {
    EXPECT_TRUE(sizes.count(slowest.items[i].size) == 1) << slowest.items[i].size;
    EXPECT_EQ(slowest.items[i].thread_id, this_thread);
    if (i > 0) {
      EXPECT_GE(slowest.items[i - 1].latency_ns, slowest.items[i].latency_ns);
    }
  }
  EXPECT_EQ(alloc_hooks::slowest_allocations(0).size, 0u);
  EXPECT_EQ(alloc_hooks::slowest_allocations(1000).size,
            alloc_hooks::SlowestAllocations::kCapacity);
}

}  // namespace
