// In-process budgets: the live-bytes limit fails allocations as the standard says, the latency
// budget counts violations and keeps the worst.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <new>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/clock.hpp"  // the hooks' tick conversion, to know the budget in ticks
#include "support/observe.hpp"

namespace {

using test_support::keep;

class Budgets : public ::testing::Test {
 protected:
  void TearDown() override {
    alloc_hooks::set_live_bytes_limit(0);
    alloc_hooks::set_alloc_latency_budget_ns(0);
    alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations);
  }
  static std::uint64_t live_now() {
    return static_cast<std::uint64_t>(alloc_hooks::read_counters().live_bytes);
  }
};

TEST_F(Budgets, AllocationCrossingTheLimitThrowsAndIsCountedAsFailed) {
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  alloc_hooks::set_live_bytes_limit(live_now() + 4096);
  alloc_hooks::Window window;
  void* fits = ::operator new(4000);
  keep(fits);
  bool threw = false;
  try {
    keep(::operator new(100));
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  void* nothrow = ::operator new(100, std::nothrow);
  ::operator delete(fits);
  const alloc_hooks::WindowResult result = window.result();
  alloc_hooks::set_live_bytes_limit(0);
  const alloc_hooks::BudgetReport after = alloc_hooks::budget_report();

  EXPECT_TRUE(threw);
  EXPECT_EQ(nothrow, nullptr);
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.failed_allocations, 2u);
  EXPECT_EQ(result.peak_live_bytes, 4000u);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(after.limit_refusals - before.limit_refusals, 2u);
}

// A limit refusal must not colour the next failure: an impossible size after the limit is lifted
// fails in the backend, so it counts as failed but not as refused by the limit.
TEST_F(Budgets, FailureAfterALimitRefusalIsNotCountedAsARefusal) {
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  alloc_hooks::set_live_bytes_limit(live_now() + 100);
  alloc_hooks::Window window;
  EXPECT_THROW(keep(::operator new(1000)), std::bad_alloc);
  alloc_hooks::set_live_bytes_limit(0);
  EXPECT_THROW(keep(::operator new(SIZE_MAX / 2)), std::bad_alloc);
  EXPECT_EQ(::operator new(SIZE_MAX / 2, std::nothrow), nullptr);
  const alloc_hooks::WindowResult result = window.result();
  const alloc_hooks::BudgetReport after = alloc_hooks::budget_report();
  EXPECT_EQ(result.failed_allocations, 3u);
  EXPECT_EQ(after.limit_refusals - before.limit_refusals, 1u);
}

TEST_F(Budgets, AllocationExactlyAtTheLimitSucceeds) {
  alloc_hooks::set_live_bytes_limit(live_now() + 4096);
  void* block = ::operator new(4096, std::nothrow);
  keep(block);
  alloc_hooks::set_live_bytes_limit(0);
  EXPECT_NE(block, nullptr);
  ::operator delete(block);
}

// Counted against the window's own latency histogram, which holds the same clock readings: the
// count does not depend on how fast this machine is at the moment.
TEST_F(Budgets, LatencyBudgetCountsEverySlowerAllocationAndKeepsTheWorst) {
  alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations_and_frees);
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  alloc_hooks::set_alloc_latency_budget_ns(1);
  const std::uint64_t budget_ticks =
      std::max<std::uint64_t>(1, alloc_hooks::detail::ns_to_ticks(1));
  alloc_hooks::Window window;
  test_support::allocate_and_free(50, 777);
  const alloc_hooks::WindowResult result = window.result();
  alloc_hooks::set_alloc_latency_budget_ns(0);
  const alloc_hooks::BudgetReport after = alloc_hooks::budget_report();

  // Each allocation over the budget, from the histogram's buckets: exact below 128 ticks.
  using alloc_hooks::LatencyHistogram;
  ASSERT_LT(budget_ticks, LatencyHistogram::kExactBuckets);
  std::uint64_t over_budget = 0;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::kBucketCount; ++bucket) {
    if (LatencyHistogram::bucket_lowest(bucket) > budget_ticks)
      over_budget += result.alloc_latency_histogram.counts[bucket];
  }
  EXPECT_EQ(result.alloc_latency_histogram.count(), 50u);
  // At least one allocation took longer than 1 ns (the clock reads alone take more; a slower
  // machine only makes more of them slower), so a count that stays 0 fails here.
  ASSERT_GT(over_budget, 0u);
  EXPECT_EQ(result.latency_budget_violations, over_budget);
  EXPECT_EQ(after.latency_budget_violations - before.latency_budget_violations, over_budget);
  EXPECT_EQ(after.alloc_latency_budget_ns, 0u);
  EXPECT_GE(after.worst_violation.latency_ns, 1u);
  EXPECT_GT(after.worst_violation.size, 0u);
}

}  // namespace
