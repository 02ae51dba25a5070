// run_scenario(): warm-up, measured iterations each inside an alloc_hooks window, per-case
// figures, attempts again where only preemption broke a time budget, then the budget and
// expectation checks (budget_checker.cpp) and the call sites.
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
#include "scenarios/harness.hpp"
#include "scenarios/sites_json.hpp"

namespace scenarios {

namespace {

using Clock = std::chrono::steady_clock;

class NoMeasurement final : public Measurement {
 public:
  void begin() override {}
  void end() override {}
};

// Opens a window in begin() and keeps its figures and the wall time from end().
class WindowMeasurement final : public Measurement {
 public:
  void begin() override {
    window_.emplace();
    start_ = Clock::now();
  }
  void end() override {
    const Clock::time_point stop = Clock::now();
    result = window_->result();
    window_.reset();
    wall_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start_).count());
  }
  alloc_hooks::WindowResult result;
  std::uint64_t wall_ns = 0;

 private:
  std::optional<alloc_hooks::Window> window_;
  Clock::time_point start_;
};

Distribution distribution_of(std::vector<std::uint64_t> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const auto at = [&](double quantile) {
    return values[std::min(values.size() - 1, static_cast<std::size_t>(
                                                  quantile * static_cast<double>(values.size())))];
  };
  return {values.front(), at(0.5), at(0.99), values.back()};
}

// The time budgets in the units the iterations are measured in.
struct TimeLimits {
  std::uint64_t alloc_ns;
  std::optional<std::uint64_t> iteration_ns;
};

TimeLimits time_limits(const Budgets& budgets) {
  TimeLimits limits{budgets.alloc_budget_us * 1000, std::nullopt};
  if (budgets.iteration_budget_ms)
    limits.iteration_ns = static_cast<std::uint64_t>(*budgets.iteration_budget_ms * 1e6);
  return limits;
}

// What the scheduler did to the thread running one iteration, read around it (outside its window).
struct IterationSchedule {
  std::uint64_t off_cpu_ns = 0;  // wall time minus the thread's CPU time
  bool switched_out = false;     // the CPU was taken from it at least once
  bool blocked = false;          // it gave the CPU up itself (a lock, I/O, a sleep)

  // The CPU was taken from the thread, which never gave it up itself: all its time off the CPU
  // was taken from it.
  bool taken_away() const { return switched_out && !blocked; }
  // Whether that explains `excess_ns` over a budget: at least that long off the CPU. Slow work on
  // the CPU, or waiting for a lock, is not preemption.
  bool preempted_for(std::uint64_t excess_ns) const {
    return taken_away() && off_cpu_ns >= excess_ns;
  }
};

// The harness's own reading: the scheduler's figures of the calling thread, then the clock.
ScheduleReading read_schedule() {
  const monitor::ThreadSchedule thread = monitor::read_thread_schedule();
  const auto wall_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
  return {wall_ns, thread.cpu_ns, thread.voluntary_switches, thread.involuntary_switches};
}

class ScheduleWatch {
 public:
  explicit ScheduleWatch(const std::function<ScheduleReading()>& read)
      : read_(read), start_(read()) {}
  IterationSchedule stop() const {
    const ScheduleReading end = read_();
    const std::uint64_t wall_ns = end.wall_ns - start_.wall_ns;
    const std::uint64_t cpu_ns = end.cpu_ns - start_.cpu_ns;
    return {wall_ns > cpu_ns ? wall_ns - cpu_ns : 0,
            end.involuntary_switches != start_.involuntary_switches,
            end.voluntary_switches != start_.voluntary_switches};
  }

 private:
  const std::function<ScheduleReading()>& read_;
  ScheduleReading start_;
};

void count_breach(TimeBreaches& breaches, const IterationSchedule& schedule,
                  std::uint64_t observed_ns, std::uint64_t limit_ns) {
  ++breaches.iterations;
  if (schedule.preempted_for(observed_ns - limit_ns)) ++breaches.preempted;
}

// The live-bytes change an iteration must leave, unless any is allowed.
struct AllowedDelta {
  bool any = false;
  std::int64_t bytes = 0;
};

// One attempt at a case. Around every iteration the scheduler's figures of the thread running it
// are read (by `read`: read_schedule, or a test scenario's own), so that a time budget broken in an
// iteration is known to have broken because the CPU was taken away, or not. Only that thread is
// watched: a workload that allocates on threads of its own (concurrent) has its breaches never
// taken for preemption.
// Room for the sites' figures, made before the first case and kept to the end of the run. Freed
// after each attempt, it changed the allocator the next attempt measured: glibc mmaps blocks of
// this size, and freeing an mmapped block raises its mmap and trim thresholds, so a later attempt
// of the concepts case never trimmed the heap where the first did (docs/scenarios.md). It grows
// only when the stacks outgrow it, at the start of a case.
struct SiteRoom {
  std::vector<alloc_hooks::SiteFigures> before, at_peak, after;
  void make_room() {
    const std::size_t room = alloc_hooks::stack_count() + alloc_hooks::kRoomForNewStacks;
    for (std::vector<alloc_hooks::SiteFigures>* figures : {&before, &at_peak, &after}) {
      if (figures->capacity() < room) figures->reserve(room + alloc_hooks::kRoomForNewStacks);
    }
  }
};

CaseResult measure_case(const Case& workload, std::uint64_t iterations, const TimeLimits& limits,
                        AllowedDelta allowed_delta, const std::function<ScheduleReading()>& read,
                        SiteRoom& sites) {
  CaseResult result;
  result.name = workload.name;
  result.parameters = workload.parameters;
  result.iterations = iterations;
  result.expected_requested_bytes = workload.expected_requested_bytes;
  result.expected_allocations = workload.expected_allocations;
  std::vector<std::uint64_t> wall_ns(iterations);
  alloc_hooks::LatencyHistogram latency;
  const auto measurement = std::make_unique<WindowMeasurement>();
  // RSS growth counts from the end of the first measured iteration: that one also touches the
  // harness's own stack and heap pages for the first time.
  std::uint64_t rss_before = 0;
  // The sites' figures: at the start, at the end of the iteration with the highest peak (each
  // iteration's window keeps the sites' figures at its own peak) and at the end, the last two read
  // into room made before the case: no allocation of the harness joins the case's figures or its
  // slowest allocations.
  sites.make_room();
  std::vector<alloc_hooks::SiteFigures>& sites_at_peak = sites.at_peak;
  std::vector<alloc_hooks::SiteFigures>& sites_after = sites.after;
  alloc_hooks::read_site_figures(sites.before);
  const std::vector<alloc_hooks::SiteFigures>& sites_before = sites.before;
  alloc_hooks::reset_slowest_allocations();
  for (std::uint64_t iteration = 0; iteration < iterations; ++iteration) {
    const ScheduleWatch watch(read);
    workload.run_once(*measurement);
    const IterationSchedule schedule = watch.stop();
    if (iteration == 0) rss_before = monitor::read_rss_bytes();
    const alloc_hooks::WindowResult& window = measurement->result;
    if (iteration == 0 || window.peak_live_bytes > result.peak_live_bytes)
      alloc_hooks::read_site_figures(sites_at_peak);
    if (iteration > 0 && (window.bytes_allocated != result.requested_bytes ||
                          window.allocations != result.allocations)) {
      result.consistent = false;
    }
    result.requested_bytes = std::max(result.requested_bytes, window.bytes_allocated);
    result.allocations = std::max(result.allocations, window.allocations);
    result.frees = std::max(result.frees, window.frees);
    result.reserved_bytes = std::max(result.reserved_bytes, window.reserved_bytes_allocated);
    result.peak_live_bytes = std::max(result.peak_live_bytes, window.peak_live_bytes);
    result.live_bytes_delta = window.live_bytes_delta;
    result.by_source = window.by_source;
    if (!allowed_delta.any && window.live_bytes_delta != allowed_delta.bytes) {
      ++result.leaked_iterations;
      result.largest_live_bytes_delta =
          std::max(result.largest_live_bytes_delta, window.live_bytes_delta - allowed_delta.bytes);
    }
    if (schedule.taken_away()) ++result.preempted_iterations;
    if (window.alloc_latency.max_ns > limits.alloc_ns) {
      count_breach(result.alloc_budget_breaches, schedule, window.alloc_latency.max_ns,
                   limits.alloc_ns);
    }
    if (limits.iteration_ns && measurement->wall_ns > *limits.iteration_ns) {
      count_breach(result.iteration_budget_breaches, schedule, measurement->wall_ns,
                   *limits.iteration_ns);
    }
    latency.add(window.alloc_latency_histogram);
    result.kernel_events_in_allocations += window.kernel_events_in_allocations;
    result.kernel_events_in_frees += window.kernel_events_in_frees;
    wall_ns[iteration] = measurement->wall_ns;
  }
  result.rss_growth_bytes =
      static_cast<std::int64_t>(monitor::read_rss_bytes()) - static_cast<std::int64_t>(rss_before);
  result.alloc_latency = alloc_hooks::summarize(latency);
  result.iteration_ns = distribution_of(std::move(wall_ns));
  result.slowest = alloc_hooks::slowest_allocations(16);
  alloc_hooks::read_site_figures(sites_after);
  for (std::uint32_t id = 1; id < sites_after.size(); ++id) {
    alloc_hooks::SiteFigures figures = sites_after[id];
    // A stack first seen after the peak's figures were read held nothing at that peak.
    figures.peak_snapshot_bytes =
        id < sites_at_peak.size() ? sites_at_peak[id].peak_snapshot_bytes : 0;
    result.site_figures[id] = figures;
  }
  alloc_hooks::subtract_figures(result.site_figures, sites_before);
  std::erase_if(result.site_figures, [](const auto& entry) {
    const alloc_hooks::SiteFigures& figures = entry.second;
    return figures.allocations == 0 && figures.live_bytes == 0 && figures.peak_snapshot_bytes == 0;
  });
  return result;
}

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
    result.sites = sites_json(report);
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
    run.scenario_figures = std::move(outcome.figures);
    for (Violation& violation : outcome.violations) run.violations.push_back(std::move(violation));
  }
  run.passed = run.violations.empty();
  return run;
}

}  // namespace scenarios
