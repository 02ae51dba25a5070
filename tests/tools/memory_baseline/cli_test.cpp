// The memory_baseline command as users run it: a whole run with reports and a baseline, the gate
// passing on itself and failing on a tightened budget or an injected regression, and bad input to
// every sub-command (exit 2, one line, no output files).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_program.hpp"

namespace {

namespace fs = std::filesystem;

using test_support::Outcome;
using test_support::read_file;

fs::path scratch() {
  const fs::path folder =
      fs::path(::testing::TempDir()) /
      ("memory_baseline_" +
       std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

Outcome runner(const fs::path&, const std::string& arguments) {
  return test_support::run_program(RUNNER_BINARY, arguments);
}

TEST(Runner, RunWritesResultsReportsAndABaselineThatTheGateAccepts) {
  const fs::path folder = scratch();
  const fs::path out = folder / "out";
  // Time budgets are for baseline runs, not tests on a shared machine: a preempted allocation here
  // took over 5 ms while other tests ran.
  const fs::path no_time_budgets = folder / "no_time_budgets.json";
  std::ofstream(no_time_budgets)
      << R"({"alloc_budget_us": 60000000, "iteration_budget_ms": 60000})";
  const Outcome run = runner(folder, "run --scenarios vector,concepts --iterations 2 --budgets " +
                                         no_time_budgets.string() + " --out " + out.string() +
                                         " --save-baseline " + (folder / "baseline.json").string());
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("[4/4] concepts under mimalloc ... every budget held"), std::string::npos)
      << run.out;
  EXPECT_NE(
      run.out.find("All tests stayed within 1GB memory limit\nAll allocations stayed within 5ms\n"),
      std::string::npos);
  for (const char* file : {"memory_baseline_results.json", "report.html", "report.md"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  const nlohmann::json results =
      nlohmann::json::parse(read_file(out / "memory_baseline_results.json"));
  EXPECT_EQ(results["runs"].size(), 4u);
  EXPECT_TRUE(results["passed"].get<bool>());

  const std::string current = (out / "memory_baseline_results.json").string();
  const std::string baseline = (folder / "baseline.json").string();
  const Outcome same = runner(folder, "check --baseline " + baseline + " " + current);
  EXPECT_EQ(same.status, 0) << same.out;
  EXPECT_NE(same.out.find("no regression"), std::string::npos);

  // Tightened budget: the run exits 1 with the task's warning, and the gate fails on it.
  const std::string tight = (folder / "tight.json").string();
  const Outcome breached =
      runner(folder, "run --scenarios vector,concepts --iterations 2 --limit-mb 0 --out " +
                         (folder / "tight").string() + " --results " + tight);
  EXPECT_EQ(breached.status, 1);
  EXPECT_NE(breached.out.find("WARNING: Some tests exceeded 1GB memory limit"), std::string::npos)
      << breached.out;
  const Outcome gate_on_breach = runner(folder, "check --baseline " + baseline + " " + tight);
  EXPECT_EQ(gate_on_breach.status, 1);
  EXPECT_NE(gate_on_breach.out.find("BREACHED vector/system budget process_limit_mb"),
            std::string::npos)
      << gate_on_breach.out;

  // Injected regression: more requested bytes than the baseline.
  nlohmann::json regressed = results;
  regressed["runs"][1]["cases"][0]["requested_bytes"] = 219'088;
  const fs::path regressed_path = folder / "regressed.json";
  std::ofstream(regressed_path) << regressed.dump();
  const Outcome gate =
      runner(folder, "check --baseline " + baseline + " " + regressed_path.string());
  EXPECT_EQ(gate.status, 1);
  EXPECT_NE(gate.out.find(
                "CHANGED concepts/system case '100 concepts' requested_bytes: 219080 -> 219088"),
            std::string::npos)
      << gate.out;

  const Outcome compare = runner(folder, "compare " + baseline + " " + regressed_path.string());
  EXPECT_EQ(compare.status, 0);
  EXPECT_NE(compare.out.find("B / A"), std::string::npos);
  const Outcome report =
      runner(folder, "report " + current + " --out " + (folder / "again").string());
  EXPECT_EQ(report.status, 0);
  EXPECT_EQ(read_file(folder / "again" / "report.md"), read_file(out / "report.md"));
}

void expect_usage_error(const std::string& arguments, const std::string& message_part) {
  const fs::path folder = scratch();
  std::ofstream(folder / "malformed.json") << "{ nope";
  std::ofstream(folder / "old.json")
      << R"({"kind": "memory_baseline_results", "schema_version": 99, "runs": []})";
  std::ofstream(folder / "not_results.json") << R"({"scenario": "vector"})";
  std::string expanded = arguments;
  for (std::size_t at; (at = expanded.find("DIR")) != std::string::npos;)
    expanded.replace(at, 3, folder.string());
  const Outcome outcome = runner(folder, expanded);
  EXPECT_EQ(outcome.status, 2) << expanded << "\n" << outcome.out;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_EQ(outcome.err.rfind("memory_baseline: ", 0), 0u) << outcome.err;
  EXPECT_NE(outcome.err.find(message_part), std::string::npos) << outcome.err;
  EXPECT_FALSE(fs::exists(folder / "out")) << expanded;  // nothing half-written
}

TEST(Runner, BadInputToEverySubcommandExitsTwoWithOneLine) {
  expect_usage_error("", "subcommand");
  expect_usage_error("frobnicate", "subcommand");
  expect_usage_error("run --scenarios bogus --out DIR/out", "bogus");
  expect_usage_error("run --allocators tcmalloc --out DIR/out", "tcmalloc");
  expect_usage_error("run --budgets DIR/missing.json --out DIR/out", "cannot read budgets file");
  expect_usage_error("run --budgets DIR/malformed.json --out DIR/out", "not valid JSON");
  expect_usage_error("run --scenario-dir DIR/nowhere --out DIR/out",
                     "scenario executable not found");
  expect_usage_error("report DIR/missing.json --out DIR/out", "cannot read");
  expect_usage_error("report DIR/malformed.json --out DIR/out", "not valid JSON");
  expect_usage_error("report DIR/old.json --out DIR/out", "schema_version must be 1");
  expect_usage_error("compare DIR/missing.json DIR/malformed.json", "cannot read");
  expect_usage_error("compare " RUNNER_FIXTURES "/results.json DIR/not_results.json",
                     "not a memory_baseline results file");
  expect_usage_error("check --baseline DIR/malformed.json " RUNNER_FIXTURES "/results.json",
                     "not valid JSON");
  expect_usage_error("check --baseline " RUNNER_FIXTURES "/results.json DIR/old.json",
                     "schema_version must be 1");
  expect_usage_error("check " RUNNER_FIXTURES "/results.json", "--baseline");
}

}  // namespace
