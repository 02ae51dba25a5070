// The result document (docs/result_schema.md): a finished run as the result model's record, the
// one writer of the scenarios.
#include "provenance.hpp"
#include "scenarios/harness.hpp"
#include "scenarios/result_model.hpp"

namespace scenarios {

namespace {

LatencyFigures latency_figures(const alloc_hooks::LatencySummary& latency) {
  LatencyFigures figures;
#define SCENARIOS_LATENCY_COPY(member, name) figures.member = latency.member;
  ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(SCENARIOS_LATENCY_COPY)
#undef SCENARIOS_LATENCY_COPY
  return figures;
}

// Per source, the figures of the last iteration: what a phase allocated, freed and left live.
SourcesFigures sources_figures(const CaseResult& result) {
  const auto source_figures = [&result](alloc_hooks::Source source) {
    const alloc_hooks::SourceCounters& counters =
        result.by_source[static_cast<std::size_t>(source)];
    return SourceFigures{counters.allocations, counters.frees, counters.bytes_allocated,
                         counters.bytes_freed,
                         static_cast<std::int64_t>(counters.bytes_allocated) -
                             static_cast<std::int64_t>(counters.bytes_freed)};
  };
  SourcesFigures figures;
#define SCENARIOS_SOURCE_COPY(name) figures.name = source_figures(alloc_hooks::Source::name);
  ALLOC_HOOKS_SOURCES(SCENARIOS_SOURCE_COPY)
#undef SCENARIOS_SOURCE_COPY
  return figures;
}

KernelEventFigures kernel_event_figures(const alloc_hooks::KernelEventCounts& counts) {
  KernelEventFigures figures;
#define SCENARIOS_KERNEL_EVENT_COPY(name) figures.name = counts.name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(SCENARIOS_KERNEL_EVENT_COPY)
#undef SCENARIOS_KERNEL_EVENT_COPY
  return figures;
}

CaseFigures case_figures(const CaseResult& result) {
  CaseFigures figures;
  figures.name = result.name;
  figures.parameters = result.parameters;
  figures.iterations = result.iterations;
  figures.requested_bytes = result.requested_bytes;
  figures.allocations = result.allocations;
  figures.frees = result.frees;
  if (result.exact_expectation) {
    figures.expected_requested_bytes = result.expected_requested_bytes;
    figures.expected_allocations = result.expected_allocations;
  }
  figures.consistent = result.consistent;
  figures.peak_live_bytes = result.peak_live_bytes;
  figures.reserved_bytes = result.reserved_bytes;
  figures.slack_bytes =
      result.reserved_bytes - std::min(result.reserved_bytes, result.requested_bytes);
  figures.reserved_ratio =
      result.requested_bytes > 0
          ? static_cast<double>(result.reserved_bytes) / static_cast<double>(result.requested_bytes)
          : 0.0;
  figures.leaked_iterations = result.leaked_iterations;
  figures.largest_live_bytes_delta = result.largest_live_bytes_delta;
  figures.live_bytes_delta = result.live_bytes_delta;
  figures.by_source = sources_figures(result);
  figures.rss_growth_bytes = result.rss_growth_bytes;
  figures.attempts = result.attempts;
  figures.preempted_iterations = result.preempted_iterations;
  figures.alloc_latency_ns = latency_figures(result.alloc_latency);
  figures.iteration_ns = {result.iteration_ns.min, result.iteration_ns.median,
                          result.iteration_ns.p99, result.iteration_ns.max};
  figures.kernel_events.in_allocations = kernel_event_figures(result.kernel_events_in_allocations);
  figures.kernel_events.in_frees = kernel_event_figures(result.kernel_events_in_frees);
  figures.sites = result.sites;
  return figures;
}

SeriesFigures series_figures(const monitor::SeriesProfile& series) {
  return {series.peak_bytes, series.average_bytes, series.growth_mb_per_s,
          series.meets_process_limit};
}

MemoryFigures memory_figures(const RunResult& run) {
  MemoryFigures figures;
  figures.sample_interval_ms = run.sample_interval_ms;
  for (const monitor::Snapshot& snapshot : run.snapshots) {
    figures.snapshots.push_back(
        {static_cast<double>(snapshot.time_ns) / 1e6, snapshot.rss_bytes, snapshot.live_bytes});
  }
  figures.rss = series_figures(run.memory_profile.rss);
  figures.live = series_figures(run.memory_profile.live);
  figures.page_faults = {run.process_memory.minor_page_faults,
                         run.process_memory.major_page_faults};
  figures.system = {run.system_memory.total_bytes, run.system_memory.available_bytes,
                    run.system_memory.utilisation_percent};
  return figures;
}

}  // namespace

ScenarioResult result_record(const RunResult& run) {
  ScenarioResult result;
  result.scenario = run.scenario;
  result.description = run.description;
  result.expectation_note = run.expectation_note;
  result.parameters = run.parameters;
  result.iterations = run.iterations;
  result.warmup_iterations = run.warmup_iterations;
  result.allocator = {run.allocator.name, run.allocator.version};
  result.budgets = run.budgets;
  for (const CaseResult& measured : run.cases) result.cases.push_back(case_figures(measured));
  result.process = {run.peak_live_bytes, run.peak_rss_bytes};
  result.memory = memory_figures(run);
  for (std::size_t i = 0; i < run.slowest.size; ++i) {
    const alloc_hooks::SlowAllocation& slow = run.slowest.items[i];
    SlowAllocationFigures& figures = result.slowest_allocations.emplace_back();
    figures.latency_ns = slow.latency_ns;
    figures.size = slow.size;
    figures.thread_id = slow.thread_id;
    if (i < run.slowest_sites.size()) figures.site = run.slowest_sites[i];
  }
  result.kernel_events.page_faults = run.kernel_events.page_faults;
  result.kernel_events.system_calls = run.kernel_events.system_calls;
  if (run.kernel_events.why_not != nullptr)
    result.kernel_events.why_not = run.kernel_events.why_not;
  result.violations = run.violations;
  result.passed = run.passed;
  result.provenance = provenance();
  result.index = run.index;
  return result;
}

nlohmann::json to_json(const RunResult& run) {
  return write(result_record(run));
}

}  // namespace scenarios
