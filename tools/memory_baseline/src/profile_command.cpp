// `memory_baseline profile`: checks the program and every output first, runs the program with the
// hooks' library in it (platform/profile.hpp) while a sampler reads its RSS, then writes
// profile.json, report.html and report.md together. Exit status: 1 when a budget was breached,
// else the program's own when it failed (128 + N for signal N; on Windows a crash's exception
// code), else 0; 2 for bad input.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <monitor/memory.hpp>
#include <monitor/sampler.hpp>
#include <sstream>
#include <thread>

#include "memory_baseline/commands.hpp"
#include "memory_baseline/profile.hpp"
#include "memory_baseline/results.hpp"
#include "platform/profile.hpp"
#include "scenarios/site_figures.hpp"

namespace memory_baseline {

namespace {

namespace fs = std::filesystem;

// Where the preload library writes its report: a private file in the output folder, removed
// after the run.
std::string report_file(const fs::path& out_dir) {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  return (out_dir / fmt::format(".alloc_hooks_report.{}", now)).string();
}

// Removes the preload library's report files however the profile ends: the program's and those
// of its tree's other processes, named after it.
class RemovedAtEnd {
 public:
  explicit RemovedAtEnd(std::string path) : path_(std::move(path)) {}
  ~RemovedAtEnd() {
    std::error_code ignored;
    fs::remove(path_, ignored);
    for (const fs::path& file : files_named_after(path_)) fs::remove(file, ignored);
  }
  RemovedAtEnd(const RemovedAtEnd&) = delete;
  RemovedAtEnd& operator=(const RemovedAtEnd&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_whole(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

int status_of(const process::Ending& end) {
  if (end.status) return *end.status;
  return end.signal ? 128 + *end.signal : 1;
}

// Waits for the program, telling every 10 s how long it has run and its RSS; with `tree`, reaps
// the processes of its tree it leaves behind as they end.
process::Ending wait_for(process::Process& child, const std::string& program,
                         std::chrono::steady_clock::time_point start, bool tree) {
  auto next_progress = start + std::chrono::seconds(10);
  for (unsigned round = 0;; ++round) {
    if (tree && round % 50 == 0) platform::reap_orphans(child.id());  // every 100 ms
    if (std::optional<process::Ending> end = child.poll()) return *end;
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_progress) {
      const double seconds = std::chrono::duration<double>(now - start).count();
      std::fprintf(stderr, "memory_baseline: %s running for %.0f s, RSS %.1f MiB\n",
                   program.c_str(), seconds,
                   static_cast<double>(
                       monitor::read_rss_bytes_of(static_cast<int>(child.id())).value_or(0)) /
                       kBytesPerMB);
      next_progress += std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// Waits for the processes the program left running (its tree's, adopted by the runner), telling
// every 10 s which still run.
void wait_for_tree(const std::string& program) {
  const auto start = std::chrono::steady_clock::now();
  auto next_progress = start + std::chrono::seconds(10);
  for (std::vector<std::int64_t> running;
       platform::reap_orphans(-1), !(running = platform::running_children()).empty();) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_progress) {
      std::fprintf(stderr,
                   "memory_baseline: %s ended %.0f s ago; waiting for the %zu process(es) of its "
                   "tree still running (%s)\n",
                   program.c_str(), std::chrono::duration<double>(now - start).count(),
                   running.size(), fmt::format("{}", fmt::join(running, ", ")).c_str());
      next_progress += std::chrono::seconds(10);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// "  pid 123 (parent 122) cc1plus: 1,234 allocations, peak live 1.20 MiB, ..., ended exit"
std::string process_line(const ProfileProcess& process) {
  const std::string parent = process.image > 0    ? fmt::format(" image {}", process.image)
                             : process.parent_pid ? fmt::format(" (parent {})", *process.parent_pid)
                                                  : std::string();
  const std::string name = process.command.empty() ? "?" : process.command.front();
  if (process.ended_by == "no figures")
    return fmt::format("  pid {}{} {}: no figures (it ended before it could write them)",
                       process.pid, parent, name);
  return fmt::format("  pid {}{} {}: {} allocations, peak live {}, live at its end {}, ended by {}",
                     process.pid, parent, name, process.allocations,
                     alloc_hooks::format_bytes(static_cast<double>(process.peak_live_bytes)),
                     alloc_hooks::format_bytes(static_cast<double>(process.live_bytes)),
                     process.ended_by);
}

// The tree's lines: its figures, then its processes by peak, the largest first (at most 8).
void print_tree(const ProfileDocument& document) {
  if (document.processes.size() < 2 || !document.tree) return;
  const ProfileTree& tree = *document.tree;
  std::fprintf(
      stderr,
      "Process tree: %llu processes (%llu without figures), %llu allocations; its peak of "
      "summed live bytes lies between %s and %s\n",
      static_cast<unsigned long long>(tree.processes),
      static_cast<unsigned long long>(tree.processes_without_figures),
      static_cast<unsigned long long>(tree.allocations),
      alloc_hooks::format_bytes(static_cast<double>(tree.peak_live_bytes_at_least)).c_str(),
      alloc_hooks::format_bytes(static_cast<double>(tree.peak_live_bytes_at_most)).c_str());
  std::vector<const ProfileProcess*> by_peak;
  for (const ProfileProcess& process : document.processes) by_peak.push_back(&process);
  std::stable_sort(by_peak.begin(), by_peak.end(), [](const auto* a, const auto* b) {
    return a->peak_live_bytes > b->peak_live_bytes;
  });
  constexpr std::size_t kShown = 8;
  for (std::size_t i = 0; i < by_peak.size() && i < kShown; ++i)
    std::fprintf(stderr, "%s\n", process_line(*by_peak[i]).c_str());
  if (by_peak.size() > kShown)
    std::fprintf(stderr, "  ... %zu more in the report\n", by_peak.size() - kShown);
}

// The program's snapshots, symbolized with its report's modules, in the order taken.
std::vector<ProfileSnapshot> read_snapshots(const std::string& report_path,
                                            const alloc_hooks::RawSites& report_sites,
                                            std::int64_t start_ns) {
  std::vector<ProfileSnapshot> snapshots;
  for (const fs::path& file : snapshot_files(report_path)) {
    alloc_hooks::RawSites raw;
    raw.modules = report_sites.modules;
    raw.sampling = report_sites.sampling;
    const std::optional<ReportedSnapshot> reported = parse_snapshot(read_whole(file.string()), raw);
    if (!reported) continue;  // cut short: the process ended while it was written
    const alloc_hooks::SiteReport sites(raw);
    ProfileSnapshot& snapshot = snapshots.emplace_back();
    snapshot.index = reported->index;
    snapshot.time_ms = static_cast<double>(reported->time_ns - start_ns) / 1e6;
    snapshot.trigger = reported->trigger;
    snapshot.live_bytes = reported->live_bytes;
    snapshot.peak_live_bytes = reported->peak_live_bytes;
    snapshot.top_site = top_site(sites, alloc_hooks::SiteMeasure::live_bytes);
    snapshot.live_folded = sites.folded_stacks(alloc_hooks::SiteMeasure::live_bytes);
  }
  std::sort(snapshots.begin(), snapshots.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  return snapshots;
}

// "Snapshots: 3 (1 on SIGUSR2, 2 as the peak grew)", and what became of the snapshot signal.
void print_snapshots(const ProfileDocument& document) {
  const auto by = [&document](const char* trigger) {
    return std::count_if(document.snapshots.begin(), document.snapshots.end(),
                         [trigger](const ProfileSnapshot& s) { return s.trigger == trigger; });
  };
  if (!document.snapshots.empty()) {
    std::fprintf(stderr, "Snapshots: %zu (%td on the snapshot signal, %td as the peak grew)\n",
                 document.snapshots.size(), by("signal"), by("growth"));
  }
  if (document.snapshot_signal && *document.snapshot_signal == "taken by the program")
    std::fprintf(stderr,
                 "The program set its own action for SIGUSR2: snapshots on the signal ended "
                 "there\n");
}

}  // namespace

int profile_command(const ProfileSettings& settings) {
  if (const std::string missing = scenarios::allocator_missing(settings.allocator);
      !missing.empty())
    throw InputError(missing);
  if (const std::string problem = platform::allocator_problem(settings.allocator); !problem.empty())
    throw InputError(problem);
  const std::optional<std::string> program = platform::find_program(settings.program);
  if (!program) throw InputError(settings.program + ": no such program (or not executable)");
  if (const std::string problem = platform::why_not_preloadable(*program); !problem.empty())
    throw InputError(*program + " " + problem);
  const std::string library = platform::hooks_library();
  if (std::error_code missing; !fs::is_regular_file(library, missing))
    throw InputError(library + ": the hooks' library is missing (it belongs beside the runner)");

  // Absolute before the program starts: the hooks write the report where the runner reads it,
  // whatever directory the program moves to.
  const fs::path out_dir = fs::absolute(settings.out_dir);
  const std::vector<scenarios::OutputPath> outputs = {
      {"the profile", (out_dir / "profile.json").string()},
      {"report.md", (out_dir / "report.md").string()},
      {"report.html", (out_dir / "report.html").string()},
      {"the peak's folded stacks", (out_dir / "peak.folded").string()},
      {"the latency's folded stacks", (out_dir / "latency.folded").string()}};
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error || !fs::is_directory(out_dir, error))
    throw InputError("cannot create the folder " + out_dir.string());
  check_outputs(outputs);

  const RemovedAtEnd report(report_file(out_dir));
  const std::string& report_path = report.path();
  std::vector<std::string> environment = {"ALLOC_HOOKS_PROFILE_OUT=" + report_path};
  for (const auto& [name, value] : scenarios::allocator_environment(settings.allocator))
    environment.push_back(name + "=" + value);
  if (settings.alloc_budget_us)
    environment.push_back(
        fmt::format("ALLOC_HOOKS_ALLOC_BUDGET_NS={}", *settings.alloc_budget_us * 1000));
  if (settings.snapshot_every_mb) {
    if (!platform::takes_snapshots())
      throw InputError("--snapshot-every-mb: snapshots are taken on Linux only");
    environment.push_back(fmt::format("ALLOC_HOOKS_SNAPSHOT_EVERY_BYTES={}",
                                      *settings.snapshot_every_mb * std::uint64_t{1 << 20}));
  }
  const bool tree = settings.follow && platform::follows_process_trees();
  if (tree) {
    environment.push_back("ALLOC_HOOKS_PROFILE_FOLLOW=1");
    platform::adopt_orphans();
  }

  std::fprintf(stderr, "memory_baseline: profiling %s under %s\n", program->c_str(),
               settings.allocator.c_str());
  const auto start = std::chrono::steady_clock::now();
  // The hooks' moments are on the monotonic clock, which steady_clock reads.
  const std::int64_t start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  process::Process child = [&] {
    try {
      return platform::start_program(*program, settings.program, settings.arguments, library,
                                     environment);
    } catch (const process::StartError& error) {
      throw InputError(*program + ": cannot start it: " + error.what());
    }
  }();
  const int process_id = static_cast<int>(child.id());
  monitor::Sampler sampler(
      std::chrono::milliseconds(settings.sample_interval_ms), 4096,
      {[process_id] { return monitor::read_rss_bytes_of(process_id).value_or(0); },
       platform::live_bytes_reader(process_id, report_path)});
  sampler.start();
  const process::Ending end = wait_for(child, *program, start, tree);
  sampler.stop();
  // The program's own time: the processes it left running end later.
  const double wall_time_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (tree) wait_for_tree(*program);

  alloc_hooks::RawSites raw_sites;
  ReportedProcess reported;
  std::optional<ProfileDocument> figures =
      parse_preload_report(read_whole(report_path), raw_sites, &reported);
  if (!figures) {
    std::fprintf(stderr,
                 "memory_baseline: %s %s before the hooks could write its figures (they cannot "
                 "after %s; or its report could not be written): no figures, nothing written\n",
                 program->c_str(), process::describe(end).c_str(),
                 platform::ends_without_figures());
    return status_of(end);  // the program's own: no budget verdict was reached
  }

  ProfileRun run;
  run.program = *program;
  run.arguments = settings.arguments;
  run.end = end;
  run.wall_time_ms = wall_time_ms;
  run.sample_interval_ms = settings.sample_interval_ms;
  run.limit_mb = settings.limit_mb;
  run.alloc_budget_us = settings.alloc_budget_us;
  for (const monitor::Snapshot& snapshot : sampler.snapshots()) {
    // A snapshot taken after the program ended reads nothing: it is left out.
    if (snapshot.rss_bytes > 0)
      run.memory_series.push_back(
          {static_cast<double>(snapshot.time_ns) / 1e6, snapshot.rss_bytes, snapshot.live_bytes});
  }
  std::fprintf(stderr, "memory_baseline: symbolizing %zu call stacks\n", raw_sites.stacks.size());
  const alloc_hooks::SiteReport sites(raw_sites);
  run.snapshots = read_snapshots(report_path, raw_sites, start_ns);
  if (tree) {
    run.processes.push_back(tree_process(std::move(reported), &sites, start_ns));
    std::vector<ProfileProcess> others =
        read_tree_reports(report_path, start_ns, [](std::size_t done, std::size_t all) {
          if (done % 50 == 0)
            std::fprintf(stderr,
                         "memory_baseline: reading and symbolizing the tree's other processes: "
                         "%zu of %zu\n",
                         done, all);
        });
    std::move(others.begin(), others.end(), std::back_inserter(run.processes));
  }
  const ProfileDocument document = profile_document(std::move(*figures), run, sites);
  const nlohmann::json written = write(document);
  if (const std::string problem = profile_schema_problem(written); !problem.empty())
    throw std::runtime_error("the profile breaks docs/profile.schema.json: " + problem);
  write_outputs({{outputs[0].path, written.dump(2) + "\n"},
                 {outputs[1].path, profile_markdown_report(document)},
                 {outputs[2].path, profile_html_report(document)},
                 {outputs[3].path, scenarios::folded_text(document.sites->peak_folded)},
                 {outputs[4].path, scenarios::folded_text(document.sites->latency_folded)}});

  const ProfileSources& by_source = document.by_source;
  const std::string heap_part =
      by_source.win32_heap.allocations != 0
          ? fmt::format(", {} via the Win32 heap", by_source.win32_heap.allocations)
          : std::string();
  const std::optional<std::string> stopped = document.exit.stopped_early();
  const std::string until = stopped ? " (figures up to its " + *stopped + ")" : std::string();
  std::fprintf(
      stderr,
      "%s %s%s: %llu allocations (%llu via operator new, %llu via malloc%s), peak live %.2f MiB, "
      "peak RSS %.2f MiB\n",
      program->c_str(), process::describe(end).c_str(), until.c_str(),
      static_cast<unsigned long long>(document.totals.allocations),
      static_cast<unsigned long long>(by_source.operator_new.allocations),
      static_cast<unsigned long long>(by_source.malloc.allocations), heap_part.c_str(),
      static_cast<double>(document.peak_live_bytes) / kBytesPerMB,
      static_cast<double>(document.memory.peak_rss_bytes) / kBytesPerMB);
  std::fprintf(stderr, "At the peak, %s\n",
               alloc_hooks::top_sites_line(sites, alloc_hooks::SiteMeasure::peak_bytes).c_str());
  print_tree(document);
  print_snapshots(document);
  for (const ProfileViolation& violation : document.violations)
    std::fprintf(stderr, "BUDGET BREACHED: %s\n", violation.message.c_str());
  std::fprintf(
      stderr,
      "Profile:     %s\nHTML report: %s\nMarkdown:    %s\nFolded:      %s, %s (flamegraph.pl, "
      "speedscope)\n",
      outputs[0].path.c_str(), outputs[2].path.c_str(), outputs[1].path.c_str(),
      outputs[3].path.c_str(), outputs[4].path.c_str());
  if (!document.passed) return 1;
  return status_of(end);
}

}  // namespace memory_baseline
