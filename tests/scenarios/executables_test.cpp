// The scenario executables as users run them: exit status, result file, the allocator switch,
// the task's words on a breach, and one-line errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <scenarios/allocators.hpp>
#include <scenarios/catalogue.hpp>
#include <scenarios/result_model.hpp>
#include <string>

#include "support/counts_only_budgets.hpp"
#include "support/run_program.hpp"

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#endif

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

// The time and RSS budgets out of reach (support/counts_only_budgets.hpp); the breach tests below
// use impossible budgets instead.
std::string counts_only_budgets() {
  return "--budgets " +
         test_support::write_counts_only_budgets(scratch("counts_only_budgets.json")).string();
}

// The seed task's memory budgets in bytes (scenarios/src/harness/workloads/*_scenario.cpp):
// memory <= 2x expected, counted in the bytes the allocator reserved; fragmentation growth
// < 100 MB in peak live bytes.
void expect_memory_budgets_in_bytes(const std::string& scenario, const nlohmann::json& measured) {
  const auto expected = measured["expected_requested_bytes"].get<std::uint64_t>();
  if (scenario == "fragmentation") {
    EXPECT_LE(measured["peak_live_bytes"].get<std::uint64_t>(), 100u << 20) << measured["name"];
  } else {
    EXPECT_LE(measured["reserved_bytes"].get<std::uint64_t>(), 2 * expected) << measured["name"];
  }
}

TEST(Executables, ReleaseBuildsPerformEveryExpectedAllocation) {
  for (const char* scenario : scenarios::kSeedScenarioNames) {
    for (const std::string& allocator : scenarios::built_allocators()) {
      SCOPED_TRACE(std::string(scenario) + " under " + allocator);
      const std::string json_path = scratch(std::string(scenario) + "_" + allocator + ".json");
      std::filesystem::remove(json_path);  // left by an earlier run, it would prove nothing
      const Outcome outcome =
          run(scenario, "--iterations 3 " + counts_only_budgets() + " --allocator " + allocator +
                            " --json " + json_path);
      ASSERT_EQ(outcome.status, 0) << outcome.out << outcome.err;
      const nlohmann::json result = nlohmann::json::parse(read_file(json_path));
      EXPECT_EQ(result["allocator"]["name"], allocator);
      EXPECT_TRUE(result["passed"].get<bool>());
      for (const nlohmann::json& measured : result["cases"]) {
        EXPECT_EQ(measured["allocations"], measured["expected_allocations"]) << measured["name"];
        EXPECT_EQ(measured["requested_bytes"], measured["expected_requested_bytes"])
            << measured["name"];
        EXPECT_EQ(measured["frees"], measured["expected_allocations"]) << measured["name"];
        EXPECT_TRUE(measured["consistent"].get<bool>()) << measured["name"];
        EXPECT_EQ(measured["leaked_iterations"], 0) << measured["name"];
        EXPECT_EQ(measured["alloc_latency_ns"]["count"],
                  3 * measured["expected_allocations"].get<std::uint64_t>())
            << measured["name"];
        expect_memory_budgets_in_bytes(scenario, measured);
      }
    }
  }
}

TEST(Executables, ImpossibleBudgetsExitOneWithTheTasksWords) {
  for (const char* scenario : scenarios::kSeedScenarioNames) {
    const std::string json_path = scratch(std::string(scenario) + ".json");
    const Outcome outcome =
        run(scenario, "--iterations 2 --limit-mb 0 --alloc-budget-us 0 --json " + json_path);
    EXPECT_EQ(outcome.status, 1) << scenario;
    // At a limit other than the seed's 1 GB, the words name the limit in force.
    EXPECT_NE(outcome.out.find("Total memory exceeded the 0 MiB limit: "), std::string::npos)
        << outcome.out;
    EXPECT_EQ(outcome.out.find("1GB"), std::string::npos) << outcome.out;
    EXPECT_NE(outcome.out.find("Allocation exceeded the 0 ms budget: "), std::string::npos)
        << outcome.out;
    EXPECT_EQ(outcome.out.find("5ms"), std::string::npos) << outcome.out;
    const nlohmann::json result = nlohmann::json::parse(read_file(json_path));
    EXPECT_FALSE(result["passed"].get<bool>());
    EXPECT_FALSE(result["violations"].empty());
  }
}

// A breach names the call sites behind it: at the peak, and where the slowest allocation was made
// (every allocation's stack recorded, so that the vector's own site is there whatever the draw).
TEST(Executables, ABreachNamesTheSitesBehindIt) {
  const std::string json_path = scratch("sites.json");
  const Outcome outcome = test_support::run_program(
      std::filesystem::path(SCENARIO_BINARY_DIR) / "scenario_vector",
      "--iterations 2 --limit-mb 0 --alloc-budget-us 0 --json " + json_path,
      {{"ALLOC_HOOKS_SAMPLE_BYTES", "1"}});
  EXPECT_EQ(outcome.status, 1);
#if defined(_WIN32)
  const std::string site = "scenario_vector.exe+";  // a module and an offset on Windows
#else
  const std::string site = "vector_scenario::{lambda}::operator() (vector_scenario.cpp:";
#endif
  EXPECT_NE(outcome.out.find("exceeded the 0 MiB limit: peak live bytes"), std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("; top: "), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("; made at " + site), std::string::npos) << outcome.out;
  const scenarios::ScenarioResult result =
      scenarios::read_result(nlohmann::json::parse(read_file(json_path)));
  for (const scenarios::CaseFigures& measured : result.cases) {
    ASSERT_TRUE(measured.sites && !measured.sites->top.empty()) << measured.name;
    const scenarios::TopSiteFigures& top = measured.sites->top[0];
    // The case's one vector per iteration: exactly its bytes at the peak, at that one site.
    EXPECT_EQ(top.peak_bytes, static_cast<std::int64_t>(measured.peak_live_bytes));
    EXPECT_EQ(top.where.rfind(site, 0), 0u) << top.where;
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
  std::filesystem::remove(json_path);  // left by an earlier run, it would prove nothing
  std::filesystem::remove(json_path + ".partial");
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
  expect_usage_error("--allocator hoard", "hoard");
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
  // The file takes the flags' ranges: 2^64 - 1 us used to wrap to a tiny budget once in ns, and
  // 1e300 ms has no integer count of ns at all.
  const std::string huge = scratch("huge.json");
  std::ofstream(huge) << R"({"alloc_budget_us": 18446744073709551615})";
  expect_usage_error("--budgets " + huge, "alloc_budget_us must be a whole number from 0 to");
  std::ofstream(huge, std::ios::trunc) << R"({"iteration_budget_ms": 1e300})";
  expect_usage_error("--budgets " + huge, "iteration_budget_ms must be a number from");
  std::ofstream(huge, std::ios::trunc) << R"({"reserved_ratio_limit": 0})";
  expect_usage_error("--budgets " + huge, "reserved_ratio_limit must be a number from");
}

// Negative numbers used to wrap to 2^64-1 (--warmup -1 ran forever), NaN passed the range check
// and turned the budget off, and --json "" wrote nothing with exit 0.
TEST(Executables, NegativeNanAndEmptyValuesExitTwo) {
  for (const char* flag : {"--iterations", "--warmup", "--limit-mb", "--alloc-budget-us",
                           "--sample-interval-ms", "--attempts"}) {
    expect_usage_error(std::string(flag) + " -1", flag);
    expect_usage_error(std::string(flag) + "=-3", flag);
    expect_usage_error(std::string(flag) + " 1.5", flag);
  }
  for (const char* value : {"nan", "NaN", "inf", "-1", "0"})
    expect_usage_error(std::string("--iteration-budget-ms ") + value, "--iteration-budget-ms");
  expect_usage_error("--budgets \"\"", "must not be empty");
  const Outcome empty_json = run("vector", "--iterations 1 --json \"\"");
  EXPECT_EQ(empty_json.status, 2);
  EXPECT_NE(empty_json.err.find("--json: must not be empty"), std::string::npos) << empty_json.err;
}

TEST(Executables, AFolderAsResultPathExitsTwo) {
  const Outcome outcome = run("vector", "--iterations 1 --json " + ::testing::TempDir());
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("is a directory"), std::string::npos) << outcome.err;
}

#if !defined(_WIN32)
std::string file_type(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::file_status status = fs::symlink_status(path);
  switch (status.type()) {
    case fs::file_type::regular:
      return "regular";
    case fs::file_type::character:
      return "character";
    case fs::file_type::fifo:
      return "fifo";
    case fs::file_type::symlink:
      return "symlink";
    default:
      return "other";
  }
}

// Special files are written in place, never replaced by a regular file (a rename used to turn
// /dev/full into a 7 KB file when run as root); a symbolic link stays a link to the new content.
TEST(Executables, SpecialFilesAreWrittenInPlaceAndLinksStayLinks) {
  const std::string folder = scratch("special");
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  if (getuid() == 0) {  // copies of /dev/full and /dev/null in a scratch folder: mknod needs root
    ASSERT_EQ(mknod((folder + "/full").c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
    ASSERT_EQ(mknod((folder + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    const Outcome full = run("vector", "--iterations 1 --json " + folder + "/full");
    EXPECT_EQ(full.status, 2);
    EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
    EXPECT_EQ(file_type(folder + "/full"), "character");
    const Outcome null =
        run("vector", "--iterations 1 " + counts_only_budgets() + " --json " + folder + "/null");
    EXPECT_EQ(null.status, 0) << null.err;
    EXPECT_EQ(file_type(folder + "/null"), "character");
  }
  ASSERT_EQ(mkfifo((folder + "/fifo").c_str(), 0600), 0);
  // Read by a thread of this test, whose open waits for the run to open the fifo for writing. No
  // timeout decides anything: once the run has ended, the fifo is opened for writing here too
  // (without blocking, so only while the reader waits in its open) until the reader has ended, so
  // that a run that never opened the fifo cannot leave the reader waiting for a writer.
  std::atomic<bool> read_all{false};
  std::string from_fifo;
  std::thread reader([&] {
    from_fifo = read_file(folder + "/fifo");
    read_all.store(true);
  });
  const Outcome fifo =
      run("vector", "--iterations 1 " + counts_only_budgets() + " --json " + folder + "/fifo");
  while (!read_all.load()) {
    const int writer = open((folder + "/fifo").c_str(), O_WRONLY | O_NONBLOCK);
    if (writer >= 0) close(writer);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  reader.join();
  EXPECT_EQ(fifo.status, 0) << fifo.err;
  EXPECT_EQ(file_type(folder + "/fifo"), "fifo");
  EXPECT_EQ(nlohmann::json::parse(from_fifo)["scenario"], "vector");

  std::ofstream(folder + "/target.json") << "old";
  std::filesystem::create_symlink("target.json", folder + "/link.json");
  const Outcome link =
      run("vector", "--iterations 1 " + counts_only_budgets() + " --json " + folder + "/link.json");
  EXPECT_EQ(link.status, 0) << link.err;
  EXPECT_EQ(file_type(folder + "/link.json"), "symlink");
  EXPECT_EQ(nlohmann::json::parse(read_file(folder + "/target.json"))["scenario"], "vector");
}

// A file-size limit (ulimit -f, default SIGXFSZ) used to kill the process mid-write and leave
// NAME.partial behind; now the write fails, the old file stays, nothing else is left.
TEST(Executables, AFileSizeLimitFailsTheWriteAndLeavesNoTemporary) {
  const std::string json_path = scratch("limited.json");
  std::ofstream(json_path) << "old";
  const Outcome outcome = test_support::run_program(
      "/bin/sh", "-c 'ulimit -f 4; exec \"$0\" \"$@\"' " +
                     (std::filesystem::path(SCENARIO_BINARY_DIR) / "scenario_vector").string() +
                     " --iterations 1 " + counts_only_budgets() + " --json " + json_path);
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("cannot write " + json_path + ": File too large"), std::string::npos)
      << outcome.err;
  EXPECT_EQ(read_file(json_path), "old");
  EXPECT_FALSE(std::filesystem::exists(json_path + ".partial"));
}

// An allocation that fails is a breach (exit 1, named in the result), not a crash: refused by the
// live-bytes limit inside the run, refused before the run started, or memory exhausted.
TEST(Executables, AFailedAllocationIsReportedAsABreach) {
  const std::string inside = scratch("inside.json");
  const Outcome limited = test_support::run_program(
      std::filesystem::path(SCENARIO_BINARY_DIR) / "scenario_concepts",
      "--iterations 2 --json " + inside, {{"ALLOC_HOOKS_LIVE_BYTES_LIMIT", "200000"}});
  EXPECT_EQ(limited.status, 1) << limited.err;
  const nlohmann::json result = nlohmann::json::parse(read_file(inside));
  ASSERT_EQ(result["violations"].size(), 1u) << result["violations"];
  EXPECT_EQ(result["violations"][0]["budget"], "allocation_failed");
  EXPECT_EQ(result["violations"][0]["case"], "100 concepts");
  EXPECT_NE(result["violations"][0]["message"].get<std::string>().find(
                "refused by the live-bytes limit of 200000 bytes"),
            std::string::npos);
  EXPECT_FALSE(result["passed"].get<bool>());

  const Outcome before =
      test_support::run_program(std::filesystem::path(SCENARIO_BINARY_DIR) / "scenario_concepts",
                                "--iterations 2", {{"ALLOC_HOOKS_LIVE_BYTES_LIMIT", "1000"}});
  EXPECT_EQ(before.status, 1);
  EXPECT_EQ(before.err,
            "scenario_concepts: Allocation failed outside the measured run: refused by the "
            "live-bytes limit (ALLOC_HOOKS_LIVE_BYTES_LIMIT); no result written\n");

  const std::string exhausted = scratch("exhausted.json");
  const Outcome out_of_memory = test_support::run_program(
      "/bin/sh", "-c 'ulimit -v 4000000; exec \"$0\" \"$@\"' " +
                     (std::filesystem::path(SCENARIO_BINARY_DIR) / "scenario_vector").string() +
                     " --warmup 0 --iterations 1000000000 --json " + exhausted);
  EXPECT_EQ(out_of_memory.status, 1) << out_of_memory.err;
  const nlohmann::json oom = nlohmann::json::parse(read_file(exhausted));
  ASSERT_EQ(oom["violations"].size(), 1u) << oom["violations"];
  EXPECT_EQ(oom["violations"][0]["budget"], "allocation_failed");
  EXPECT_NE(oom["violations"][0]["message"].get<std::string>().find("out of memory"),
            std::string::npos);
}
#endif

TEST(Executables, UnwritableResultPathExitsTwo) {
  const Outcome outcome = run("vector", "--iterations 1 --json /nonexistent/dir/result.json");
  EXPECT_EQ(outcome.status, 2);
  EXPECT_NE(outcome.err.find("cannot write /nonexistent/dir/result.json"), std::string::npos)
      << outcome.err;
}

}  // namespace
