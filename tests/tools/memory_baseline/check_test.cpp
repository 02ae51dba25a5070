// The baseline gate on a fixture results file: identical runs pass, each kind of injected
// regression fails naming the figure, and tolerances are respected.
#include <gtest/gtest.h>

#include <algorithm>

#include "memory_baseline/check.hpp"

namespace {

using memory_baseline::Finding;
using memory_baseline::Results;

Results fixture() {
  return memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
}

nlohmann::json& first_case(Results& results) {
  return results.document["runs"][0]["cases"][0];
}

std::vector<Finding> check(const Results& baseline, const Results& current) {
  return memory_baseline::check_against_baseline(baseline, current, memory_baseline::Tolerances{});
}

TEST(Check, IdenticalResultsPass) {
  EXPECT_TRUE(check(fixture(), fixture()).empty());
}

TEST(Check, ExactFiguresMustMatch) {
  for (const char* figure : {"requested_bytes", "allocations"}) {
    Results current = fixture();
    first_case(current)[figure] = first_case(current)[figure].get<std::uint64_t>() + 8;
    const std::vector<Finding> findings = check(fixture(), current);
    ASSERT_EQ(findings.size(), 1u) << figure;
    EXPECT_EQ(findings[0].figure, figure);
    EXPECT_EQ(findings[0].run, "concepts/system");
    EXPECT_EQ(findings[0].describe().rfind("CHANGED concepts/system case '100 concepts' ", 0), 0u)
        << findings[0].describe();
  }
}

TEST(Check, TimeFiguresMayGrowUpToTheirTolerance) {
  for (const char* pointer :
       {"/alloc_latency_ns/p50", "/alloc_latency_ns/p99", "/alloc_latency_ns/p999",
        "/iteration_ns/median", "/iteration_ns/p99"}) {
    const nlohmann::json::json_pointer path(pointer);
    Results within = fixture(), beyond = fixture();
    const double old_value = first_case(within)[path].get<double>() + 10'000;
    first_case(within)[path] = old_value;
    first_case(beyond)[path] = old_value;
    Results baseline = fixture();
    first_case(baseline)[path] = old_value;
    first_case(within)[path] = old_value * 2.9;
    first_case(beyond)[path] = old_value * 3.1;
    EXPECT_TRUE(check(baseline, within).empty()) << pointer;
    const std::vector<Finding> findings = check(baseline, beyond);
    ASSERT_EQ(findings.size(), 1u) << pointer;
    std::string dotted = pointer + 1;
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    EXPECT_EQ(findings[0].figure, dotted);
    EXPECT_NE(findings[0].describe().find("REGRESSED"), std::string::npos);
    EXPECT_NE(findings[0].describe().find("(3.10x, allowed 3.00x)"), std::string::npos)
        << findings[0].describe();
  }
}

TEST(Check, TheSlowestSingleAllocationIsNotGated) {
  Results current = fixture();
  first_case(current)["alloc_latency_ns"]["max"] =
      first_case(current)["alloc_latency_ns"]["max"].get<double>() * 100;
  EXPECT_TRUE(check(fixture(), current).empty());
}

TEST(Check, TinyTimesBelowTheSlackAreNotRegressions) {
  Results baseline = fixture(), current = fixture();
  first_case(baseline)["alloc_latency_ns"]["p50"] = 10;
  first_case(current)["alloc_latency_ns"]["p50"] = 40;  // 4x, but only 30 ns more
  EXPECT_TRUE(check(baseline, current).empty());
}

TEST(Check, PeakRssMayGrowUpToItsTolerance) {
  Results within = fixture(), beyond = fixture();
  const double rss = within.document["runs"][1]["process"]["peak_rss_bytes"].get<double>();
  within.document["runs"][1]["process"]["peak_rss_bytes"] = rss * 1.4;
  beyond.document["runs"][1]["process"]["peak_rss_bytes"] = rss * 1.6;
  EXPECT_TRUE(check(fixture(), within).empty());
  const std::vector<Finding> findings = check(fixture(), beyond);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].figure, "process.peak_rss_bytes");
  EXPECT_EQ(findings[0].run, "fragmentation/system");
}

TEST(Check, TolerancesAreTheCallersToSet) {
  Results current = fixture();
  first_case(current)["iteration_ns"]["p99"] =
      first_case(current)["iteration_ns"]["p99"].get<double>() * 1.2 + 5000;
  memory_baseline::Tolerances strict;
  strict.iteration_ratio = 1.1;
  EXPECT_EQ(memory_baseline::check_against_baseline(fixture(), current, strict).size(), 1u);
  EXPECT_TRUE(check(fixture(), current).empty());
}

TEST(Check, MissingRunsAndCasesAreNamed) {
  Results current = fixture();
  current.document["runs"].erase(3);
  first_case(current)["name"] = "renamed";
  const std::vector<Finding> findings = check(fixture(), current);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].describe(),
            "MISSING case concepts/system case '100 concepts': in the baseline, not in this run");
  EXPECT_EQ(findings[1].describe(),
            "MISSING run fragmentation/mimalloc: in the baseline, not in this run");
}

TEST(Provenance, DifferencesAreListedOnce) {
  Results other = fixture();
  other.document["provenance"]["compiler"] = "gcc 13.1.0";
  for (nlohmann::json& run : other.document["runs"]) {
    if (run["allocator"]["name"] == "mimalloc") run["allocator"]["version"] = "mimalloc 2.1.2";
  }
  const std::vector<std::string> lines = memory_baseline::provenance_differences(fixture(), other);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("compiler: ", 0), 0u);
  EXPECT_EQ(lines[1], "mimalloc allocator: mimalloc 2.0.9 -> mimalloc 2.1.2");
}

}  // namespace

namespace {

TEST(Check, ABreachedBudgetFailsTheGate) {
  Results current = fixture();
  current.document["runs"][0]["violations"].push_back(
      {{"budget", "process_limit_mb"},
       {"case", ""},
       {"limit", 0},
       {"observed", 5.1},
       {"message", "Total memory exceeded the 0 MiB limit: peak RSS 5.1 MiB > 0 MiB"}});
  const std::vector<Finding> findings = check(fixture(), current);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].describe(),
            "BREACHED concepts/system budget process_limit_mb: Total memory exceeded the 0 MiB "
            "limit: peak RSS 5.1 MiB > 0 MiB");
}

}  // namespace
