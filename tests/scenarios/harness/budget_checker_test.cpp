// The budget checks on figures made up here: each budget breaks exactly past its limit, with the
// figure, the limit and the seed task's words.
#include <gtest/gtest.h>

#include <monitor/memory.hpp>

#include "budget_checker.hpp"

namespace {

scenarios::Scenario scenario() {
  scenarios::Scenario made;
  made.name = "made_up";
  made.too_slow_words = "Too slow";
  made.too_much_memory_words = "Too much memory";
  return made;
}

// A case that holds every budget below: 100 allocations of 10,000 bytes, as expected.
scenarios::CaseResult held_case() {
  scenarios::CaseResult result;
  result.name = "case one";
  result.iterations = 10;
  result.requested_bytes = result.expected_requested_bytes = 10'000;
  result.allocations = result.expected_allocations = 100;
  result.reserved_bytes = 12'000;
  result.peak_live_bytes = 10'000;
  result.alloc_latency.max_ns = 5'000'000;  // exactly the 5 ms budget
  result.iteration_ns.max = 20'000'000;
  return result;
}

scenarios::Budgets budgets() {
  scenarios::Budgets limits;
  limits.iteration_budget_ms = 20;
  limits.reserved_ratio_limit = 2;
  limits.growth_limit_mb = 1;
  return limits;
}

std::vector<scenarios::Violation> check_case(const scenarios::CaseResult& result,
                                             const scenarios::Budgets& limits = budgets()) {
  std::vector<scenarios::Violation> violations;
  const scenarios::Scenario made = scenario();
  scenarios::BudgetChecker(made, limits, violations).check_case(result);
  return violations;
}

TEST(BudgetChecker, ACaseAtEveryLimitHoldsThem) {
  EXPECT_TRUE(check_case(held_case()).empty());
}

TEST(BudgetChecker, TheSlowestAllocationPastTheBudgetBreaksIt) {
  scenarios::CaseResult result = held_case();
  result.alloc_latency.max_ns = 5'000'001;
  result.slowest_site = "f (a.cpp:1)";
  const std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].budget, "alloc_budget_us");
  EXPECT_EQ(violations[0].case_name, "case one");
  EXPECT_EQ(violations[0].limit, 5.0);
  EXPECT_EQ(violations[0].observed, 5.000001);
  EXPECT_EQ(violations[0].unit, "ms");
  EXPECT_EQ(violations[0].figure, "slowest allocation");
  EXPECT_FALSE(violations[0].preempted);
  EXPECT_EQ(violations[0].message,
            "Allocation exceeded 5ms budget: slowest allocation 5.0000 ms > 5 ms in scenario "
            "made_up, case case one; made at f (a.cpp:1)");
  // Broken only in iterations that were preempted: said, and marked.
  result.alloc_budget_breaches = {2, 2};
  result.attempts = 3;
  const scenarios::Violation preempted = check_case(result).at(0);
  EXPECT_TRUE(preempted.preempted);
  EXPECT_NE(preempted.message.find("(preempted: in each of the 2 iterations that broke it the CPU "
                                   "was taken away for longer than the excess; 3 attempts)"),
            std::string::npos)
      << preempted.message;
  // Another budget is named as the budget in force.
  scenarios::Budgets tight = budgets();
  tight.alloc_budget_us = 250;
  EXPECT_EQ(
      check_case(held_case(), tight)
          .at(0)
          .message.rfind(
              "Allocation exceeded the 0.25 ms budget: slowest allocation 5.0000 ms > 0.25 ms", 0),
      0u);
}

TEST(BudgetChecker, TheSlowestIterationPastItsBudgetBreaksIt) {
  scenarios::CaseResult result = held_case();
  result.iteration_ns.max = 20'000'001;
  const std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].budget, "iteration_budget_ms");
  EXPECT_EQ(violations[0].message,
            "Too slow: 20.000 ms > 20 ms in scenario made_up, case case one");
}

TEST(BudgetChecker, OtherBytesOrAllocationsThanExpectedBreakTheExpectation) {
  scenarios::CaseResult result = held_case();
  result.allocations = 101;
  std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].budget, "expectation");
  EXPECT_EQ(violations[0].message,
            "Expectation not met: requested 10000 bytes in 101 allocations, expected 10000 bytes "
            "in 100 in scenario made_up, case case one");
  result = held_case();
  result.consistent = false;
  violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_NE(violations[0].message.find("(iterations differ)"), std::string::npos);
  // A real library's phases have no exact expectation, nor a ratio to one.
  result = held_case();
  result.exact_expectation = false;
  result.allocations = 7;
  result.reserved_bytes = 1'000'000;
  EXPECT_TRUE(check_case(result).empty());
}

TEST(BudgetChecker, ALeakIsNamedWithItsIterationsAndSites) {
  scenarios::CaseResult result = held_case();
  result.leaked_iterations = 3;
  result.largest_live_bytes_delta = 64;
  result.leak_sites = "top: g (b.cpp:2)";
  const std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].budget, "leak");
  EXPECT_EQ(violations[0].observed, 64);
  EXPECT_EQ(violations[0].message,
            "Leak: 3 of 10 iterations left up to 64 bytes live in scenario made_up, case case "
            "one; top: g (b.cpp:2)");
}

TEST(BudgetChecker, ReservedBytesAndRssGrowthAreHeldToTheRatio) {
  scenarios::CaseResult result = held_case();
  result.reserved_bytes = 20'001;  // 2.0001x the 10,000 expected
  std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].figure, "reserved bytes / expected");
  EXPECT_EQ(violations[0].message,
            "Too much memory: reserved 20001 bytes for expected 10000 bytes (2.00x > 2x) in "
            "scenario made_up, case case one");
  // RSS: the expectation in whole pages, times the ratio, plus 16 KiB that RSS moves by itself.
  const std::uint64_t page = monitor::page_size();
  const std::uint64_t allowed = 2 * ((10'000 + page - 1) / page * page) + 16 * 1024;
  result = held_case();
  result.rss_growth_bytes = static_cast<std::int64_t>(allowed);
  EXPECT_TRUE(check_case(result).empty());
  result.rss_growth_bytes += 1;
  violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].figure, "RSS growth / expected");
}

TEST(BudgetChecker, GrowthPastTheLimitBreaksIt) {
  scenarios::CaseResult result = held_case();
  result.peak_live_bytes = 1024 * 1024 + 1;
  result.peak_sites = "top: h (c.cpp:3)";
  const std::vector<scenarios::Violation> violations = check_case(result);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].budget, "growth_limit_mb");
  EXPECT_EQ(violations[0].message,
            "Too much memory: peak live bytes 1.00 MiB delta > 1 MiB in scenario made_up, case "
            "case one; top: h (c.cpp:3)");
}

TEST(BudgetChecker, TheProcessLimitHoldsBothPeaksAndNamesTheHighestCasesSites) {
  scenarios::Budgets limits = budgets();
  limits.process_limit_mb = 2;
  scenarios::CaseResult low = held_case(), high = held_case();
  high.peak_live_bytes = 20'000;
  high.peak_sites = "top: k (d.cpp:4)";
  std::vector<scenarios::Violation> violations;
  const scenarios::Scenario made = scenario();
  scenarios::BudgetChecker checker(made, limits, violations);
  checker.check_process(2 * 1024 * 1024, 2 * 1024 * 1024, {low, high});
  EXPECT_TRUE(violations.empty());
  checker.check_process(2 * 1024 * 1024 + 1, 3 * 1024 * 1024, {low, high});
  ASSERT_EQ(violations.size(), 2u);
  EXPECT_EQ(violations[0].figure, "peak live bytes");
  EXPECT_EQ(violations[0].message,
            "Total memory exceeded the 2 MiB limit: peak live bytes 2.00 MiB > 2 MiB in scenario "
            "made_up; top: k (d.cpp:4)");
  EXPECT_EQ(violations[1].figure, "peak RSS");
  EXPECT_EQ(violations[1].observed, 3.0);
}

}  // namespace
