// The result document (docs/result_schema.md): the one JSON writer of the scenarios.
#include "provenance.hpp"
#include "scenarios/harness.hpp"

namespace scenarios {

namespace {

nlohmann::json latency_json(const alloc_hooks::LatencySummary& latency) {
  nlohmann::json json = nlohmann::json::object();
#define SCENARIOS_LATENCY_JSON(member, name) json[name] = latency.member;
  ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(SCENARIOS_LATENCY_JSON)
#undef SCENARIOS_LATENCY_JSON
  return json;
}

// Per source, the figures of the last iteration: what a phase allocated, freed and left live.
nlohmann::json by_source_json(const CaseResult& result) {
  nlohmann::json sources = nlohmann::json::object();
  for (std::size_t source = 0; source < alloc_hooks::kSourceCount; ++source) {
    const alloc_hooks::SourceCounters& counters = result.by_source[source];
    sources[alloc_hooks::source_name(static_cast<alloc_hooks::Source>(source))] = {
        {"allocations", counters.allocations},
        {"frees", counters.frees},
        {"bytes_allocated", counters.bytes_allocated},
        {"bytes_freed", counters.bytes_freed},
        {"live_bytes_delta", static_cast<std::int64_t>(counters.bytes_allocated) -
                                 static_cast<std::int64_t>(counters.bytes_freed)}};
  }
  return sources;
}

nlohmann::json kernel_event_counts_json(const alloc_hooks::KernelEventCounts& counts) {
  nlohmann::json json = nlohmann::json::object();
#define SCENARIOS_KERNEL_EVENT_FIELD(name) json[#name] = counts.name;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(SCENARIOS_KERNEL_EVENT_FIELD)
#undef SCENARIOS_KERNEL_EVENT_FIELD
  return json;
}

nlohmann::json case_json(const CaseResult& result) {
  const double requested = static_cast<double>(result.requested_bytes);
  const auto expected = [&result](std::uint64_t value) {
    return result.exact_expectation ? nlohmann::json(value) : nlohmann::json(nullptr);
  };
  nlohmann::json figures = {
      {"name", result.name},
      {"parameters", result.parameters},
      {"iterations", result.iterations},
      {"requested_bytes", result.requested_bytes},
      {"allocations", result.allocations},
      {"frees", result.frees},
      {"expected_requested_bytes", expected(result.expected_requested_bytes)},
      {"expected_allocations", expected(result.expected_allocations)},
      {"consistent", result.consistent},
      {"peak_live_bytes", result.peak_live_bytes},
      {"reserved_bytes", result.reserved_bytes},
      {"slack_bytes",
       result.reserved_bytes - std::min(result.reserved_bytes, result.requested_bytes)},
      {"reserved_ratio",
       requested > 0 ? static_cast<double>(result.reserved_bytes) / requested : 0.0},
      {"leaked_iterations", result.leaked_iterations},
      {"largest_live_bytes_delta", result.largest_live_bytes_delta},
      {"live_bytes_delta", result.live_bytes_delta},
      {"by_source", by_source_json(result)},
      {"rss_growth_bytes", result.rss_growth_bytes},
      {"attempts", result.attempts},
      {"preempted_iterations", result.preempted_iterations},
      {"alloc_latency_ns", latency_json(result.alloc_latency)},
      {"iteration_ns",
       {{"min", result.iteration_ns.min},
        {"median", result.iteration_ns.median},
        {"p99", result.iteration_ns.p99},
        {"max", result.iteration_ns.max}}}};
  figures["kernel_events"] = {
      {"in_allocations", kernel_event_counts_json(result.kernel_events_in_allocations)},
      {"in_frees", kernel_event_counts_json(result.kernel_events_in_frees)}};
  if (!result.sites.is_null()) figures["sites"] = result.sites;
  return figures;
}

nlohmann::json series_json(const monitor::SeriesProfile& series) {
  return {{"peak_bytes", series.peak_bytes},
          {"average_bytes", series.average_bytes},
          {"growth_mb_per_s", series.growth_mb_per_s},
          {"meets_process_limit", series.meets_process_limit}};
}

nlohmann::json memory_json(const RunResult& run) {
  nlohmann::json snapshots = nlohmann::json::array();
  for (const monitor::Snapshot& snapshot : run.snapshots) {
    snapshots.push_back({{"time_ms", static_cast<double>(snapshot.time_ns) / 1e6},
                         {"rss_bytes", snapshot.rss_bytes},
                         {"live_bytes", snapshot.live_bytes}});
  }
  return {{"sample_interval_ms", run.sample_interval_ms},
          {"snapshots", snapshots},
          {"rss", series_json(run.memory_profile.rss)},
          {"live", series_json(run.memory_profile.live)},
          {"page_faults",
           {{"minor", run.process_memory.minor_page_faults},
            {"major", run.process_memory.major_page_faults}}},
          {"system",
           {{"total_bytes", run.system_memory.total_bytes},
            {"available_bytes", run.system_memory.available_bytes},
            {"utilisation_percent", run.system_memory.utilisation_percent}}}};
}

}  // namespace

nlohmann::json to_json(const RunResult& run) {
  nlohmann::json cases = nlohmann::json::array();
  for (const CaseResult& result : run.cases) cases.push_back(case_json(result));
  nlohmann::json violations = nlohmann::json::array();
  for (const Violation& violation : run.violations) {
    violations.push_back({{"budget", violation.budget},
                          {"case", violation.case_name},
                          {"limit", violation.limit},
                          {"observed", violation.observed},
                          {"unit", violation.unit},
                          {"message", violation.message},
                          {"preempted", violation.preempted},
                          {"figure", violation.figure}});
  }
  nlohmann::json slowest = nlohmann::json::array();
  for (std::size_t i = 0; i < run.slowest.size; ++i) {
    const alloc_hooks::SlowAllocation& slow = run.slowest.items[i];
    slowest.push_back(
        {{"latency_ns", slow.latency_ns}, {"size", slow.size}, {"thread_id", slow.thread_id}});
    if (i < run.slowest_sites.size()) slowest.back()["site"] = run.slowest_sites[i];
  }
  nlohmann::json document = {
      {"schema_version", kSchemaVersion},
      {"scenario", run.scenario},
      {"description", run.description},
      {"expectation_note", run.expectation_note},
      {"parameters", run.parameters},
      {"iterations", run.iterations},
      {"warmup_iterations", run.warmup_iterations},
      {"allocator", {{"name", run.allocator.name}, {"version", run.allocator.version}}},
      {"budgets", to_json(run.budgets)},
      {"cases", cases},
      {"process",
       {{"peak_live_bytes", run.peak_live_bytes}, {"peak_rss_bytes", run.peak_rss_bytes}}},
      {"memory", memory_json(run)},
      {"slowest_allocations", slowest},
      {"kernel_events",
       {{"page_faults", run.kernel_events.page_faults},
        {"system_calls", run.kernel_events.system_calls},
        {"why_not", run.kernel_events.why_not != nullptr ? nlohmann::json(run.kernel_events.why_not)
                                                         : nlohmann::json(nullptr)}}},
      {"violations", violations},
      {"passed", run.passed},
      {"provenance", provenance()}};
  if (!run.scenario_figures.is_null()) document["index"] = run.scenario_figures;
  return document;
}

}  // namespace scenarios
