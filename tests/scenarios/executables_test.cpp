// The scenario executables as users run them: exit status, result file, the allocator switch,
// the task's words on a breach, and one-line errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_program.hpp"

namespace {

using test_support::Outcome;
using test_support::read_file;

std::string scratch(const std::string& leaf) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  return ::testing::TempDir() + "scenarios_" + test + "_" + leaf;
}

Outcome run(const std::string& scenario, const std::string& arguments) {
  return test_support::run_program(
      std::filesystem::path(SCENARIO_BINARY_DIR) / ("scenario_" + scenario), arguments);
}

const char* const kScenarios[] = {"vector", "concepts", "fragmentation", "concurrent"};
// Time budgets are for baseline runs, not tests on a shared machine (a preempted allocation here
// took over 5 ms while other tests ran); the breach tests below use impossible budgets instead.
const char* const kNoTimeBudgets = "--alloc-budget-us 60000000 --iteration-budget-ms 60000";

TEST(Executables, ReleaseBuildsPerformEveryExpectedAllocation) {
  for (const char* scenario : kScenarios) {
    for (const char* allocator : {"system", "mimalloc"}) {
      const std::string json_path = scratch(std::string(scenario) + "_" + allocator + ".json");
      const Outcome outcome =
          run(scenario, "--iterations 3 " + std::string(kNoTimeBudgets) + " --allocator " +
                            allocator + " --json " + json_path);
      ASSERT_EQ(outcome.status, 0) << scenario << " " << allocator << "\n"
                                   << outcome.out << outcome.err;
      const nlohmann::json result = nlohmann::json::parse(read_file(json_path));
      EXPECT_EQ(result["allocator"]["name"], allocator);
      EXPECT_TRUE(result["passed"].get<bool>());
      for (const nlohmann::json& measured : result["cases"]) {
        EXPECT_EQ(measured["allocations"], measured["expected_allocations"])
            << scenario << " " << measured["name"];
        EXPECT_EQ(measured["requested_bytes"], measured["expected_requested_bytes"])
            << scenario << " " << measured["name"];
      }
    }
  }
}

TEST(Executables, ImpossibleBudgetsExitOneWithTheTasksWords) {
  for (const char* scenario : kScenarios) {
    const std::string json_path = scratch(std::string(scenario) + ".json");
    const Outcome outcome =
        run(scenario, "--iterations 2 --limit-mb 0 --alloc-budget-us 0 --json " + json_path);
    EXPECT_EQ(outcome.status, 1) << scenario;
    EXPECT_NE(outcome.out.find("exceeded 1GB"), std::string::npos) << outcome.out;
    EXPECT_NE(outcome.out.find("exceeded 5ms"), std::string::npos) << outcome.out;
    const nlohmann::json result = nlohmann::json::parse(read_file(json_path));
    EXPECT_FALSE(result["passed"].get<bool>());
    EXPECT_FALSE(result["violations"].empty());
  }
}

TEST(Executables, BudgetsFileTightensTheIterationBudget) {
  const std::string budgets = scratch("budgets.json");
  std::ofstream(budgets) << R"({"iteration_budget_ms": 0.000001})";
  const Outcome outcome = run("concepts", "--iterations 2 --budgets " + budgets);
  EXPECT_EQ(outcome.status, 1);
  EXPECT_NE(outcome.out.find("Multiple concept allocation too slow"), std::string::npos)
      << outcome.out;
}

void expect_usage_error(const std::string& arguments, const std::string& message_part) {
  const std::string json_path = scratch("never.json");
  const Outcome outcome = run("vector", arguments + " --json " + json_path);
  EXPECT_EQ(outcome.status, 2) << arguments;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_EQ(outcome.err.rfind("scenario_vector: ", 0), 0u) << outcome.err;
  EXPECT_NE(outcome.err.find(message_part), std::string::npos) << outcome.err;
  EXPECT_FALSE(std::filesystem::exists(json_path)) << arguments;
  EXPECT_FALSE(std::filesystem::exists(json_path + ".partial")) << arguments;
}

TEST(Executables, BadInputExitsTwoWithOneLineAndNoResultFile) {
  expect_usage_error("--no-such-flag", "--no-such-flag");
  expect_usage_error("--allocator tcmalloc", "tcmalloc");
  expect_usage_error("--iterations 0", "--iterations");
  expect_usage_error("--budgets /nonexistent/budgets.json", "cannot read budgets file");
  const std::string malformed = scratch("malformed.json");
  std::ofstream(malformed) << "{ not json";
  expect_usage_error("--budgets " + malformed, "not valid JSON");
  const std::string unknown = scratch("unknown.json");
  std::ofstream(unknown) << R"({"limit_gb": 1})";
  expect_usage_error("--budgets " + unknown, "unknown key limit_gb");
  const std::string wrong_type = scratch("wrong_type.json");
  std::ofstream(wrong_type) << R"({"process_limit_mb": "lots"})";
  expect_usage_error("--budgets " + wrong_type, "process_limit_mb must be a whole number");
}

TEST(Executables, UnwritableResultPathExitsTwo) {
  const Outcome outcome = run("vector", "--iterations 1 --json /nonexistent/dir/result.json");
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("cannot write /nonexistent/dir/result.json"), std::string::npos)
      << outcome.err;
}

}  // namespace
