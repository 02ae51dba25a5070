// A time budget that breaks while the CPU is taken away is labelled preempted and its case tried
// again (--attempts); slow work, on the CPU or blocked on a lock, fails at once. The scenario
// program's backend call is made slow on purpose (slow_backend_scenario.cpp); the budget is 2 ms
// per allocation, the slow call takes 20 ms.
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
                         const std::string& attempts) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::string json_path = ::testing::TempDir() + "preemption_" + test + ".json";
  SlowRun run;
  run.outcome =
      test_support::run_program(SLOW_BACKEND_SCENARIO,
                                "--warmup 0 --iterations 3 --alloc-budget-us 2000 --attempts " +
                                    attempts + " --json " + json_path,
                                {{"SLOW_BACKEND_MODE", mode}, {"SLOW_BACKEND_CALLS", slow_calls}});
  run.result = nlohmann::json::parse(test_support::read_file(json_path));
  return run;
}

const nlohmann::json* alloc_budget_violation(const nlohmann::json& result) {
  for (const nlohmann::json& violation : result["violations"]) {
    if (violation["budget"] == "alloc_budget_us") return &violation;
  }
  return nullptr;
}

// The first attempt's one slow call was preempted; a later attempt held the budget. (Another
// attempt may be needed when this shared machine preempts the retry too: at least 2.)
TEST(Preemption, ABreachWhilePreemptedIsRetriedAndPassesWhenTheRetryHolds) {
  const SlowRun run = run_slow_backend("preempted", "1", "5");
  EXPECT_EQ(run.outcome.status, 0) << run.outcome.out;
  EXPECT_TRUE(run.result["violations"].empty()) << run.result["violations"];
  EXPECT_GE(run.result["cases"][0]["attempts"].get<int>(), 2);
}

TEST(Preemption, ABreachPreemptedInEveryAttemptFailsLabelledPreempted) {
  const SlowRun run = run_slow_backend("preempted", "1000", "2");
  EXPECT_EQ(run.outcome.status, 1);
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr) << run.result["violations"];
  EXPECT_TRUE((*violation)["preempted"].get<bool>());
  EXPECT_NE((*violation)["message"].get<std::string>().find("(preempted: in each of the"),
            std::string::npos)
      << (*violation)["message"];
  EXPECT_EQ(run.result["cases"][0]["attempts"], 2);
  EXPECT_GE(run.result["cases"][0]["preempted_iterations"].get<int>(), 3);
}

TEST(Preemption, OneAttemptMeansNoRetry) {
  const SlowRun run = run_slow_backend("preempted", "1", "1");
  EXPECT_EQ(run.outcome.status, 1);
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr);
  EXPECT_TRUE((*violation)["preempted"].get<bool>());
  EXPECT_EQ(run.result["cases"][0]["attempts"], 1);
}

// Slow work fails at once: on the CPU, the thread keeps the CPU (whatever it is given of it); on a
// lock, it blocks. Neither is preemption, so there is no second attempt.
void expect_slow_work_fails(const std::string& mode) {
  const SlowRun run = run_slow_backend(mode, "1000", "3");
  EXPECT_EQ(run.outcome.status, 1) << mode;
  const nlohmann::json* violation = alloc_budget_violation(run.result);
  ASSERT_NE(violation, nullptr) << mode << run.result["violations"];
  EXPECT_FALSE((*violation)["preempted"].get<bool>()) << mode;
  EXPECT_EQ((*violation)["message"].get<std::string>().find("preempted"), std::string::npos);
  EXPECT_EQ(run.result["cases"][0]["attempts"], 1) << mode;
}

TEST(Preemption, AnAllocationSlowOnTheCpuFails) {
  expect_slow_work_fails("cpu");
}

TEST(Preemption, AnAllocationWaitingForALockFails) {
  expect_slow_work_fails("lock");
}

}  // namespace
