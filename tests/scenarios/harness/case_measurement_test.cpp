// What the harness reads around an iteration: the time off the CPU and whether it was taken away,
// which decides whether a broken time budget is preemption; and the budgets in nanoseconds.
#include <gtest/gtest.h>

#include "case_measurement.hpp"

namespace {

// wall_ns, cpu_ns, voluntary switches, involuntary switches
constexpr scenarios::ScheduleReading kStart = {1'000'000'000, 50'000'000, 7, 3};

TEST(IterationSchedule, TimeOffTheCpuTakenAwayIsPreemptionForAsLongAsItLasted) {
  const scenarios::IterationSchedule schedule =
      scenarios::schedule_between(kStart, {1'010'000'000, 54'000'000, 7, 4});
  EXPECT_EQ(schedule.off_cpu_ns, 6'000'000u);
  EXPECT_TRUE(schedule.switched_out);
  EXPECT_FALSE(schedule.blocked);
  EXPECT_TRUE(schedule.taken_away());
  EXPECT_TRUE(schedule.preempted_for(6'000'000));
  EXPECT_FALSE(schedule.preempted_for(6'000'001));
}

TEST(IterationSchedule, AThreadThatGaveTheCpuUpWasNotPreempted) {
  const scenarios::IterationSchedule blocked =
      scenarios::schedule_between(kStart, {1'010'000'000, 54'000'000, 8, 4});
  EXPECT_TRUE(blocked.blocked);
  EXPECT_FALSE(blocked.taken_away());
  EXPECT_FALSE(blocked.preempted_for(1));
  const scenarios::IterationSchedule never_switched =
      scenarios::schedule_between(kStart, {1'010'000'000, 54'000'000, 7, 3});
  EXPECT_FALSE(never_switched.taken_away());
}

TEST(IterationSchedule, MoreCpuTimeThanWallTimeIsNoTimeOffTheCpu) {
  EXPECT_EQ(scenarios::schedule_between(kStart, {1'001'000'000, 52'000'000, 7, 3}).off_cpu_ns, 0u);
}

TEST(TimeLimits, AreTheBudgetsInNanoseconds) {
  scenarios::Budgets budgets;
  EXPECT_EQ(scenarios::time_limits(budgets).alloc_ns, 5'000'000u);
  EXPECT_FALSE(scenarios::time_limits(budgets).iteration_ns.has_value());
  budgets.alloc_budget_us = 250;
  budgets.iteration_budget_ms = 20.5;
  EXPECT_EQ(scenarios::time_limits(budgets).alloc_ns, 250'000u);
  EXPECT_EQ(scenarios::time_limits(budgets).iteration_ns, 20'500'000u);
}

}  // namespace
