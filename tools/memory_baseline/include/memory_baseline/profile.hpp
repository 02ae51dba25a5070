// `memory_baseline profile -- PROGRAM ARGS...`: runs an unmodified program with the preload
// library (liballoc_hooks_preload.so), samples its RSS from outside, and writes a profile document
// (docs/profile.md, docs/profile.schema.json) with report.html and report.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "alloc_hooks/site_report.hpp"
#include "memory_baseline/profile_model.hpp"
#include "process/process.hpp"

namespace memory_baseline {

struct ProfileSettings {
  std::string allocator = "system";
  std::string out_dir = "profile";
  std::optional<std::uint64_t> limit_mb;         // peak live bytes and peak RSS, in MiB
  std::optional<std::uint64_t> alloc_budget_us;  // every allocation
  std::uint64_t sample_interval_ms = 10;
  std::optional<std::uint64_t> snapshot_every_mb;  // a snapshot each time the peak grows by it
  bool follow = true;  // the process tree (Linux); --no-follow: the program's own process only
  std::string program;
  std::vector<std::string> arguments;
};

int profile_command(const ProfileSettings& settings);

// Which process image a preload report came from, as far as it says (a report cut short may
// still name it), with its moments on the system's monotonic clock.
struct ReportedProcess {
  ProfileProcess process;  // started_ms, ended_ms and top_site left for the tree to set
  std::int64_t started_ns = 0, ended_ns = 0;
};

// The figures of a profile document from the preload library's report (the lines of
// alloc_hooks/profile_format.hpp), and its sites (stacks and modules) into `sites`; nullopt when
// the report is missing its end (cut short: the process ended while it was written). `process`,
// when given, gets who wrote it and its figures (ended_by "no figures" when cut short). Throws
// std::runtime_error, naming both versions, for a report of another format version. Slow
// allocations carry their stack_id until profile_document names their sites.
std::optional<ProfileDocument> parse_preload_report(const std::string& text,
                                                    alloc_hooks::RawSites& sites,
                                                    ReportedProcess* process = nullptr);

// Where the report's start says the process keeps its live bytes (kLiveBytesAddress).
std::optional<std::uintptr_t> live_bytes_address(const std::string& report_start);
// A snapshot file (profile_format.hpp, kSnapshot): its figures, and its stacks into `sites`
// (whose modules are the report's); nullopt when it is not whole or of another version.
struct ReportedSnapshot {
  std::uint64_t index = 0;
  std::int64_t time_ns = 0;  // the monotonic clock
  std::string trigger;
  std::int64_t live_bytes = 0;
  std::uint64_t peak_live_bytes = 0;
};
std::optional<ReportedSnapshot> parse_snapshot(const std::string& text,
                                               alloc_hooks::RawSites& sites);

// The site first by `measure` (bytes: the peak's or live), as "where (bytes)"; nullopt when none
// holds any.
std::optional<std::string> top_site(const alloc_hooks::SiteReport& sites,
                                    alloc_hooks::SiteMeasure measure);

// The tree (profile_tree.cpp). A process image from its report: started_ms and ended_ms counted
// from `runner_start_ns` (the monotonic clock), its top site from `sites` (nullptr: none).
ProfileProcess tree_process(ReportedProcess reported, const alloc_hooks::SiteReport* sites,
                            std::int64_t runner_start_ns);
// The files the hooks wrote beside `report_path` (the program's report) and named after it
// ("REPORT."...): the reports of the tree's other process images (.PID.IMAGE), and of each image
// its snapshots (.snapshot.N).
std::vector<std::filesystem::path> files_named_after(const std::string& report_path);
std::vector<std::filesystem::path> tree_reports(const std::string& report_path);
std::vector<std::filesystem::path> snapshot_files(const std::string& report_path);
// Those reports read and symbolized; `progress(done, all)` before each.
std::vector<ProfileProcess> read_tree_reports(
    const std::string& report_path, std::int64_t runner_start_ns,
    const std::function<void(std::size_t, std::size_t)>& progress);
// What a process added to the live bytes it started with: its peak less what a fork child
// inherited (its parent's blocks, copied, which the parent's figures hold already).
std::uint64_t own_peak_live_bytes(const ProfileProcess& process);
// The tree's figures over `processes`, each process's own peak summed.
ProfileTree tree_of(const std::vector<ProfileProcess>& processes);

// The whole document: figures, how the program ended, the RSS series, budgets and their verdict.
struct ProfileRun {
  std::string program;
  std::vector<std::string> arguments;
  process::Ending end;  // how the program ended
  double wall_time_ms = 0;
  std::uint64_t sample_interval_ms = 0;
  std::vector<RssSnapshot> memory_series;  // RSS and live bytes, ms since start
  std::vector<ProfileSnapshot> snapshots;  // the program's own, sites symbolized
  std::optional<std::uint64_t> limit_mb;
  std::optional<std::uint64_t> alloc_budget_us;
  // The tree, when it was followed: every process image, the program's first, their figures and
  // top sites set (profile_tree).
  std::vector<ProfileProcess> processes;
};
// `figures`: parse_preload_report's. `sites`: the program's, symbolized; the document's sites, the
// sites of its slow allocations, and the top sites its violations name.
ProfileDocument profile_document(ProfileDocument figures, const ProfileRun& run,
                                 const alloc_hooks::SiteReport& sites);
// The embedded docs/profile.schema.json; "" when `document` follows it, else the first problem.
std::string profile_schema_problem(const nlohmann::json& document);

// The reports of a profile document.
std::string profile_markdown_report(const ProfileDocument& document);
std::string profile_html_report(const ProfileDocument& document);

}  // namespace memory_baseline
