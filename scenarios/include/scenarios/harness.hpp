// The shared harness: runs a scenario's cases (warm-up, then iterations each inside an alloc_hooks
// window), checks budgets and expectations, and turns the outcome into the result document.
#pragma once

#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/sites.hpp>
#include <array>
#include <cstdint>
#include <map>
#include <monitor/memory.hpp>
#include <monitor/sampler.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/budgets.hpp"
#include "scenarios/result_model.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

struct RunOptions {
  std::uint64_t iterations = 0;            // 0: the scenario's default
  std::optional<std::uint64_t> warmup;     // default: a tenth of the iterations, at least 1
  std::uint64_t sample_interval_ms = 100;  // the memory sampler's interval
  // Attempts at a case whose time budgets broke only in iterations during which the CPU was
  // taken away (preempted); a time budget that breaks in an iteration that kept the CPU fails at
  // once.
  std::uint64_t attempts = 3;
  Budgets budgets;
};

// Iterations of one attempt at a case that went over a time budget, and in how many of those the
// thread running the iteration was preempted for longer than the excess (harness.cpp).
struct TimeBreaches {
  std::uint64_t iterations = 0;
  std::uint64_t preempted = 0;
  bool only_preempted() const { return iterations > 0 && preempted == iterations; }
};

struct Distribution {  // nanoseconds
  std::uint64_t min = 0, median = 0, p99 = 0, max = 0;
};

struct CaseResult {
  std::string name;
  nlohmann::json parameters;
  std::uint64_t iterations = 0;
  // Per iteration; when iterations differ (consistent == false) the largest is kept.
  std::uint64_t requested_bytes = 0;
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;
  std::uint64_t reserved_bytes = 0;
  bool consistent = true;
  std::uint64_t expected_requested_bytes = 0;
  std::uint64_t expected_allocations = 0;
  std::uint64_t peak_live_bytes = 0;    // highest peak of an iteration, relative to its start
  std::uint64_t leaked_iterations = 0;  // iterations that left other live bytes than allowed
  std::int64_t largest_live_bytes_delta = 0;
  bool exact_expectation = true;      // false for the phases of a real library's workload
  std::int64_t live_bytes_delta = 0;  // of the last iteration
  std::array<alloc_hooks::SourceCounters, alloc_hooks::kSourceCount> by_source{};  // last iteration
  alloc_hooks::LatencySummary alloc_latency;
  Distribution iteration_ns;
  std::int64_t rss_growth_bytes = 0;  // RSS after the last measured iteration minus after the first
  std::uint64_t attempts = 1;         // this result is the last attempt's
  // Iterations of the last attempt in which the CPU was taken from the thread running it while
  // it never blocked.
  std::uint64_t preempted_iterations = 0;
  TimeBreaches alloc_budget_breaches;      // iterations with an allocation over alloc_budget_us
  TimeBreaches iteration_budget_breaches;  // iterations over iteration_budget_ms
  // The kernel's work inside the allocation and free calls of the scenario's own thread, summed
  // over the attempt's measured iterations (what the run watched: RunResult::kernel_events).
  alloc_hooks::KernelEventCounts kernel_events_in_allocations;
  alloc_hooks::KernelEventCounts kernel_events_in_frees;

  // Call sites (alloc_hooks/sites.hpp) over the case: each site's figures by stack id, its peak
  // figure that of the iteration with the highest peak; and the case's slowest allocations.
  std::map<std::uint32_t, alloc_hooks::SiteFigures> site_figures;
  alloc_hooks::SlowestAllocations slowest;
  // Symbolized when the run is over, after its process figures were read: the results' "sites",
  // and the words a violation names the sites with.
  std::optional<SitesFigures> sites;
  std::string peak_sites;    // "top: ..." at the peak
  std::string leak_sites;    // "top: ..." by live bytes left
  std::string slowest_site;  // where the slowest allocation was made
};

struct RunResult {
  std::string scenario;
  std::string description;
  std::string expectation_note;
  nlohmann::json parameters;
  std::uint64_t iterations = 0;
  std::uint64_t warmup_iterations = 0;
  alloc_hooks::BackendInfo allocator{};
  Budgets budgets;
  std::vector<CaseResult> cases;
  std::uint64_t peak_live_bytes = 0;  // process-wide, since start-up
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t sample_interval_ms = 0;
  std::vector<monitor::Snapshot> snapshots;  // RSS and live bytes over the whole run
  monitor::MemoryProfile memory_profile;
  monitor::ProcessMemory process_memory;  // at the end of the run
  monitor::SystemMemory system_memory;
  alloc_hooks::SlowestAllocations slowest;      // of all cases
  alloc_hooks::KernelEventWatch kernel_events;  // what was counted on the scenario's thread
  std::vector<std::string> slowest_sites;       // where each was made
  std::vector<Violation> violations;
  std::optional<IndexFigures> index;  // ScenarioOutcome::index
  bool passed = false;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);
// The finished run as the result document's record, and that document (result_model.hpp).
ScenarioResult result_record(const RunResult& result);
nlohmann::json to_json(const RunResult& result);

// The executables' main: flags (docs/scenarios.md), run, terminal summary, optional JSON file.
// Returns 0 when every budget held, 1 on a breach, a leak or a failed allocation, 2 on bad input.
int scenario_main(int argc, char** argv, const std::string& scenario_name);
int scenario_main(int argc, char** argv, const Scenario& scenario);

}  // namespace scenarios
