// The baseline gate on a fixture results file: identical runs pass, each kind of injected
// regression fails naming the figure, and tolerances are respected.
#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "memory_baseline/check.hpp"

namespace {

using memory_baseline::Finding;
using memory_baseline::Results;

Results fixture() {
  return memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
}

scenarios::CaseFigures& first_case(Results& results) {
  return results.runs[0].cases[0];
}

std::vector<Finding> check(const Results& baseline, const Results& current) {
  return memory_baseline::check_against_baseline(baseline, current, memory_baseline::Tolerances{});
}

TEST(Check, IdenticalResultsPass) {
  EXPECT_TRUE(check(fixture(), fixture()).empty());
}

TEST(Check, ExactFiguresMustMatch) {
  for (const auto& [figure, member] :
       {std::pair{"requested_bytes", &scenarios::CaseFigures::requested_bytes},
        std::pair{"allocations", &scenarios::CaseFigures::allocations}}) {
    Results current = fixture();
    first_case(current).*member += 8;
    const std::vector<Finding> findings = check(fixture(), current);
    ASSERT_EQ(findings.size(), 1u) << figure;
    EXPECT_EQ(findings[0].figure, figure);
    EXPECT_EQ(findings[0].run, "concepts/system");
    EXPECT_EQ(findings[0].describe().rfind("CHANGED concepts/system case '100 concepts' ", 0), 0u)
        << findings[0].describe();
  }
}

// Each time figure the gate holds to a tolerance: its name in the findings, and where it is.
struct TimeFigure {
  const char* name;
  std::uint64_t& (*at)(scenarios::CaseFigures&);
};
constexpr TimeFigure kTimeFigures[] = {
    {"alloc_latency_ns.p50", [](auto& c) -> std::uint64_t& { return c.alloc_latency_ns.p50_ns; }},
    {"alloc_latency_ns.p99", [](auto& c) -> std::uint64_t& { return c.alloc_latency_ns.p99_ns; }},
    {"alloc_latency_ns.p999", [](auto& c) -> std::uint64_t& { return c.alloc_latency_ns.p999_ns; }},
    {"iteration_ns.median", [](auto& c) -> std::uint64_t& { return c.iteration_ns.median; }},
    {"iteration_ns.p99", [](auto& c) -> std::uint64_t& { return c.iteration_ns.p99; }},
};

TEST(Check, TimeFiguresMayGrowUpToTheirTolerance) {
  for (const TimeFigure& figure : kTimeFigures) {
    Results within = fixture(), beyond = fixture(), baseline = fixture();
    const std::uint64_t old_value = figure.at(first_case(within)) + 10'000;
    figure.at(first_case(baseline)) = old_value;
    figure.at(first_case(within)) = old_value * 29 / 10;
    figure.at(first_case(beyond)) = old_value * 31 / 10;
    EXPECT_TRUE(check(baseline, within).empty()) << figure.name;
    const std::vector<Finding> findings = check(baseline, beyond);
    ASSERT_EQ(findings.size(), 1u) << figure.name;
    EXPECT_EQ(findings[0].figure, figure.name);
    EXPECT_NE(findings[0].describe().find("REGRESSED"), std::string::npos);
    EXPECT_NE(findings[0].describe().find("(3.10x, allowed 3.00x)"), std::string::npos)
        << findings[0].describe();
  }
}

TEST(Check, TheSlowestSingleAllocationIsNotGated) {
  Results current = fixture();
  first_case(current).alloc_latency_ns.max_ns *= 100;
  EXPECT_TRUE(check(fixture(), current).empty());
}

TEST(Check, TinyTimesBelowTheSlackAreNotRegressions) {
  Results baseline = fixture(), current = fixture();
  first_case(baseline).alloc_latency_ns.p50_ns = 10;
  first_case(current).alloc_latency_ns.p50_ns = 40;  // 4x, but only 30 ns more
  EXPECT_TRUE(check(baseline, current).empty());
}

TEST(Check, PeakRssMayGrowUpToItsTolerance) {
  Results within = fixture(), beyond = fixture();
  const std::uint64_t rss = within.runs[1].process.peak_rss_bytes;
  within.runs[1].process.peak_rss_bytes = rss * 14 / 10;
  beyond.runs[1].process.peak_rss_bytes = rss * 16 / 10;
  EXPECT_TRUE(check(fixture(), within).empty());
  const std::vector<Finding> findings = check(fixture(), beyond);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].figure, "process.peak_rss_bytes");
  EXPECT_EQ(findings[0].run, "fragmentation/system");
}

TEST(Check, TolerancesAreTheCallersToSet) {
  Results current = fixture();
  first_case(current).iteration_ns.p99 = first_case(current).iteration_ns.p99 * 12 / 10 + 5000;
  memory_baseline::Tolerances strict;
  strict.iteration_ratio = 1.1;
  EXPECT_EQ(memory_baseline::check_against_baseline(fixture(), current, strict).size(), 1u);
  EXPECT_TRUE(check(fixture(), current).empty());
}

TEST(Check, MissingRunsAndCasesAreNamed) {
  Results current = fixture();
  current.runs.erase(current.runs.begin() + 3);
  first_case(current).name = "renamed";
  const std::vector<Finding> findings = check(fixture(), current);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].describe(),
            "MISSING case concepts/system case '100 concepts': in the baseline, not in this run");
  EXPECT_EQ(findings[1].describe(),
            "MISSING run fragmentation/mimalloc: in the baseline, not in this run");
}

TEST(Provenance, DifferencesAreListedOnce) {
  Results other = fixture();
  other.provenance->compiler = "gcc 13.1.0";
  for (scenarios::ScenarioResult& run : other.runs) {
    if (run.allocator.name == "mimalloc") run.allocator.version = "mimalloc 2.1.2";
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
  scenarios::Violation& violation = current.runs[0].violations.emplace_back();
  violation.budget = "process_limit_mb";
  violation.observed = 5.1;
  violation.message = "Total memory exceeded the 0 MiB limit: peak RSS 5.1 MiB > 0 MiB";
  const std::vector<Finding> findings = check(fixture(), current);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].describe(),
            "BREACHED concepts/system budget process_limit_mb: Total memory exceeded the 0 MiB "
            "limit: peak RSS 5.1 MiB > 0 MiB");
}

}  // namespace
