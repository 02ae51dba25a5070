// run_scenario(): warm-up, the measured iterations of each case (case_measurement.cpp), attempts
// again where only preemption broke a time budget, the process figures, the call sites
// symbolized, then the budget and expectation checks (budget_checker.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>

#include <monitor/memory.hpp>
#include <monitor/sampler.hpp>
#include <monitor/scheduling.hpp>
#include <new>

#include "alloc_hooks/site_report.hpp"
#include "allocation_failure.hpp"
#include "budget_checker.hpp"
#include "case_measurement.hpp"
#include "scenarios/harness.hpp"
#include "scenarios/site_figures.hpp"

namespace scenarios {

namespace {

// Warm-up iterations run their workload outside any window.
class NoMeasurement final : public Measurement {
 public:
  void begin() override {}
  void end() override {}
};

// The sites of every case and of the run's slowest allocations, symbolized: after the run, so
// that the symbolizer's own memory is in no figure.
void symbolize_sites(RunResult& run) {
  const std::vector<alloc_hooks::Module> modules = alloc_hooks::loaded_modules();
  alloc_hooks::Symbolizer symbolizer(modules);
  const alloc_hooks::SamplingReport sampling = alloc_hooks::sampling_report();
  for (CaseResult& result : run.cases) {
    alloc_hooks::RawSites raw{modules, {}, result.site_figures, sampling};
    for (const auto& [id, figures] : result.site_figures) alloc_hooks::add_stack(raw, id);
    for (std::size_t i = 0; i < result.slowest.size; ++i)
      alloc_hooks::add_stack(raw, result.slowest.items[i].stack_id);
    const alloc_hooks::SiteReport report(raw, symbolizer);
    result.sites = sites_figures(report);
    result.peak_sites = alloc_hooks::top_sites_line(report, alloc_hooks::SiteMeasure::peak_bytes);
    result.leak_sites = alloc_hooks::top_sites_line(report, alloc_hooks::SiteMeasure::live_bytes);
    if (result.slowest.size > 0)
      result.slowest_site = report.site_of(result.slowest.items[0].stack_id).where();
  }
  alloc_hooks::RawSites slow{modules, {}, {}, sampling};
  for (std::size_t i = 0; i < run.slowest.size; ++i)
    alloc_hooks::add_stack(slow, run.slowest.items[i].stack_id);
  const alloc_hooks::SiteReport report(slow, symbolizer);
  for (std::size_t i = 0; i < run.slowest.size; ++i)
    run.slowest_sites.push_back(report.site_of(run.slowest.items[i].stack_id).where());
}

// The slowest allocations of all cases, slowest first.
alloc_hooks::SlowestAllocations slowest_of(const std::vector<CaseResult>& cases) {
  std::vector<alloc_hooks::SlowAllocation> all;
  for (const CaseResult& result : cases)
    all.insert(all.end(), result.slowest.items.begin(),
               result.slowest.items.begin() + static_cast<std::ptrdiff_t>(result.slowest.size));
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.latency_ns > b.latency_ns; });
  alloc_hooks::SlowestAllocations slowest;
  slowest.size = std::min<std::size_t>(all.size(), 16);
  std::copy_n(all.begin(), slowest.size, slowest.items.begin());
  return slowest;
}

// A case is tried again only when every time budget it broke, it broke while preempted.
bool worth_another_attempt(const CaseResult& result) {
  const TimeBreaches& alloc = result.alloc_budget_breaches;
  const TimeBreaches& iteration = result.iteration_budget_breaches;
  return (alloc.iterations > 0 || iteration.iterations > 0) &&
         (alloc.iterations == 0 || alloc.only_preempted()) &&
         (iteration.iterations == 0 || iteration.only_preempted());
}

// The violation of an allocation that failed in the measured run: the run stopped at that case.
Violation allocation_failure(const std::string& scenario, const std::string& case_name) {
  const AllocationFailure failure = take_allocation_failure();
  const std::string cause =
      failure.refused_by_limit
          ? fmt::format(
                "refused by the live-bytes limit of {} bytes (ALLOC_HOOKS_LIVE_BYTES_LIMIT)",
                failure.live_bytes_limit)
          : std::string("out of memory (std::bad_alloc)");
  const auto failed = static_cast<double>(alloc_hooks::read_counters().failed_allocations);
  return {"allocation_failed",
          case_name,
          0,
          failed,
          "allocations",
          fmt::format("Allocation failed: {} in scenario {}, in case {}; the run stopped there",
                      cause, scenario, case_name),
          false,
          "failed allocations"};
}

}  // namespace

AllocationFailure take_allocation_failure() {
  const alloc_hooks::BudgetReport report = alloc_hooks::budget_report();
  alloc_hooks::set_live_bytes_limit(0);
  return {report.limit_refusals > 0, report.live_bytes_limit};
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult run;
  run.scenario = scenario.name;
  run.description = scenario.description;
  run.expectation_note = scenario.expectation_note;
  run.parameters = scenario.parameters;
  run.iterations = scenario.phases           ? 1
                   : options.iterations != 0 ? options.iterations
                                             : scenario.default_iterations;
  run.warmup_iterations =
      scenario.phases ? 0
                      : options.warmup.value_or(std::max<std::uint64_t>(1, run.iterations / 10));
  const std::uint64_t attempts = scenario.phases ? 1 : options.attempts;
  run.allocator = alloc_hooks::backend();
  run.budgets = options.budgets;
  const TimeLimits limits = time_limits(run.budgets);
  const std::function<ScheduleReading()> read =
      scenario.read_schedule ? scenario.read_schedule : read_schedule;

  // Nothing is measured before the sampler's thread has taken its first snapshot: a loaded machine
  // may start that thread late, and the pages its start touches (17 here) would count as RSS growth
  // of the first case (docs/runner.md).
  std::atomic<bool> sampled{false};
  monitor::Sampler sampler(std::chrono::milliseconds(options.sample_interval_ms), 4096,
                           {[&sampled] {
                              const std::uint64_t rss = monitor::read_rss_bytes();
                              sampled.store(true);
                              return rss;
                            },
                            alloc_hooks::live_bytes});
  sampler.start();
  while (!sampled.load()) std::this_thread::yield();
  // Before the first case, so that the ring's pages are in RSS before any case's growth counts.
  run.kernel_events = alloc_hooks::watch_kernel_events_on_this_thread();
  std::optional<Violation> failure;
  std::string current_case;
  try {
    NoMeasurement unmeasured;
    for (const Case& workload : scenario.cases) {
      current_case = workload.name;
      for (std::uint64_t i = 0; i < run.warmup_iterations; ++i) workload.run_once(unmeasured);
    }
    alloc_hooks::reset_slowest_allocations();
    SiteRoom sites;
    sites.make_room();
    std::int64_t kept_bytes = 0;  // live bytes the phases so far have kept
    for (const Case& workload : scenario.cases) {
      current_case = workload.name;
      const AllowedDelta allowed_delta =
          workload.retention == Retention::none    ? AllowedDelta{false, 0}
          : workload.retention == Retention::keeps ? AllowedDelta{true, 0}
                                                   : AllowedDelta{false, -kept_bytes};
      CaseResult result;
      for (std::uint64_t attempt = 1;; ++attempt) {
        result = measure_case(workload, run.iterations, limits, allowed_delta, read, sites);
        result.attempts = attempt;
        if (attempt >= attempts || !worth_another_attempt(result)) break;
      }
      result.exact_expectation = !scenario.phases;
      kept_bytes += result.live_bytes_delta;
      run.cases.push_back(std::move(result));
    }
  } catch (const std::bad_alloc&) {
    failure = allocation_failure(scenario.name, current_case);
  }
  alloc_hooks::unwatch_kernel_events_on_this_thread();
  sampler.stop();
  run.sample_interval_ms = options.sample_interval_ms;
  run.snapshots = sampler.snapshots();
  run.memory_profile =
      monitor::profile(run.snapshots, options.budgets.process_limit_mb << 20);  // MiB to bytes
  run.process_memory = monitor::read_process_memory();
  run.system_memory = monitor::read_system_memory();
  run.peak_live_bytes = alloc_hooks::read_counters().peak_live_bytes;
  run.peak_rss_bytes = run.process_memory.peak_rss_bytes;
  run.slowest = slowest_of(run.cases);
  symbolize_sites(run);

  BudgetChecker checker(scenario, run.budgets, run.violations);
  checker.check_process(run.peak_live_bytes, run.peak_rss_bytes, run.cases);
  for (const CaseResult& result : run.cases) checker.check_case(result);
  if (failure) run.violations.push_back(std::move(*failure));
  if (scenario.outcome) {
    ScenarioOutcome outcome = scenario.outcome(run);
    run.index = std::move(outcome.index);
    for (Violation& violation : outcome.violations) run.violations.push_back(std::move(violation));
  }
  run.passed = run.violations.empty();
  return run;
}

}  // namespace scenarios
