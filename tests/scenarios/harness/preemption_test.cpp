// A time budget that breaks while the CPU is taken away is labelled preempted and its case tried
// again (--attempts); slow work, on the CPU or blocked on a lock, fails at once. The scenario
// program's backend call takes 20 ms against a budget of 2 ms per allocation, and what the
// scheduler did meanwhile is what the program reports to the harness, not what this machine did
// (slow_backend_scenario.cpp): every figure asserted here is the same on an idle or a loaded
// machine. That the real scheduler's figures are read right is tests/monitor/scheduling_test.cpp's.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_program.hpp"

namespace {

struct SlowRun {
  test_support::Outcome outcome;
  nlohmann::json result;
};

SlowRun run_slow_backend(const std::string& mode, const std::string& slow_calls,
                         const std::string& attempts, const std::string& schedule = "") {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::string json_path = ::testing::TempDir() + "preemption_" + test + ".json";
  std::filesystem::remove(json_path);  // left by an earlier run, it would prove nothing
  SlowRun run;
  run.outcome =
      test_support::run_program(SLOW_BACKEND_SCENARIO,
                                "--warmup 0 --iterations 3 --alloc-budget-us 2000 --attempts " +
                                    attempts + " --json " + json_path,
                                {{"SLOW_BACKEND_MODE", mode},
                                 {"SLOW_BACKEND_CALLS", slow_calls},
                                 {"SLOW_BACKEND_SCHEDULE", schedule}});
  run.result = nlohmann::json::parse(test_support::read_file(json_path));
  return run;
}

const nlohmann::json* alloc_budget_violation(const nlohmann::json& result) {
  for (const nlohmann::json& violation : result["violations"]) {
    if (violation["budget"] == "alloc_budget_us") return &violation;
  }
  return nullptr;
}

// The first attempt's one slow call was preempted; the second attempt has no slow call and holds.
TEST(Preemption, ABreachWhilePreemptedIsRetriedAndPassesWhenTheRetryHolds) {
  const SlowRun run = run_slow_backend("preempted", "1", "5");
  EXPECT_EQ(run.outcome.status, 0) << run.outcome.out;
  EXPECT_TRUE(run.result["violations"].empty()) << run.result["violations"];
  const nlohmann::json& measured = run.result["cases"][0];
  EXPECT_EQ(measured["attempts"], 2);
  EXPECT_EQ(measured["preempted_iterations"], 0);  // of the last attempt
  EXPECT_EQ(measured["allocations"], 1);
  EXPECT_EQ(measured["requested_bytes"], 777'000);
}

TEST(Preemption, ABreachPreemptedInEveryAttemptFailsLabelledPreempted) {
  const SlowRun run = run_slow_backend("preempted", "1000", "2");
  EXPECT_EQ(run.outcome.status, 1);
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr) << run.result["violations"];
  EXPECT_EQ(run.result["violations"].size(), 1u) << run.result["violations"];
  EXPECT_TRUE((*violation)["preempted"].get<bool>());
  EXPECT_NE((*violation)["message"].get<std::string>().find(
                " (preempted: in each of the 3 iterations that broke it the CPU was taken away "
                "for longer than the excess; 2 attempts)"),
            std::string::npos)
      << (*violation)["message"];
  EXPECT_EQ(run.result["cases"][0]["attempts"], 2);
  EXPECT_EQ(run.result["cases"][0]["preempted_iterations"], 3);
}

TEST(Preemption, OneAttemptMeansNoRetry) {
  const SlowRun run = run_slow_backend("preempted", "1", "1");
  EXPECT_EQ(run.outcome.status, 1);
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr);
  EXPECT_TRUE((*violation)["preempted"].get<bool>());
  EXPECT_NE((*violation)["message"].get<std::string>().find(
                " (preempted: in each of the 1 iterations that broke it the CPU was taken away "
                "for longer than the excess; 1 attempt)"),
            std::string::npos)
      << (*violation)["message"];
  EXPECT_EQ(run.result["cases"][0]["attempts"], 1);
  EXPECT_EQ(run.result["cases"][0]["preempted_iterations"], 1);
}

// Slow work fails at once, unlabelled and without a second attempt: on the CPU, the thread keeps
// the CPU; switched out for 1 ms of a 20 ms call, it lost less than the excess; on a lock, it
// blocked. `preempted_iterations` counts the iterations whose thread was switched out without
// blocking, whatever for how long.
void expect_slow_work_fails(const std::string& mode, int preempted_iterations,
                            const std::string& schedule = "") {
  SCOPED_TRACE(mode + (schedule.empty() ? "" : ", schedule " + schedule));
  const SlowRun run = run_slow_backend(mode, "1000", "3", schedule);
  EXPECT_EQ(run.outcome.status, 1);
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr) << run.result["violations"];
  EXPECT_EQ(run.result["violations"].size(), 1u) << run.result["violations"];
  EXPECT_FALSE((*violation)["preempted"].get<bool>());
  EXPECT_EQ((*violation)["message"].get<std::string>().find("preempted"), std::string::npos)
      << (*violation)["message"];
  EXPECT_EQ(run.result["cases"][0]["attempts"], 1);
  EXPECT_EQ(run.result["cases"][0]["preempted_iterations"], preempted_iterations);
}

TEST(Preemption, AnAllocationSlowOnTheCpuFails) {
  expect_slow_work_fails("cpu", 0);
}

TEST(Preemption, AnAllocationPreemptedForLessThanItsExcessFails) {
  expect_slow_work_fails("preempted-briefly", 3);
}

TEST(Preemption, AnAllocationWaitingForALockFails) {
  expect_slow_work_fails("lock", 0);
  // Read from the real scheduler: a thread that waits for a lock blocks on any machine.
  expect_slow_work_fails("lock", 0, "real");
}

// One iteration that broke the budget without being preempted fails the case at once, however many
// others were preempted.
TEST(Preemption, ABreachPreemptedInSomeIterationsOnlyFails) {
  expect_slow_work_fails("preempted,cpu", 2);
}

}  // namespace
