// The verdict: the gating set, every breach named in one line, findings under the allocators that
// ran only for comparison, and the closing lines.
#include <gtest/gtest.h>

#include <alloc_hooks/alloc_hooks.hpp>
#include <fstream>
#include <scenarios/budgets.hpp>
#include <scenarios/catalogue.hpp>

#include "memory_baseline/check.hpp"
#include "memory_baseline/reports.hpp"
#include "memory_baseline/verdict.hpp"

namespace {

using memory_baseline::Breach;
using memory_baseline::Results;

// The fixture has concepts and fragmentation under system and mimalloc, every budget held, and no
// gating_allocators (as written before the field existed): it gates on every allocator it has.
Results fixture() {
  return memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
}

// The same runs, with mimalloc's relabelled as tcmalloc's and the gating set as a fresh run of
// system and tcmalloc without --allocators writes it (gating_set({}, false, {system, tcmalloc})).
Results with_tcmalloc() {
  Results results = fixture();
  for (scenarios::ScenarioResult& run : results.runs) {
    if (run.allocator.name == "mimalloc") run.allocator.name = "tcmalloc";
  }
  results.gating_allocators = memory_baseline::gating_set({}, false, {"system", "tcmalloc"});
  return results;
}

// budget, case, limit, observed, unit, message, preempted, figure
scenarios::Violation rss_violation() {
  return {"reserved_ratio_limit",
          "100 concepts",
          2.0,
          4.24,
          "x",
          "Memory delta too high: RSS grew ...",
          false,
          "RSS growth / expected"};
}

const memory_baseline::FailedRun kAbortedRun = {"concurrent", "system", 134, "Aborted",
                                                "results/runs/concurrent-system.log"};

TEST(GatingSet, DefaultsToSystemAndMimallocElseTheNamedAllocators) {
  const std::vector<std::string> all = {"system", "mimalloc", "jemalloc", "tcmalloc"};
  EXPECT_EQ(memory_baseline::gating_set({}, false, all),
            (std::vector<std::string>{"system", "mimalloc"}));
  EXPECT_EQ(memory_baseline::gating_set({}, true, all), all);
  EXPECT_EQ(memory_baseline::gating_set({"tcmalloc", "system"}, false, all),
            (std::vector<std::string>{"system", "tcmalloc"}));
  // A default the build lacks is left out, not an error.
  EXPECT_EQ(memory_baseline::gating_set({}, false, {"system", "jemalloc"}),
            (std::vector<std::string>{"system"}));
  EXPECT_THROW(memory_baseline::gating_set({"tcmalloc"}, true, {"system"}),
               memory_baseline::InputError);
}

TEST(GatingSet, AResultsFileWithoutTheFieldGatesOnEveryAllocator) {
  EXPECT_EQ(memory_baseline::gating_allocators(fixture()),
            (std::vector<std::string>{"system", "mimalloc"}));
  EXPECT_TRUE(memory_baseline::gates_on(with_tcmalloc(), "system"));
  EXPECT_FALSE(memory_baseline::gates_on(with_tcmalloc(), "tcmalloc"));
}

TEST(Breaches, ABreachUnderAGatedAllocatorIsNamedInOneLine) {
  Results results = fixture();
  results.runs[1].violations.push_back({"alloc_budget_us", "pattern", 5.0, 6.1, "ms",
                                        "Allocation exceeded 5ms budget", false,
                                        "slowest allocation"});
  const std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].gated);
  EXPECT_EQ(memory_baseline::breach_line(all[0], "results/report.html"),
            "BREACHED: fragmentation under system, case pattern: time of every single "
            "allocation: slowest allocation 6.100 ms > 5.000 ms (the seed task's 5 ms per "
            "allocation); see results/report.html#scenario-fragmentation");
  // Within the report the line is the link itself.
  EXPECT_EQ(memory_baseline::breach_line(all[0], "").find("; see"), std::string::npos);
  EXPECT_FALSE(memory_baseline::passes(results));
}

TEST(Breaches, ALimitSetForTheRunIsNamedAsTheRunsNotTheSeedTasks) {
  Results results = fixture();
  results.runs[1].budgets.alloc_budget_us = 1;
  results.runs[1].violations.push_back({"alloc_budget_us", "pattern", 0.001, 0.004, "ms",
                                        "Allocation exceeded", false, "slowest allocation"});
  std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].origin, "this run's limit, in place of the seed task's 5 ms per allocation");
  // The default's value given explicitly is still the seed task's limit.
  results.runs[1].budgets.alloc_budget_us = 5000;
  EXPECT_EQ(memory_baseline::breaches(results)[0].origin, "the seed task's 5 ms per allocation");
}

TEST(Breaches, UnderAnAllocatorNotGatedItIsAFindingWithTheAllocatorsDesign) {
  Results results = with_tcmalloc();
  results.runs[2].violations.push_back(rss_violation());
  // The thread-cache note belongs to a multi-threaded workload's RSS only.
  EXPECT_EQ(memory_baseline::breaches(results)[0].note, "");
  results.runs[2].parameters["threads"] = 4;
  const std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].gated);
  const std::string line = memory_baseline::breach_line(all[0], "report.html");
  EXPECT_EQ(line.rfind("finding (not gated): under tcmalloc, concepts, case 100 concepts would "
                       "breach memory held per expected byte (reserved bytes; RSS growth): RSS "
                       "growth / expected 4.24x > 2.00x (the seed task's",
                       0),
            0u)
      << line;
  EXPECT_NE(line.find("; tcmalloc keeps what a thread frees in that thread's own cache"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("; see report.html#scenario-concepts"), std::string::npos) << line;
  EXPECT_TRUE(memory_baseline::passes(results));
}

TEST(Breaches, GatedOnesComeFirst) {
  Results results = with_tcmalloc();
  results.runs[2].violations.push_back(rss_violation());
  results.runs[1].violations.push_back(
      {"leak", "pattern", 0, 4096, "bytes", "Leak", false, "bytes left live"});
  const std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].budget, "leak");
  EXPECT_EQ(all[0].measured, "bytes left live 4096 bytes > 0 bytes");
  EXPECT_EQ(all[1].budget, "reserved_ratio_limit");
}

TEST(Breaches, RunsThatWroteNoResultAndSweepAnswersThatDidNotHoldAreBreaches) {
  Results results = with_tcmalloc();
  results.failed_runs = {kAbortedRun};
  memory_baseline::SweepDocument& sweep = *results.sweep;
  sweep.fits.at(0).verified = false;
  sweep.failures = {{"hnswlib", "tcmalloc", 20000, 1, "killed"}};
  const std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(memory_baseline::breach_line(all[0], "r.html"),
            "BREACHED: concurrent under system: the scenario runs to its end: exit status 134: "
            "Aborted (log: results/runs/concurrent-system.log) (this tool's own); see "
            "r.html#verdict");
  EXPECT_EQ(all[1].scenario, "sweep index-" + sweep.fits.at(0).engine);
  EXPECT_TRUE(all[1].gated == memory_baseline::gates_on(results, sweep.fits.at(0).allocator));
  EXPECT_EQ(all[2].measured, "the point N=20000 wrote no result (exit status 1): killed");
  EXPECT_FALSE(all[2].gated);
  EXPECT_FALSE(memory_baseline::passes(results));
  EXPECT_EQ(all[1].origin, "the seed task's 1 GB process limit, 1 GiB here");
  sweep.limit_mb = 512;
  EXPECT_EQ(memory_baseline::breaches(results)[1].origin,
            "this run's limit, in place of the seed task's 1 GB process limit, 1 GiB here");
}

TEST(ClosingLines, NameTheGatingSetTheLimitsAndEveryBreach) {
  Results results = with_tcmalloc();
  EXPECT_EQ(memory_baseline::compliance_lines(results, "out/report.html"),
            "Gated on: system (tcmalloc ran for comparison: their breaches are findings)\n"
            "All tests stayed within the 1 GiB memory limit\n"
            "All allocations stayed within 5 ms\n");
  results.runs[2].violations.push_back(rss_violation());
  results.runs[0].violations.push_back(
      {"process_limit_mb", "", 1024, 1100.5, "MiB", "Total memory exceeded", false, "peak RSS"});
  const std::string lines = memory_baseline::compliance_lines(results, "out/report.html");
  EXPECT_EQ(lines.substr(0, lines.find("finding (not gated)")),
            "Gated on: system (tcmalloc ran for comparison: their breaches are findings)\n"
            "WARNING: Some tests exceeded the 1 GiB memory limit\n"
            "All allocations stayed within 5 ms\n"
            "BREACHED: concepts under system: process memory (peak live bytes and peak RSS): "
            "peak RSS 1100.50 MiB > 1024.00 MiB (the seed task's 1 GB process limit, 1 GiB "
            "here); see out/report.html#scenario-concepts\n");
  EXPECT_NE(lines.find("\nWARNING: 1 budget breached under the gated allocators (the BREACHED "
                       "line above)\n"),
            std::string::npos)
      << lines;
  EXPECT_EQ(memory_baseline::verdict_words(results),
            "Verdict: 1 budget BREACHED under the gated allocators (system); 1 finding under the "
            "allocators that ran for comparison.");
}

TEST(ClosingLines, SayTheLimitsTheRunsHad) {
  Results results = fixture();
  for (scenarios::ScenarioResult& run : results.runs) {
    run.budgets.process_limit_mb = 512;
    run.budgets.alloc_budget_us = 250;
  }
  const std::string lines = memory_baseline::compliance_lines(results, "");
  EXPECT_NE(lines.find("All tests stayed within the 512 MiB memory limit\n"
                       "All allocations stayed within 250 us\n"),
            std::string::npos)
      << lines;
}

TEST(Reports, ShowEachBreachAndFindingWithItsSection) {
  Results results = with_tcmalloc();
  results.runs[2].violations.push_back(rss_violation());
  const std::string markdown = memory_baseline::markdown_report(results);
  EXPECT_NE(markdown.find("Verdict: every budget held under the gated allocators (system); 1 "
                          "finding under the allocators that ran for comparison.\n- finding (not "
                          "gated): under tcmalloc, concepts"),
            std::string::npos)
      << markdown;
  const std::string html = memory_baseline::html_report(results);
  EXPECT_NE(html.find("<li class=\"finding\"><a href=\"#scenario-concepts\">finding (not gated): "
                      "under tcmalloc, concepts"),
            std::string::npos);
  EXPECT_NE(html.find("<h2 id=\"scenario-concepts\">concepts</h2>"), std::string::npos);
  // Every breach's link leads somewhere on the page: a run that wrote no result, a sweep answer.
  results.failed_runs = {kAbortedRun};
  results.sweep->fits.at(0).verified = false;
  const std::string page = memory_baseline::html_report(results);
  const std::vector<Breach> all = memory_baseline::breaches(results);
  ASSERT_EQ(all.size(), 3u);
  for (const Breach& breach : all) {
    EXPECT_NE(page.find("id=\"" + breach.anchor + "\""), std::string::npos) << breach.anchor;
    EXPECT_NE(page.find("<a href=\"#" + breach.anchor + "\">"), std::string::npos) << breach.anchor;
  }
}

// The check gate fails only on what it gates on; the rest is listed.
TEST(Check, ABreachUnderAnAllocatorNotGatedIsListedButDoesNotFail) {
  const Results baseline = with_tcmalloc();
  Results current = with_tcmalloc();
  current.runs[2].violations.push_back(rss_violation());
  const std::vector<memory_baseline::Finding> findings =
      memory_baseline::check_against_baseline(baseline, current, {});
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].gated);
  EXPECT_NE(findings[0].describe().find("concepts/tcmalloc case '100 concepts' (not gated: a "
                                        "finding only) budget reserved_ratio_limit"),
            std::string::npos)
      << findings[0].describe();
}

// One list for one fact: the schema's enum of violation budgets is the catalogue's keys.
TEST(BudgetKinds, AreTheResultSchemasViolationBudgets) {
  std::ifstream file(RESULT_SCHEMA);
  const nlohmann::json schema = nlohmann::json::parse(file);
  const nlohmann::json& keys = schema.at(
      nlohmann::json::json_pointer("/properties/violations/items/properties/budget/enum"));
  std::vector<std::string> catalogue;
  for (const scenarios::BudgetKind& kind : scenarios::kBudgetKinds) catalogue.push_back(kind.key);
  EXPECT_EQ(keys.get<std::vector<std::string>>(), catalogue);
  for (const scenarios::BudgetKind& kind : scenarios::kBudgetKinds) {
    EXPECT_EQ(scenarios::budget_kind(kind.key), &kind);
    EXPECT_GT(std::string(kind.words).size(), 0u);
    EXPECT_GT(std::string(kind.origin).size(), 0u);
  }
  EXPECT_EQ(scenarios::budget_kind("no_such_budget"), nullptr);
}

// The schema's scenario names are the catalogue's: the seed workloads, then index-ENGINE.
TEST(Catalogue, IsTheResultSchemasScenarios) {
  std::ifstream file(RESULT_SCHEMA);
  const nlohmann::json schema = nlohmann::json::parse(file);
  std::vector<std::string> catalogue(std::begin(scenarios::kSeedScenarioNames),
                                     std::end(scenarios::kSeedScenarioNames));
  for (const scenarios::IndexEngineChoice& engine : scenarios::kIndexEngines)
    catalogue.push_back(std::string("index-") + engine.name);
  EXPECT_EQ(schema.at(nlohmann::json::json_pointer("/properties/scenario/enum"))
                .get<std::vector<std::string>>(),
            catalogue);
}

// The result's kernel-event counts name the hooks' list of kinds, in its order.
TEST(KernelEventKinds, AreTheResultSchemasCounts) {
  std::ifstream file(RESULT_SCHEMA);
  const nlohmann::json schema = nlohmann::json::parse(file);
  const nlohmann::json& kinds =
      schema.at(nlohmann::json::json_pointer("/$defs/kernel_event_counts/required"));
  const std::vector<std::string> hooks_kinds = {
#define KIND_NAME(name) #name,
      ALLOC_HOOKS_KERNEL_EVENT_KINDS(KIND_NAME)
#undef KIND_NAME
  };
  EXPECT_EQ(kinds.get<std::vector<std::string>>(), hooks_kinds);
}

}  // namespace
