// The profile document (docs/profile.md, docs/profile.schema.json) as records: `profile` writes it
// through write() and the tests read it back through read_profile(), both walking the one field
// list of each record here (scenarios/json_record.hpp). The counters and the latency summary
// expand alloc_hooks' lists, so their fields are listed once.
#pragma once

#include <alloc_hooks/alloc_hooks.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <scenarios/json_record.hpp>
#include <scenarios/result_model.hpp>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace memory_baseline {

inline constexpr int kProfileSchemaVersion = 2;

// One source's counters, or their total (alloc_hooks::SourceCounters' fields).
struct ProfileCounters {
#define MEMORY_BASELINE_COUNTER_MEMBER(name) std::uint64_t name = 0;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(MEMORY_BASELINE_COUNTER_MEMBER)
#undef MEMORY_BASELINE_COUNTER_MEMBER
};
struct ProfileSources {
#define MEMORY_BASELINE_SOURCE_MEMBER(name) ProfileCounters name;
  ALLOC_HOOKS_SOURCES(MEMORY_BASELINE_SOURCE_MEMBER)
#undef MEMORY_BASELINE_SOURCE_MEMBER
};
// The counter named `name` of `counters` (nullptr: no such counter), and the counters of the
// source named `name` (nullptr: no such source): for the preload report's "SOURCE.FIELD" lines.
std::uint64_t* counter_named(ProfileCounters& counters, std::string_view name);
const ProfileCounters* source_named(const ProfileSources& sources, std::string_view name);
ProfileCounters* source_named(ProfileSources& sources, std::string_view name);

// How the program ended: its exit status, or the signal that ended it.
struct ProfileExit {
  std::optional<int> status, signal;
  // Where the figures stop: "exit" (after the exit handlers), "_exit" (none ran), "signal" (the
  // fatal signal's moment) or "exec" (another program took the process over); absent in profiles
  // written before it was recorded.
  std::optional<std::string> figures_until;
  // Where the figures stop when that is short of the exit handlers ("_exit", "signal", "exec").
  std::optional<std::string> stopped_early() const {
    return figures_until && *figures_until != "exit" ? figures_until : std::nullopt;
  }
};
struct ProfileClock {
  std::string name;
  double ns_per_tick = 0;
};
struct ProfileBudgets {
  std::optional<std::uint64_t> process_limit_mb, alloc_budget_us;
};
struct HistogramBucket {
  std::uint64_t lowest_ns = 0, highest_ns = 0, count = 0;
};
// One allocation the hooks kept (among the slowest, or the worst over the budget) and where it was
// made. `stack_id` is the preload report's stack until profile_document names the site; it is not
// part of the document.
struct ProfiledAllocation {
  std::uint64_t latency_ns = 0, size = 0, thread_id = 0;
  std::optional<std::string> site;
  std::uint32_t stack_id = 0;
};
struct SizedDeleteMismatch {
  std::uint64_t requested_size = 0, delete_size = 0, thread_id = 0;
};
// The program's memory at one moment of the runner's sampling: its RSS, and its live bytes as its
// hooks held them (read from outside while it runs; 0 where they could not be read).
struct RssSnapshot {
  double time_ms = 0;
  std::uint64_t rss_bytes = 0;
  std::int64_t live_bytes = 0;
};
// A snapshot the program's hooks took while it ran (on the snapshot signal, or as its peak
// reached the next --snapshot-every-mb): its live bytes by site at that moment.
struct ProfileSnapshot {
  std::uint64_t index = 0;  // 1, 2, ... in the order taken
  double time_ms = 0;       // since the runner started the program
  std::string trigger;      // "signal" or "growth"
  std::int64_t live_bytes = 0;
  std::uint64_t peak_live_bytes = 0;  // the peak so far
  std::optional<std::string> top_site;
  std::vector<scenarios::FoldedStack> live_folded;  // live bytes by stack, for its flame graph
};
struct ProfileMemory {
  std::uint64_t sample_interval_ms = 0;
  std::vector<RssSnapshot> snapshots;
  std::uint64_t peak_rss_bytes = 0;
};
// One process image of the tree (the program the runner started, each fork child, each program
// one of them started): who it was and its own figures, from its own report.
struct ProfileProcess {
  std::int64_t pid = 0;
  std::int64_t image = 0;  // the programs this process ran before this one (exec)
  // The image that forked or started it (for image > 0, the one that exec'd it); null for the
  // program the runner started.
  std::optional<std::int64_t> parent_pid, parent_image;
  std::vector<std::string> command;  // its arguments, argv[0] first, as the kernel held them
  // "exit", "_exit", "signal N" or "exec"; "no figures" when it ended before it could write them.
  std::string ended_by;
  double started_ms = 0, ended_ms = 0;  // since the runner started the program; 0 where unknown
  std::uint64_t allocations = 0, frees = 0;
  std::uint64_t peak_live_bytes = 0;
  std::int64_t live_bytes = 0;  // at its end: for "exit", its leaks
  // What a fork child held when it was forked (its parent's blocks, copied): its live bytes
  // started there. 0 for a program started afresh.
  std::int64_t inherited_live_bytes = 0;
  std::optional<std::string> top_site;  // the site holding most at its peak
  // Its allocations slower than --alloc-budget-us, and the slowest of them (0: none).
  std::uint64_t latency_budget_violations = 0, worst_budget_violation_ns = 0;
};
// The tree's figures, over every process that wrote its own.
struct ProfileTree {
  std::uint64_t processes = 0;
  std::uint64_t processes_without_figures = 0;
  std::uint64_t allocations = 0, frees = 0;
  // Its peak of summed live bytes lies between these: the largest single process's own peak, and
  // the largest sum of the own peaks of processes that ran at the same time (own_peak_live_bytes:
  // a fork child's less what it inherited).
  std::uint64_t peak_live_bytes_at_least = 0, peak_live_bytes_at_most = 0;
};

struct ProfileViolation {
  // "process_limit_mb" (the program's, or a process's of its tree), "tree_limit_mb" or
  // "alloc_budget_us"
  std::string budget;
  double limit = 0, observed = 0;
  std::string unit;  // "MiB" or "us"
  std::string message;
};

struct ProfileDocument {
  int schema_version = kProfileSchemaVersion;
  std::string kind = "profile";
  std::string program;
  std::vector<std::string> arguments;
  ProfileExit exit;
  double wall_time_ms = 0;
  // The figures of the preload library's report (parse_preload_report).
  scenarios::AllocatorId allocator;
  ProfileClock clock;
  ProfileCounters totals;
  ProfileSources by_source;
  std::int64_t live_bytes = 0;
  std::uint64_t peak_live_bytes = 0;
  std::int64_t live_reserved_bytes = 0;
  scenarios::LatencyFigures alloc_latency_ns, free_latency_ns;
  std::vector<HistogramBucket> alloc_latency_histogram;
  std::vector<ProfiledAllocation> slowest_allocations;
  std::optional<ProfiledAllocation> worst_budget_violation;
  std::vector<SizedDeleteMismatch> sized_delete_mismatches;
  // The run around it (profile_document).
  ProfileBudgets budgets;
  ProfileMemory memory;
  std::optional<scenarios::SitesFigures> sites;
  // The snapshots taken while it ran, and what the snapshot signal did: "SIGUSR2" (snapshots on
  // it), "taken by the program" (it set its own action, which ended them), or "unavailable" (not
  // at its default action when the program started); null where there is none (Windows).
  std::vector<ProfileSnapshot> snapshots;
  std::optional<std::string> snapshot_signal;
  // The process tree: every process image, the program's first; empty when it was not followed
  // (--no-follow, or an OS where it is not).
  std::vector<ProfileProcess> processes;
  std::optional<ProfileTree> tree;
  std::vector<ProfileViolation> violations;
  bool passed = false;
};

constexpr auto json_fields(std::type_identity<ProfileCounters>) {
  using scenarios::json_record::field;
#define MEMORY_BASELINE_COUNTER_FIELD(name) field(#name, &ProfileCounters::name),
  return std::tuple{ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(MEMORY_BASELINE_COUNTER_FIELD)};
#undef MEMORY_BASELINE_COUNTER_FIELD
}
constexpr auto json_fields(std::type_identity<ProfileSources>) {
  using scenarios::json_record::field;
#define MEMORY_BASELINE_SOURCE_FIELD(name) field(#name, &ProfileSources::name),
  return std::tuple{ALLOC_HOOKS_SOURCES(MEMORY_BASELINE_SOURCE_FIELD)};
#undef MEMORY_BASELINE_SOURCE_FIELD
}
constexpr auto json_fields(std::type_identity<ProfileExit>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  return std::tuple{field("status", &ProfileExit::status, Empty::null),
                    field("signal", &ProfileExit::signal, Empty::null),
                    field("figures_until", &ProfileExit::figures_until, Empty::omitted)};
}
constexpr auto json_fields(std::type_identity<ProfileClock>) {
  using scenarios::json_record::field;
  return std::tuple{field("name", &ProfileClock::name),
                    field("ns_per_tick", &ProfileClock::ns_per_tick)};
}
constexpr auto json_fields(std::type_identity<ProfileBudgets>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  return std::tuple{field("process_limit_mb", &ProfileBudgets::process_limit_mb, Empty::null),
                    field("alloc_budget_us", &ProfileBudgets::alloc_budget_us, Empty::null)};
}
constexpr auto json_fields(std::type_identity<HistogramBucket>) {
  using scenarios::json_record::field;
  return std::tuple{field("lowest_ns", &HistogramBucket::lowest_ns),
                    field("highest_ns", &HistogramBucket::highest_ns),
                    field("count", &HistogramBucket::count)};
}
constexpr auto json_fields(std::type_identity<ProfiledAllocation>) {
  using scenarios::json_record::field;
  return std::tuple{field("latency_ns", &ProfiledAllocation::latency_ns),
                    field("size", &ProfiledAllocation::size),
                    field("thread_id", &ProfiledAllocation::thread_id),
                    field("site", &ProfiledAllocation::site)};
}
constexpr auto json_fields(std::type_identity<SizedDeleteMismatch>) {
  using scenarios::json_record::field;
  return std::tuple{field("requested_size", &SizedDeleteMismatch::requested_size),
                    field("delete_size", &SizedDeleteMismatch::delete_size),
                    field("thread_id", &SizedDeleteMismatch::thread_id)};
}
constexpr auto json_fields(std::type_identity<RssSnapshot>) {
  using scenarios::json_record::field;
  return std::tuple{field("time_ms", &RssSnapshot::time_ms),
                    field("rss_bytes", &RssSnapshot::rss_bytes),
                    field("live_bytes", &RssSnapshot::live_bytes)};
}
constexpr auto json_fields(std::type_identity<ProfileSnapshot>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  using S = ProfileSnapshot;
  return std::tuple{field("index", &S::index),
                    field("time_ms", &S::time_ms),
                    field("trigger", &S::trigger),
                    field("live_bytes", &S::live_bytes),
                    field("peak_live_bytes", &S::peak_live_bytes),
                    field("top_site", &S::top_site, Empty::null),
                    field("live_folded", &S::live_folded)};
}
constexpr auto json_fields(std::type_identity<ProfileMemory>) {
  using scenarios::json_record::field;
  return std::tuple{field("sample_interval_ms", &ProfileMemory::sample_interval_ms),
                    field("snapshots", &ProfileMemory::snapshots),
                    field("peak_rss_bytes", &ProfileMemory::peak_rss_bytes)};
}
constexpr auto json_fields(std::type_identity<ProfileProcess>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  using P = ProfileProcess;
  return std::tuple{field("pid", &P::pid),
                    field("image", &P::image),
                    field("parent_pid", &P::parent_pid, Empty::null),
                    field("parent_image", &P::parent_image, Empty::null),
                    field("command", &P::command),
                    field("ended_by", &P::ended_by),
                    field("started_ms", &P::started_ms),
                    field("ended_ms", &P::ended_ms),
                    field("allocations", &P::allocations),
                    field("frees", &P::frees),
                    field("peak_live_bytes", &P::peak_live_bytes),
                    field("live_bytes", &P::live_bytes),
                    field("inherited_live_bytes", &P::inherited_live_bytes),
                    field("top_site", &P::top_site, Empty::null),
                    field("latency_budget_violations", &P::latency_budget_violations),
                    field("worst_budget_violation_ns", &P::worst_budget_violation_ns)};
}
constexpr auto json_fields(std::type_identity<ProfileTree>) {
  using scenarios::json_record::field;
  using T = ProfileTree;
  return std::tuple{field("processes", &T::processes),
                    field("processes_without_figures", &T::processes_without_figures),
                    field("allocations", &T::allocations),
                    field("frees", &T::frees),
                    field("peak_live_bytes_at_least", &T::peak_live_bytes_at_least),
                    field("peak_live_bytes_at_most", &T::peak_live_bytes_at_most)};
}
constexpr auto json_fields(std::type_identity<ProfileViolation>) {
  using scenarios::json_record::field;
  return std::tuple{
      field("budget", &ProfileViolation::budget), field("limit", &ProfileViolation::limit),
      field("observed", &ProfileViolation::observed), field("unit", &ProfileViolation::unit),
      field("message", &ProfileViolation::message)};
}
constexpr auto json_fields(std::type_identity<ProfileDocument>) {
  using scenarios::json_record::field;
  using D = ProfileDocument;
  return std::tuple{
      field("schema_version", &D::schema_version),
      field("kind", &D::kind),
      field("program", &D::program),
      field("arguments", &D::arguments),
      field("exit", &D::exit),
      field("wall_time_ms", &D::wall_time_ms),
      field("allocator", &D::allocator),
      field("clock", &D::clock),
      field("totals", &D::totals),
      field("by_source", &D::by_source),
      field("live_bytes", &D::live_bytes),
      field("peak_live_bytes", &D::peak_live_bytes),
      field("live_reserved_bytes", &D::live_reserved_bytes),
      field("alloc_latency_ns", &D::alloc_latency_ns),
      field("free_latency_ns", &D::free_latency_ns),
      field("alloc_latency_histogram", &D::alloc_latency_histogram),
      field("slowest_allocations", &D::slowest_allocations),
      field("worst_budget_violation", &D::worst_budget_violation),
      field("sized_delete_mismatches", &D::sized_delete_mismatches),
      field("budgets", &D::budgets),
      field("memory", &D::memory),
      field("sites", &D::sites),
      field("snapshots", &D::snapshots),
      field("snapshot_signal", &D::snapshot_signal, scenarios::json_record::Empty::null),
      field("processes", &D::processes),
      field("tree", &D::tree, scenarios::json_record::Empty::null),
      field("violations", &D::violations),
      field("passed", &D::passed)};
}

// The document as profile.json holds it.
nlohmann::json write(const ProfileDocument& document);
// A profile document: its schema_version and kind checked first (another version: both named),
// then every field; throws scenarios::json_record::RecordError naming what is wrong.
ProfileDocument read_profile(const nlohmann::json& document);

}  // namespace memory_baseline
