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

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#endif

#include "support/counts_only_budgets.hpp"
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

// The time and RSS budgets out of reach (support/counts_only_budgets.hpp).
fs::path counts_only_budgets(const fs::path& folder) {
  return test_support::write_counts_only_budgets(folder / "counts_only_budgets.json");
}

TEST(Runner, RunWritesResultsReportsAndABaselineThatTheGateAccepts) {
  const fs::path folder = scratch();
  const fs::path out = folder / "out";
  const fs::path no_time_budgets = counts_only_budgets(folder);
  const Outcome run = runner(folder,
                             "run --scenarios vector,concepts --allocators system,mimalloc "
                             "--iterations 2 --budgets " +
                                 no_time_budgets.string() + " --out " + out.string() +
                                 " --save-baseline " + (folder / "baseline.json").string());
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("[4/4] concepts under mimalloc ... every budget held"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Gated on: system, mimalloc\nAll tests stayed within the 1 GiB memory "
                         "limit\nAll allocations stayed within 3600 s\n"),
            std::string::npos)
      << run.out;
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
      runner(folder, "run --scenarios vector,concepts --iterations 2 --limit-mb 0 --budgets " +
                         no_time_budgets.string() + " --out " + (folder / "tight").string() +
                         " --results " + tight);
  EXPECT_EQ(breached.status, 1);
  EXPECT_NE(breached.out.find("WARNING: Some tests exceeded the 0 MiB memory limit"),
            std::string::npos)
      << breached.out;
  // Each breach named on a line of its own, under the gated allocators (system and mimalloc by
  // default); the others' as findings.
  for (const char* allocator : {"system", "mimalloc"}) {
    for (const char* scenario : {"vector", "concepts"}) {
      EXPECT_NE(breached.out.find(std::string("\nBREACHED: ") + scenario + " under " + allocator +
                                  ": process memory (peak live bytes and peak RSS): peak live "
                                  "bytes "),
                std::string::npos)
          << breached.out;
    }
  }
  EXPECT_NE(breached.out.find("concepts under system ... BUDGET BREACHED ("), std::string::npos)
      << breached.out;
  EXPECT_NE(breached.out.find("WARNING: 8 budgets breached under the gated allocators"),
            std::string::npos)
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
  std::ofstream(folder / "old_run.json") << R"({"kind": "memory_baseline_results",
      "schema_version": 1, "runs": [{"schema_version": 1}], "passed": true, "provenance": {}})";
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
  expect_usage_error("run --allocators hoard --out DIR/out", "hoard");
  expect_usage_error("run --budgets DIR/missing.json --out DIR/out", "cannot read budgets file");
  expect_usage_error("run --budgets DIR/malformed.json --out DIR/out", "not valid JSON");
  expect_usage_error("run --scenario-dir DIR/nowhere --out DIR/out",
                     "scenario executable not found");
  expect_usage_error("report DIR/missing.json --out DIR/out", "cannot read");
  expect_usage_error("report DIR/malformed.json --out DIR/out", "not valid JSON");
  expect_usage_error("report DIR/old.json --out DIR/out", "this runner reads 1");
  expect_usage_error("compare DIR/missing.json DIR/malformed.json", "cannot read");
  expect_usage_error("compare " RUNNER_FIXTURES "/results.json DIR/not_results.json",
                     "not a memory_baseline results file");
  expect_usage_error("check --baseline DIR/malformed.json " RUNNER_FIXTURES "/results.json",
                     "not valid JSON");
  expect_usage_error("check --baseline " RUNNER_FIXTURES "/results.json DIR/old.json",
                     "this runner reads 1");
  expect_usage_error("check " RUNNER_FIXTURES "/results.json", "--baseline");
  // A results file whose scenario results an older build wrote.
  expect_usage_error("report DIR/old_run.json --out DIR/out",
                     "the scenario result at /runs/0 has schema_version 1; this runner reads 2");
}

// A folder where a results file belongs is bad input (it used to end in an uncaught exception).
TEST(Runner, AFolderGivenAsResultsFileExitsTwo) {
  expect_usage_error("report DIR --out DIR/out", "is a directory");
  expect_usage_error("compare DIR " RUNNER_FIXTURES "/results.json", "is a directory");
  expect_usage_error("check --baseline " RUNNER_FIXTURES "/results.json DIR", "is a directory");
  expect_usage_error("run --scenarios vector --iterations 1 --results DIR --out DIR/out",
                     "is a directory");
}

// Negative numbers used to wrap to 2^64-1, NaN passed every range check, and an empty name was
// taken as "none".
TEST(Runner, NegativeNanAndEmptyValuesExitTwo) {
  for (const char* flag : {"--iterations", "--warmup", "--limit-mb", "--alloc-budget-us",
                           "--sample-interval-ms", "--attempts"}) {
    expect_usage_error(std::string("run --out DIR/out ") + flag + " -1", flag);
    expect_usage_error(std::string("run --out DIR/out ") + flag + "=-3", flag);
  }
  for (const char* value : {"nan", "inf", "-5"})
    expect_usage_error(std::string("run --out DIR/out --iteration-budget-ms ") + value,
                       "--iteration-budget-ms");
  for (const char* flag :
       {"--latency-tolerance", "--iteration-tolerance", "--rss-tolerance", "--time-slack-ns"}) {
    for (const char* value : {"nan", "-inf", "1e999"}) {
      expect_usage_error(std::string("check --baseline ") + RUNNER_FIXTURES "/results.json " +
                             RUNNER_FIXTURES "/results.json " + flag + " " + value,
                         flag);
    }
  }
  for (const char* flag :
       {"--out", "--results", "--save-baseline", "--scenario-dir", "--budgets"}) {
    expect_usage_error(std::string("run ") + flag + " \"\"", "must not be empty");
  }
  expect_usage_error("report \"\"", "must not be empty");
}

// Every field the runner reads is required by the result schema, checked when a file is loaded:
// a missing one is named (it used to be read past the end of the document).
TEST(Runner, AResultMissingAFieldIsNamedWithExitTwo) {
  const nlohmann::json complete =
      nlohmann::json::parse(read_file(fs::path(RUNNER_FIXTURES) / "results.json"));
  struct Removal {
    const char* pointer;
    const char* message;
  };
  for (const Removal& removal :
       {Removal{"/runs/0/violations", "/runs/0/violations is missing"},
        Removal{"/runs/1/provenance", "/runs/1/provenance is missing"},
        Removal{"/runs/0/cases/0/name", "/runs/0/cases/0/name is missing"},
        Removal{"/runs/2/memory/rss", "/runs/2/memory/rss is missing"},
        Removal{"/runs/0/allocator/version", "/runs/0/allocator/version is missing"}}) {
    nlohmann::json broken = complete;
    const nlohmann::json::json_pointer pointer(removal.pointer);
    broken[pointer.parent_pointer()].erase(pointer.back());
    const fs::path folder = scratch();
    const fs::path broken_path = folder / "broken.json";
    std::ofstream(broken_path) << broken.dump();
    for (const std::string& arguments :
         {"check --baseline " RUNNER_FIXTURES "/results.json " + broken_path.string(),
          "compare " + broken_path.string() + " " RUNNER_FIXTURES "/results.json",
          "report " + broken_path.string() + " --out " + (folder / "out").string()}) {
      const Outcome outcome = runner(folder, arguments);
      EXPECT_EQ(outcome.status, 2) << arguments << outcome.out;
      EXPECT_NE(outcome.err.find(removal.message), std::string::npos) << outcome.err;
      EXPECT_FALSE(fs::exists(folder / "out"));
    }
  }
  // A field of the wrong type is named too.
  nlohmann::json wrong = complete;
  wrong["runs"][0]["cases"][0]["requested_bytes"] = "many";
  const fs::path folder = scratch();
  std::ofstream(folder / "wrong.json") << wrong.dump();
  const Outcome outcome = runner(folder, "compare " + (folder / "wrong.json").string() + " " +
                                             RUNNER_FIXTURES "/results.json");
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("/runs/0/cases/0/requested_bytes must be of type integer"),
            std::string::npos)
      << outcome.err;
}

// Every output location is checked before the first scenario runs: an unwritable baseline used
// to be found after the run, with the results file already replaced.
TEST(Runner, AnUnwritableOutputIsFoundBeforeTheRunAndNothingIsWritten) {
  const fs::path folder = scratch();
  const fs::path keep = folder / "keep.json";
  std::ofstream(keep) << "kept\n";
  for (const std::string& arguments :
       {"--results " + keep.string() + " --save-baseline /nonexistent/dir/b.json",
        "--results " + keep.string() + " --save-baseline " + (folder / "." / "keep.json").string(),
        "--results " + keep.string() + " --save-baseline " + folder.string()}) {
    const Outcome outcome = runner(folder, "run --scenarios vector --iterations 1 --out " +
                                               (folder / "out").string() + " " + arguments);
    EXPECT_EQ(outcome.status, 2) << arguments;
    EXPECT_EQ(outcome.out.find("[1/"), std::string::npos) << outcome.out;  // nothing ran
    EXPECT_EQ(read_file(keep), "kept\n");
    EXPECT_FALSE(fs::exists(folder / "out")) << arguments;
  }
}

#if !defined(_WIN32)
// A results path that is a FIFO is written in place (a reader gets the document) and stays a
// FIFO: writing by rename used to replace special files with regular ones.
TEST(Runner, AFifoAsResultsFileIsWrittenInPlace) {
  const fs::path folder = scratch();
  const fs::path fifo = folder / "results.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  // Read by a thread of this test, whose open waits for the run to open the fifo for writing. No
  // timeout decides anything: once the run has ended, the fifo is opened for writing here too
  // (without blocking, so only while the reader waits in its open) until the reader has ended, so
  // that a run that never opened the fifo cannot leave the reader waiting for a writer.
  std::atomic<bool> read_all{false};
  std::string copy;
  std::thread reader([&] {
    copy = read_file(fifo);
    read_all.store(true);
  });
  const Outcome outcome = runner(folder,
                                 "run --scenarios vector --allocators system --iterations 1 "
                                 "--budgets " +
                                     counts_only_budgets(folder).string() + " --out " +
                                     (folder / "out").string() + " --results " + fifo.string());
  while (!read_all.load()) {
    const int writer = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) close(writer);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  reader.join();
  EXPECT_EQ(outcome.status, 0) << outcome.out << outcome.err;
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_EQ(nlohmann::json::parse(copy)["kind"], "memory_baseline_results");
}
#endif

}  // namespace
