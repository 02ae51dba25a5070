// The scenario result document (docs/result_schema.md, docs/result.schema.json) as C++ types: the
// scenarios write it through write() and the runner reads it through read_result(), both walking
// the one field list of each record here (json_record.hpp).
#pragma once

#include <alloc_hooks/alloc_hooks.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "scenarios/budgets.hpp"
#include "scenarios/json_record.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/site_figures.hpp"

namespace scenarios {

struct AllocatorId {
  std::string name;
  std::string version;
};

// An allocation latency summary in nanoseconds (alloc_hooks::LatencySummary's fields).
struct LatencyFigures {
#define SCENARIOS_LATENCY_MEMBER(member, name) std::uint64_t member = 0;
  ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(SCENARIOS_LATENCY_MEMBER)
#undef SCENARIOS_LATENCY_MEMBER
};

struct IterationFigures {  // nanoseconds
  std::uint64_t min = 0, median = 0, p99 = 0, max = 0;
};

// What one source (operator new, the malloc family, a Win32 heap) allocated and freed in the last
// iteration.
struct SourceFigures {
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;
  std::uint64_t bytes_allocated = 0;
  std::uint64_t bytes_freed = 0;
  std::int64_t live_bytes_delta = 0;
};
struct SourcesFigures {
#define SCENARIOS_SOURCE_MEMBER(name) SourceFigures name;
  ALLOC_HOOKS_SOURCES(SCENARIOS_SOURCE_MEMBER)
#undef SCENARIOS_SOURCE_MEMBER
};

struct KernelEventFigures {
#define SCENARIOS_KERNEL_EVENT_MEMBER(name) std::uint64_t name = 0;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(SCENARIOS_KERNEL_EVENT_MEMBER)
#undef SCENARIOS_KERNEL_EVENT_MEMBER
};
struct CaseKernelEvents {
  KernelEventFigures in_allocations;
  KernelEventFigures in_frees;
};

struct CaseFigures {
  std::string name;
  nlohmann::json parameters;
  std::uint64_t iterations = 0;
  std::uint64_t requested_bytes = 0;
  std::uint64_t allocations = 0;
  std::uint64_t frees = 0;
  // Empty for the phases of a real library's workload, which have no exact expectation.
  std::optional<std::uint64_t> expected_requested_bytes;
  std::optional<std::uint64_t> expected_allocations;
  bool consistent = true;
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t reserved_bytes = 0;
  std::uint64_t slack_bytes = 0;
  double reserved_ratio = 0;
  std::uint64_t leaked_iterations = 0;
  std::int64_t largest_live_bytes_delta = 0;
  std::int64_t live_bytes_delta = 0;
  SourcesFigures by_source;
  std::int64_t rss_growth_bytes = 0;
  std::uint64_t attempts = 1;
  std::uint64_t preempted_iterations = 0;
  LatencyFigures alloc_latency_ns;
  IterationFigures iteration_ns;
  CaseKernelEvents kernel_events;
  std::optional<SitesFigures> sites;
};

struct ProcessFigures {
  std::uint64_t peak_live_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;
};

struct SnapshotFigures {
  double time_ms = 0;
  std::uint64_t rss_bytes = 0;
  std::int64_t live_bytes = 0;
};
struct SeriesFigures {
  std::uint64_t peak_bytes = 0;
  double average_bytes = 0;
  double growth_mb_per_s = 0;
  bool meets_process_limit = true;
};
struct PageFaultFigures {
  std::uint64_t minor = 0;
  std::uint64_t major = 0;
};
struct SystemMemoryFigures {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;
  double utilisation_percent = 0;
};
struct MemoryFigures {
  std::uint64_t sample_interval_ms = 0;
  std::vector<SnapshotFigures> snapshots;
  SeriesFigures rss;
  SeriesFigures live;
  PageFaultFigures page_faults;
  SystemMemoryFigures system;
};

struct SlowAllocationFigures {
  std::uint64_t latency_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t thread_id = 0;
  std::optional<std::string> site;
};

// What the run could watch of the kernel's work inside allocations, and why not where it could not.
struct KernelEventsWatched {
  bool page_faults = false;
  bool system_calls = false;
  std::optional<std::string> why_not;
};

struct Provenance {
  std::string compiler;
  std::string build_type;
  std::string os;
  std::string cpu_model;
  std::uint32_t cores = 0;
  std::string date;
  std::string git_commit;
};

struct ScenarioResult {
  int schema_version = kSchemaVersion;
  std::string scenario;
  std::string description;
  std::string expectation_note;
  nlohmann::json parameters;
  std::uint64_t iterations = 0;
  std::uint64_t warmup_iterations = 0;
  AllocatorId allocator;
  Budgets budgets;
  std::vector<CaseFigures> cases;
  ProcessFigures process;
  MemoryFigures memory;
  std::vector<SlowAllocationFigures> slowest_allocations;
  KernelEventsWatched kernel_events;
  std::vector<Violation> violations;
  bool passed = false;
  Provenance provenance;
  std::optional<IndexFigures> index;  // the vector index scenario's own figures

  // The case of that name; nullptr when the run has none.
  const CaseFigures* find_case(const std::string& name) const;
};

// The field lists (found by json_record through argument-dependent lookup).
constexpr auto json_fields(std::type_identity<AllocatorId>) {
  using json_record::field;
  return std::tuple{field("name", &AllocatorId::name), field("version", &AllocatorId::version)};
}
constexpr auto json_fields(std::type_identity<LatencyFigures>) {
  using json_record::field;
#define SCENARIOS_LATENCY_FIELD(member, name) field(name, &LatencyFigures::member),
  return std::tuple{ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(SCENARIOS_LATENCY_FIELD)};
#undef SCENARIOS_LATENCY_FIELD
}
constexpr auto json_fields(std::type_identity<IterationFigures>) {
  using json_record::field;
  return std::tuple{field("min", &IterationFigures::min),
                    field("median", &IterationFigures::median),
                    field("p99", &IterationFigures::p99), field("max", &IterationFigures::max)};
}
constexpr auto json_fields(std::type_identity<SourceFigures>) {
  using json_record::field;
  return std::tuple{field("allocations", &SourceFigures::allocations),
                    field("frees", &SourceFigures::frees),
                    field("bytes_allocated", &SourceFigures::bytes_allocated),
                    field("bytes_freed", &SourceFigures::bytes_freed),
                    field("live_bytes_delta", &SourceFigures::live_bytes_delta)};
}
constexpr auto json_fields(std::type_identity<SourcesFigures>) {
  using json_record::field;
#define SCENARIOS_SOURCE_FIELD(name) field(#name, &SourcesFigures::name),
  return std::tuple{ALLOC_HOOKS_SOURCES(SCENARIOS_SOURCE_FIELD)};
#undef SCENARIOS_SOURCE_FIELD
}
constexpr auto json_fields(std::type_identity<KernelEventFigures>) {
  using json_record::field;
#define SCENARIOS_KERNEL_EVENT_FIELD(name) field(#name, &KernelEventFigures::name),
  return std::tuple{ALLOC_HOOKS_KERNEL_EVENT_KINDS(SCENARIOS_KERNEL_EVENT_FIELD)};
#undef SCENARIOS_KERNEL_EVENT_FIELD
}
constexpr auto json_fields(std::type_identity<CaseKernelEvents>) {
  using json_record::field;
  return std::tuple{field("in_allocations", &CaseKernelEvents::in_allocations),
                    field("in_frees", &CaseKernelEvents::in_frees)};
}
constexpr auto json_fields(std::type_identity<CaseFigures>) {
  using json_record::field;
  using C = CaseFigures;
  using json_record::Empty;
  return std::tuple{field("name", &C::name),
                    field("parameters", &C::parameters),
                    field("iterations", &C::iterations),
                    field("requested_bytes", &C::requested_bytes),
                    field("allocations", &C::allocations),
                    field("frees", &C::frees),
                    field("expected_requested_bytes", &C::expected_requested_bytes, Empty::null),
                    field("expected_allocations", &C::expected_allocations, Empty::null),
                    field("consistent", &C::consistent),
                    field("peak_live_bytes", &C::peak_live_bytes),
                    field("reserved_bytes", &C::reserved_bytes),
                    field("slack_bytes", &C::slack_bytes),
                    field("reserved_ratio", &C::reserved_ratio),
                    field("leaked_iterations", &C::leaked_iterations),
                    field("largest_live_bytes_delta", &C::largest_live_bytes_delta),
                    field("live_bytes_delta", &C::live_bytes_delta),
                    field("by_source", &C::by_source),
                    field("rss_growth_bytes", &C::rss_growth_bytes),
                    field("attempts", &C::attempts),
                    field("preempted_iterations", &C::preempted_iterations),
                    field("alloc_latency_ns", &C::alloc_latency_ns),
                    field("iteration_ns", &C::iteration_ns),
                    field("kernel_events", &C::kernel_events),
                    field("sites", &C::sites)};
}
constexpr auto json_fields(std::type_identity<ProcessFigures>) {
  using json_record::field;
  return std::tuple{field("peak_live_bytes", &ProcessFigures::peak_live_bytes),
                    field("peak_rss_bytes", &ProcessFigures::peak_rss_bytes)};
}
constexpr auto json_fields(std::type_identity<SnapshotFigures>) {
  using json_record::field;
  return std::tuple{field("time_ms", &SnapshotFigures::time_ms),
                    field("rss_bytes", &SnapshotFigures::rss_bytes),
                    field("live_bytes", &SnapshotFigures::live_bytes)};
}
constexpr auto json_fields(std::type_identity<SeriesFigures>) {
  using json_record::field;
  return std::tuple{field("peak_bytes", &SeriesFigures::peak_bytes),
                    field("average_bytes", &SeriesFigures::average_bytes),
                    field("growth_mb_per_s", &SeriesFigures::growth_mb_per_s),
                    field("meets_process_limit", &SeriesFigures::meets_process_limit)};
}
constexpr auto json_fields(std::type_identity<PageFaultFigures>) {
  using json_record::field;
  return std::tuple{field("minor", &PageFaultFigures::minor),
                    field("major", &PageFaultFigures::major)};
}
constexpr auto json_fields(std::type_identity<SystemMemoryFigures>) {
  using json_record::field;
  return std::tuple{field("total_bytes", &SystemMemoryFigures::total_bytes),
                    field("available_bytes", &SystemMemoryFigures::available_bytes),
                    field("utilisation_percent", &SystemMemoryFigures::utilisation_percent)};
}
constexpr auto json_fields(std::type_identity<MemoryFigures>) {
  using json_record::field;
  return std::tuple{field("sample_interval_ms", &MemoryFigures::sample_interval_ms),
                    field("snapshots", &MemoryFigures::snapshots),
                    field("rss", &MemoryFigures::rss),
                    field("live", &MemoryFigures::live),
                    field("page_faults", &MemoryFigures::page_faults),
                    field("system", &MemoryFigures::system)};
}
constexpr auto json_fields(std::type_identity<SlowAllocationFigures>) {
  using json_record::field;
  return std::tuple{field("latency_ns", &SlowAllocationFigures::latency_ns),
                    field("size", &SlowAllocationFigures::size),
                    field("thread_id", &SlowAllocationFigures::thread_id),
                    field("site", &SlowAllocationFigures::site)};
}
constexpr auto json_fields(std::type_identity<KernelEventsWatched>) {
  using json_record::field;
  return std::tuple{field("page_faults", &KernelEventsWatched::page_faults),
                    field("system_calls", &KernelEventsWatched::system_calls),
                    field("why_not", &KernelEventsWatched::why_not, json_record::Empty::null)};
}
constexpr auto json_fields(std::type_identity<Provenance>) {
  using json_record::field;
  return std::tuple{field("compiler", &Provenance::compiler),
                    field("build_type", &Provenance::build_type),
                    field("os", &Provenance::os),
                    field("cpu_model", &Provenance::cpu_model),
                    field("cores", &Provenance::cores),
                    field("date", &Provenance::date),
                    field("git_commit", &Provenance::git_commit)};
}
constexpr auto json_fields(std::type_identity<Violation>) {
  using json_record::field;
  return std::tuple{
      field("budget", &Violation::budget),       field("case", &Violation::case_name),
      field("limit", &Violation::limit),         field("observed", &Violation::observed),
      field("unit", &Violation::unit),           field("message", &Violation::message),
      field("preempted", &Violation::preempted), field("figure", &Violation::figure)};
}
constexpr auto json_fields(std::type_identity<ScenarioResult>) {
  using json_record::field;
  using R = ScenarioResult;
  return std::tuple{field("schema_version", &R::schema_version),
                    field("scenario", &R::scenario),
                    field("description", &R::description),
                    field("expectation_note", &R::expectation_note),
                    field("parameters", &R::parameters),
                    field("iterations", &R::iterations),
                    field("warmup_iterations", &R::warmup_iterations),
                    field("allocator", &R::allocator),
                    field("budgets", &R::budgets),
                    field("cases", &R::cases),
                    field("process", &R::process),
                    field("memory", &R::memory),
                    field("slowest_allocations", &R::slowest_allocations),
                    field("kernel_events", &R::kernel_events),
                    field("violations", &R::violations),
                    field("passed", &R::passed),
                    field("provenance", &R::provenance),
                    field("index", &R::index)};
}

// The document of a result; the record of a document, which must have kSchemaVersion (else
// json_record::RecordError naming both versions) and every field (else RecordError naming it).
nlohmann::json write(const ScenarioResult& result);
ScenarioResult read_result(const nlohmann::json& document, const std::string& pointer = "");

}  // namespace scenarios
