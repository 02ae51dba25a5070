// In-process budgets: the live-bytes limit fails allocations as the standard says, the latency
// budget counts violations and keeps the worst.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>

#include "alloc_hooks/alloc_hooks.hpp"
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

TEST_F(Budgets, LatencyBudgetCountsEverySlowerAllocationAndKeepsTheWorst) {
  alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations_and_frees);
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  // 1 ns: every timed allocation is over budget (the clock alone costs more).
  alloc_hooks::set_alloc_latency_budget_ns(1);
  alloc_hooks::Window window;
  test_support::allocate_and_free(50, 777);
  const alloc_hooks::WindowResult result = window.result();
  alloc_hooks::set_alloc_latency_budget_ns(0);
  const alloc_hooks::BudgetReport after = alloc_hooks::budget_report();

  // A delta of 0 ticks is possible (rdtsc resolution): it is not over a 1 ns budget.
  EXPECT_GE(result.latency_budget_violations, 40u);
  EXPECT_LE(result.latency_budget_violations, 50u);
  EXPECT_EQ(after.latency_budget_violations - before.latency_budget_violations,
            result.latency_budget_violations);
  EXPECT_EQ(after.alloc_latency_budget_ns, 0u);
  EXPECT_GE(after.worst_violation.latency_ns, 1u);
  EXPECT_GT(after.worst_violation.size, 0u);
}

}  // namespace
