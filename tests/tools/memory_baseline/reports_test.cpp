// Reports from a fixture results file: the tables hold the right numbers in every format.
#include <gtest/gtest.h>

#include "memory_baseline/report_tables.hpp"
#include "memory_baseline/reports.hpp"

namespace {

memory_baseline::Results fixture() {
  return memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
}

scenarios::Violation violation(const std::string& budget, const std::string& message) {
  scenarios::Violation violation;
  violation.budget = budget;
  violation.message = message;
  return violation;
}

const memory_baseline::ReportRow& row(const memory_baseline::ReportTable& table,
                                      const std::string& figure) {
  for (const memory_baseline::ReportRow& candidate : table.rows) {
    if (candidate.figure == figure) return candidate;
  }
  throw std::runtime_error("no row " + figure);
}

TEST(ReportTables, OneTablePerScenarioWithAllocatorsSideBySide) {
  const std::vector<memory_baseline::ReportTable> tables =
      memory_baseline::build_report_tables(fixture());
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].scenario, "concepts");
  EXPECT_EQ(tables[0].allocators, (std::vector<std::string>{"system", "mimalloc"}));
  const memory_baseline::ReportRow& requested = row(tables[0], "100 concepts: requested bytes");
  EXPECT_EQ(requested.cells, (std::vector<std::string>{"219080", "219080"}));
  EXPECT_EQ(requested.ratio, "1.00");
  const memory_baseline::ReportRow& reserved = row(tables[0], "100 concepts: reserved bytes");
  EXPECT_EQ(reserved.cells, (std::vector<std::string>{"219952", "272320"}));
  EXPECT_EQ(reserved.ratio, "1.24");
  EXPECT_EQ(row(tables[0], "100 concepts: slack bytes").cells,
            (std::vector<std::string>{"872", "53240"}));
  EXPECT_EQ(row(tables[0], "100 concepts: alloc latency p99 ns").cells,
            (std::vector<std::string>{"11114", "19053"}));
  EXPECT_EQ(row(tables[1], "peak RSS bytes").cells,
            (std::vector<std::string>{"5369856", "5566464"}));
  EXPECT_EQ(row(tables[1], "budget growth_limit_mb").cells,
            (std::vector<std::string>{"held", "held"}));
}

TEST(ReportTables, BreachedBudgetsShowAsBreached) {
  memory_baseline::Results results = fixture();
  results.runs[0].violations.push_back(violation("alloc_budget_us", "Allocation exceeded 5ms"));
  EXPECT_EQ(row(memory_baseline::build_report_tables(results)[0], "budget alloc_budget_us").cells,
            (std::vector<std::string>{"BREACHED", "held"}));
}

// A run that stopped on a failed allocation has no cases; its breach still gets a row.
TEST(ReportTables, AFailedAllocationGetsItsRowAndARunWithoutCasesIsShown) {
  memory_baseline::Results results = fixture();
  results.runs[0].cases.clear();
  results.runs[0].violations.push_back(
      violation("allocation_failed", "Allocation failed: out of memory"));
  const std::vector<memory_baseline::ReportTable> tables =
      memory_baseline::build_report_tables(results);
  EXPECT_EQ(row(tables[0], "budget allocation_failed").cells,
            (std::vector<std::string>{"BREACHED", "held"}));
  EXPECT_NE(memory_baseline::markdown_report(results).find("Allocation failed: out of memory"),
            std::string::npos);
}

// What the kernel did inside a case's calls, per iteration: the kinds that happened, "none", or
// "–" where nothing was watched (perf events not allowed).
TEST(ReportTables, KernelEventsInsideCallsPerIteration) {
  memory_baseline::Results results = fixture();
  scenarios::ScenarioResult& system = results.runs[0];
  ASSERT_EQ(system.scenario, "concepts");
  system.cases[0].iterations = 100;
  const auto counts = [](std::uint64_t faults, std::uint64_t brk) {
    scenarios::KernelEventFigures figures;
    figures.page_faults = faults;
    figures.brk = brk;
    return figures;
  };
  system.kernel_events = {true, true, std::nullopt};
  system.cases[0].kernel_events = {counts(1717, 101), counts(0, 200)};
  scenarios::ScenarioResult& mimalloc = results.runs[2];
  ASSERT_EQ(mimalloc.allocator.name, "mimalloc");
  mimalloc.kernel_events = {true, false, "system calls not counted: ..."};
  mimalloc.cases[0].kernel_events = {counts(0, 0), counts(0, 0)};
  const memory_baseline::ReportTable table = memory_baseline::build_report_tables(results)[0];
  const memory_baseline::ReportRow& in_allocations =
      row(table, "100 concepts: kernel events in allocations per iteration");
  EXPECT_EQ(in_allocations.cells, (std::vector<std::string>{"1.01 brk, 17.17 page faults",
                                                            "none (system calls not watched)"}));
  EXPECT_EQ(in_allocations.ratio, "0.00");
  EXPECT_EQ(row(table, "100 concepts: kernel events in frees per iteration").cells,
            (std::vector<std::string>{"2.00 brk", "none (system calls not watched)"}));
  mimalloc.kernel_events = {false, false, "perf_event_open: not allowed"};
  EXPECT_EQ(row(memory_baseline::build_report_tables(results)[0],
                "100 concepts: kernel events in frees per iteration")
                .cells,
            (std::vector<std::string>{"2.00 brk", "–"}));
}

TEST(MarkdownReport, HoldsTheTableRows) {
  const std::string markdown = memory_baseline::markdown_report(fixture());
  EXPECT_NE(markdown.find("## concepts\n\n| figure | system | mimalloc | mimalloc / system |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| 100 concepts: reserved bytes | 219952 | 272320 | 1.24 |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| pattern: requested bytes | 82920 | 82920 | 1.00 |"),
            std::string::npos);
}

TEST(HtmlReport, IsSelfContainedWithEveryChartAndTable) {
  const std::string html = memory_baseline::html_report(fixture());
  EXPECT_NE(html.find("Chart.js v3.9.1"), std::string::npos);  // embedded, not linked
  EXPECT_EQ(html.find("<script src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  for (const char* id :
       {"latency-concepts", "memory-concepts", "latency-fragmentation", "memory-fragmentation",
        "bars-peak-rss", "bars-reserved-ratio", "chart-status"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(
      html.find("<td>100 concepts: reserved bytes</td><td>219952</td><td>272320</td><td>1.24</td>"),
      std::string::npos);
}

TEST(Compliance, LinesFollowTheViolations) {
  memory_baseline::Results results = fixture();
  EXPECT_EQ(memory_baseline::compliance_lines(results, "report.html"),
            "Gated on: system, mimalloc\nAll tests stayed within the 1 GiB memory limit\nAll "
            "allocations stayed within 5 ms\n");
  results.runs[2].violations.push_back(violation("process_limit_mb", ""));
  EXPECT_EQ(memory_baseline::compliance_lines(results, "report.html"),
            "Gated on: system, mimalloc\nWARNING: Some tests exceeded the 1 GiB memory limit\n"
            "All allocations stayed within 5 ms\n"
            "BREACHED: concepts under mimalloc: process memory (peak live bytes and peak RSS): 0 "
            "> 0 (the seed task's 1 GB process limit, 1 GiB here); see "
            "report.html#scenario-concepts\n"
            "WARNING: 1 budget breached under the gated allocators (the BREACHED line above)\n");
}

}  // namespace
