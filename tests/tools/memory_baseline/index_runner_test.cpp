// The runner with the vector index: a run whose reports lead with the verdict summary and the
// build's cost of measuring, and a sweep that answers the largest N within a budget and verifies
// it by running it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "memory_baseline/results.hpp"
#include "support/counts_only_budgets.hpp"
#include "support/run_program.hpp"

namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  const fs::path folder =
      fs::path(::testing::TempDir()) /
      ("index_runner_" +
       std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

test_support::Outcome runner(const std::string& arguments) {
  return test_support::run_program(RUNNER_BINARY, arguments);
}

TEST(IndexRunner, ReportsLeadWithTheVerdictSummaryAndTheCostOfMeasuring) {
  const fs::path folder = scratch();
  const fs::path budgets =
      test_support::write_counts_only_budgets(folder / "counts_only_budgets.json");
  const test_support::Outcome run = runner(
      "run --scenarios vector,index-hnswlib --allocators system,mimalloc --iterations 2 "
      "--budgets " +
      budgets.string() + " --out " + (folder / "out").string());
  ASSERT_EQ(run.status, 0) << run.out << run.err;
  const memory_baseline::Results results =
      memory_baseline::load_results((folder / "out" / "memory_baseline_results.json").string());
  ASSERT_EQ(results.runs.size(), 4u);
  for (const scenarios::ScenarioResult& result : results.runs) {
    if (result.scenario != "index-hnswlib") continue;
    EXPECT_EQ(result.iterations, 1u);  // --iterations is not the phases'
    ASSERT_TRUE(result.index);
    ASSERT_TRUE(result.index->build_cost);
    EXPECT_FALSE(result.index->build_cost->empty());
  }
  const std::string markdown = test_support::read_file(folder / "out" / "report.md");
  const std::size_t summary = markdown.find("## Summary");
  ASSERT_NE(summary, std::string::npos) << markdown;
  EXPECT_LT(summary, markdown.find("## What measuring costs the index build"));
  EXPECT_LT(markdown.find("## What measuring costs the index build"), markdown.find("# Details"));
  EXPECT_NE(markdown.find("| index-hnswlib | mimalloc | held |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| index-hnswlib | system | 1 |"), std::string::npos) << markdown;
}

// The limit (MiB) leaves ~20 MiB above what a process holds besides its index, ~12 MiB of RSS on
// Linux. Not under wine: there a process's working set before its index varies by tens of MiB
// from run to run (wine's own mappings, docs/windows.md), so the answer under a small limit would
// be wine's.
constexpr int kSweepLimitMb = 32;

TEST(IndexRunner, SweepAnswersTheLargestNAndVerifiesIt) {
#if defined(_WIN32)
  GTEST_SKIP() << "under wine the working set before the index varies by tens of MiB";
#endif
  const fs::path folder = scratch();
  const test_support::Outcome run = runner(
      "sweep --engines hnswlib --allocators system,mimalloc --sizes 4000,8000,12000 "
      "--limit-mb " +
      std::to_string(kSweepLimitMb) + " --verify --out " + (folder / "out").string());
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.out << run.err;
  EXPECT_NE(run.out.find("sweep [1/6] index-hnswlib N=4000 under system ... peak live"),
            std::string::npos)
      << run.out;
  const memory_baseline::Results results =
      memory_baseline::load_results((folder / "out" / "memory_baseline_results.json").string());
  ASSERT_TRUE(results.sweep);
  const memory_baseline::SweepDocument& sweep = *results.sweep;
  EXPECT_EQ(sweep.points.size(), 6u);
  ASSERT_EQ(sweep.fits.size(), 2u);
  for (const memory_baseline::SweepFit& fit : sweep.fits) {
    ASSERT_TRUE(fit.largest_n) << fit.allocator << ": " << fit.bound_by;
    // hnswlib keeps ~740 bytes per 128-d vector (docs/scenarios.md): ~20 MiB of room are
    // reached in the tens of thousands.
    EXPECT_GT(*fit.largest_n, 12000u);
    EXPECT_LT(*fit.largest_n, 60000u);
  }
  // A verification holds exactly when the run's peaks stayed within the limit; an answer that did
  // not hold is moved and run again (at most three runs), the last answer run is the fit's
  // `verified`, and the sweep fails (status 1) exactly when one of those did not hold.
  ASSERT_TRUE(sweep.verifications);
  const std::vector<memory_baseline::SweepVerification>& checks = *sweep.verifications;
  ASSERT_GE(checks.size(), 4u);
  ASSERT_LE(checks.size(), 8u);
  std::map<std::string, std::pair<std::uint64_t, bool>> last_answer;  // by allocator
  for (const memory_baseline::SweepVerification& check : checks) {
    const std::uint64_t limit = std::uint64_t{kSweepLimitMb} << 20;
    if (check.peak_rss_bytes && check.peak_live_bytes) {
      EXPECT_EQ(check.held, *check.peak_rss_bytes <= limit && *check.peak_live_bytes <= limit)
          << check.allocator << " N=" << check.n;
    }
    if (check.expected_to_hold) last_answer[check.allocator] = {check.n, check.held};
  }
  bool answers_held = true;
  for (const memory_baseline::SweepFit& fit : sweep.fits) {
    const auto& [n, held] = last_answer.at(fit.allocator);
    EXPECT_EQ(fit.largest_n, n);
    EXPECT_EQ(fit.verified, held);
    answers_held = answers_held && held;
  }
  EXPECT_EQ(run.status, answers_held ? 0 : 1);
  const std::string markdown = test_support::read_file(folder / "out" / "report.md");
  EXPECT_NE(markdown.find("## Largest N within the budget"), std::string::npos);
  EXPECT_NE(markdown.find("- index-hnswlib under mimalloc: at most "), std::string::npos);
  const std::string html = test_support::read_file(folder / "out" / "report.html");
  EXPECT_NE(html.find("<canvas id=\"sweep-hnswlib\">"), std::string::npos);
}

TEST(IndexRunner, BadSweepInputExitsTwoWithOneLine) {
  for (const std::string& arguments :
       {std::string("sweep --engines annoy"), std::string("sweep --sizes 0"),
        std::string("sweep --sizes ten"), std::string("sweep --dim 0"),
        std::string("sweep --limit-mb -1"), std::string("sweep --max-n -1"),
        std::string("sweep --max-n 1.5"), std::string("sweep --min-recall 1.5"),
        std::string("sweep --min-recall nan"), std::string("sweep --jobs 0"),
        std::string("run --sweep --jobs two")}) {
    const fs::path folder = scratch();
    const test_support::Outcome outcome = runner(arguments + " --out " + (folder / "out").string());
    EXPECT_EQ(outcome.status, 2) << arguments;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
    const std::string flag = arguments.substr(arguments.rfind("--"));
    EXPECT_NE(outcome.err.find(flag.substr(0, flag.find(' '))), std::string::npos) << outcome.err;
    EXPECT_FALSE(fs::exists(folder / "out")) << arguments;
  }
}

}  // namespace
