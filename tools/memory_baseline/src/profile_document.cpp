// The profile document: the preload library's report parsed, and the run around it added.
#include <fmt/format.h>

#include <cstdio>
#include <sstream>
#include <utility>

#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/profile_format.hpp>

#include "embedded_files.hpp"
#include "memory_baseline/profile.hpp"
#include "memory_baseline/profile_model.hpp"
#include "memory_baseline/results.hpp"
#include "scenarios/site_figures.hpp"
#include "schema_check.hpp"

namespace memory_baseline {

namespace {

namespace format = alloc_hooks::profile_format;

scenarios::LatencyFigures latency_figures(std::istringstream& values) {
  scenarios::LatencyFigures latency;
#define MEMORY_BASELINE_READ_LATENCY(member, name) values >> latency.member;
  ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(MEMORY_BASELINE_READ_LATENCY)
#undef MEMORY_BASELINE_READ_LATENCY
  return latency;
}

// A kStack line's values: the stack's figures and frames into `sites`.
void read_stack(std::istringstream& values, alloc_hooks::RawSites& sites) {
  std::uint32_t id = 0;
  alloc_hooks::SiteFigures site;
  values >> id >> site.live_bytes >> site.peak_snapshot_bytes >> site.allocated_bytes >>
      site.allocations >> site.alloc_latency_ns;
  sites.figures[id] = site;
  std::vector<std::uintptr_t>& frames = sites.stacks[id];
  for (std::string address; values >> address;)
    frames.push_back(static_cast<std::uintptr_t>(std::stoull(address, nullptr, 16)));
}

ProfiledAllocation profiled_allocation(std::istringstream& values) {
  ProfiledAllocation allocation;
  values >> allocation.latency_ns >> allocation.size >> allocation.thread_id >> allocation.stack_id;
  return allocation;
}

}  // namespace

std::uint64_t* counter_named(ProfileCounters& counters, std::string_view name) {
#define MEMORY_BASELINE_COUNTER_NAMED(field) \
  if (name == #field) return &counters.field;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(MEMORY_BASELINE_COUNTER_NAMED)
#undef MEMORY_BASELINE_COUNTER_NAMED
  return nullptr;
}

const ProfileCounters* source_named(const ProfileSources& sources, std::string_view name) {
#define MEMORY_BASELINE_SOURCE_NAMED(source) \
  if (name == #source) return &sources.source;
  ALLOC_HOOKS_SOURCES(MEMORY_BASELINE_SOURCE_NAMED)
#undef MEMORY_BASELINE_SOURCE_NAMED
  return nullptr;
}

ProfileCounters* source_named(ProfileSources& sources, std::string_view name) {
  return const_cast<ProfileCounters*>(source_named(std::as_const(sources), name));
}

nlohmann::json write(const ProfileDocument& document) {
  return scenarios::json_record::write(document);
}

ProfileDocument read_profile(const nlohmann::json& document) {
  const nlohmann::json version =
      document.is_object() ? document.value("schema_version", nlohmann::json()) : nlohmann::json();
  if (version != kProfileSchemaVersion)
    throw scenarios::json_record::RecordError(
        fmt::format("the profile has schema_version {}; this runner reads {}",
                    version.is_null() ? "none" : version.dump(), kProfileSchemaVersion));
  if (document.value("kind", "") != "profile")
    throw scenarios::json_record::RecordError("/kind must be \"profile\"");
  return scenarios::json_record::read<ProfileDocument>(document);
}

std::string unescaped_argument(const std::string& escaped) {
  std::string argument;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    if (escaped[i] == '\\' && i + 1 < escaped.size()) {
      ++i;
      argument += escaped[i] == 'n' ? '\n' : escaped[i];
    } else {
      argument += escaped[i];
    }
  }
  return argument;
}

std::optional<ProfileDocument> parse_preload_report(const std::string& text,
                                                    alloc_hooks::RawSites& sites,
                                                    ReportedProcess* process) {
  ProfileDocument figures;
  ReportedProcess reported;
  std::istringstream lines(text);
  std::string line;
  bool started = false, ended = false;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == format::kFirst) {
      int version = 0;
      words >> version;
      if (version != format::kVersion)
        throw std::runtime_error(fmt::format(
            "the hooks' library wrote a profile report of version {}; this runner reads {} (the "
            "library beside the runner comes from another build)",
            version, format::kVersion));
      started = true;
    } else if (key == format::kEnd) {
      ended = true;
    } else if (key == format::kEndedBy) {
      std::getline(words >> std::ws, reported.process.ended_by);
      figures.exit.figures_until =
          reported.process.ended_by.substr(0, reported.process.ended_by.find(' '));
    } else if (key == format::kSnapshotSignal) {
      std::string state, signal;
      words >> state >> signal;
      figures.snapshot_signal = state == "signal"  ? signal
                                : state == "taken" ? "taken by the program"
                                                   : "unavailable";
    } else if (key == format::kProcess) {
      ProfileProcess& who = reported.process;
      std::int64_t parent_pid = -1, parent_image = -1;
      words >> who.pid >> who.image >> parent_pid >> parent_image >> who.inherited_live_bytes >>
          reported.started_ns >> reported.ended_ns;
      if (parent_pid >= 0) {
        who.parent_pid = parent_pid;
        who.parent_image = parent_image;
      }
    } else if (key == format::kArgument) {
      std::string escaped;
      if (line.size() > key.size() + 1) escaped = line.substr(key.size() + 1);
      reported.process.command.push_back(unescaped_argument(escaped));
    } else if (key == format::kBackend) {
      words >> figures.allocator.name;
    } else if (key == format::kBackendVersion) {
      std::getline(words >> std::ws, figures.allocator.version);
    } else if (key == format::kClock) {
      words >> figures.clock.name >> figures.clock.ns_per_tick;
    } else if (const std::size_t dot = key.find('.'); dot != std::string::npos) {
      // "total.allocations": a total; "malloc.allocations": a source's.
      const std::string group = key.substr(0, dot);
      ProfileCounters* counters =
          group == format::kTotal ? &figures.totals : source_named(figures.by_source, group);
      std::uint64_t* counter =
          counters ? counter_named(*counters, std::string_view(key).substr(dot + 1)) : nullptr;
      if (counter) words >> *counter;
    } else if (key == format::kLiveBytes) {
      words >> figures.live_bytes;
    } else if (key == format::kLiveReservedBytes) {
      words >> figures.live_reserved_bytes;
    } else if (key == format::kPeakLiveBytes) {
      words >> figures.peak_live_bytes;
    } else if (key == format::kAllocLatency) {
      figures.alloc_latency_ns = latency_figures(words);
    } else if (key == format::kFreeLatency) {
      figures.free_latency_ns = latency_figures(words);
    } else if (key == format::kAllocHistogram) {
      HistogramBucket& bucket = figures.alloc_latency_histogram.emplace_back();
      words >> bucket.lowest_ns >> bucket.highest_ns >> bucket.count;
    } else if (key == format::kSlowest) {
      figures.slowest_allocations.push_back(profiled_allocation(words));
    } else if (key == format::kBudget) {
      std::uint64_t limit = 0, budget = 0;
      words >> limit >> budget;
      figures.worst_budget_violation = profiled_allocation(words);
    } else if (key == format::kSampling) {
      alloc_hooks::SamplingReport& sampling = sites.sampling;
      std::string walker;
      words >> sampling.sample_bytes >> sampling.samples >> sampling.snapshot_live_bytes >>
          sampling.unrecorded_samples >> walker;
      std::snprintf(sampling.stack_walker, sizeof sampling.stack_walker, "%s", walker.c_str());
    } else if (key == format::kModule) {
      std::string bias, path;
      words >> bias;
      std::getline(words >> std::ws, path);
      sites.modules.push_back({path, static_cast<std::uintptr_t>(std::stoull(bias, nullptr, 16))});
    } else if (key == format::kStack) {
      read_stack(words, sites);
    } else if (key == format::kSizedDeleteMismatch) {
      SizedDeleteMismatch& mismatch = figures.sized_delete_mismatches.emplace_back();
      words >> mismatch.requested_size >> mismatch.delete_size >> mismatch.thread_id;
    }
  }
  if (!started || !ended) {
    reported.process.ended_by = "no figures";
    if (process != nullptr) *process = std::move(reported);
    return std::nullopt;
  }
  ProfileProcess& who = reported.process;
  who.allocations = figures.totals.allocations;
  who.frees = figures.totals.frees;
  who.peak_live_bytes = figures.peak_live_bytes;
  who.live_bytes = figures.live_bytes;
  who.latency_budget_violations = figures.totals.latency_budget_violations;
  if (figures.worst_budget_violation)
    who.worst_budget_violation_ns = figures.worst_budget_violation->latency_ns;
  if (process != nullptr) *process = std::move(reported);
  return figures;
}

std::optional<std::uintptr_t> live_bytes_address(const std::string& report_start) {
  std::istringstream lines(report_start);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key, address;
    if (words >> key >> address && key == format::kLiveBytesAddress)
      return static_cast<std::uintptr_t>(std::stoull(address, nullptr, 16));
  }
  return std::nullopt;
}

std::optional<ReportedSnapshot> parse_snapshot(const std::string& text,
                                               alloc_hooks::RawSites& sites) {
  ReportedSnapshot snapshot;
  std::istringstream lines(text);
  bool started = false, ended = false;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == format::kFirst) {
      int version = 0;
      words >> version;
      started = version == format::kVersion;
    } else if (key == format::kSnapshot) {
      words >> snapshot.index >> snapshot.time_ns >> snapshot.trigger;
    } else if (key == format::kLiveBytes) {
      words >> snapshot.live_bytes;
    } else if (key == format::kPeakLiveBytes) {
      words >> snapshot.peak_live_bytes;
    } else if (key == format::kStack) {
      read_stack(words, sites);
    } else if (key == format::kEnd) {
      ended = true;
    }
  }
  if (!started || !ended || snapshot.index == 0) return std::nullopt;
  return snapshot;
}

ProfileDocument profile_document(ProfileDocument document, const ProfileRun& run,
                                 const alloc_hooks::SiteReport& sites) {
  const auto name_site = [&sites](ProfiledAllocation& slow) {
    slow.site = sites.site_of(slow.stack_id).where();
  };
  for (ProfiledAllocation& slow : document.slowest_allocations) name_site(slow);
  if (document.worst_budget_violation) name_site(*document.worst_budget_violation);
  document.sites = scenarios::sites_figures(sites);
  const std::string top_sites =
      alloc_hooks::top_sites_line(sites, alloc_hooks::SiteMeasure::peak_bytes);
  document.program = run.program;
  document.arguments = run.arguments;
  document.exit.status = run.end.status;
  document.exit.signal = run.end.signal;
  document.wall_time_ms = run.wall_time_ms;
  document.memory.sample_interval_ms = run.sample_interval_ms;
  for (const RssSnapshot& snapshot : run.memory_series) {
    document.memory.snapshots.push_back(snapshot);
    document.memory.peak_rss_bytes = std::max(document.memory.peak_rss_bytes, snapshot.rss_bytes);
  }
  document.snapshots = run.snapshots;
  document.budgets = {run.limit_mb, run.alloc_budget_us};

  const auto add = [&document](const char* budget, double limit, double observed, const char* unit,
                               std::string message) {
    document.violations.push_back({budget, limit, observed, unit, std::move(message)});
  };
  if (run.limit_mb) {
    const double limit = static_cast<double>(*run.limit_mb);
    const double peak_live = static_cast<double>(document.peak_live_bytes) / kBytesPerMB;
    if (peak_live > limit) {
      add("process_limit_mb", limit, peak_live, "MiB",
          fmt::format("peak live bytes {:.2f} MiB exceed the limit of {} MiB; {}", peak_live, limit,
                      top_sites));
    }
    const double rss = static_cast<double>(document.memory.peak_rss_bytes) / kBytesPerMB;
    if (rss > limit) {
      add("process_limit_mb", limit, rss, "MiB",
          fmt::format(
              "peak RSS {:.2f} MiB exceeds the limit of {} MiB; at the peak of live bytes, {}", rss,
              limit, top_sites));
    }
  }
  document.processes = run.processes;
  if (!document.processes.empty()) document.tree = tree_of(document.processes);
  if (run.limit_mb && document.processes.size() > 1) {
    const double limit = static_cast<double>(*run.limit_mb);
    for (std::size_t i = 1; i < document.processes.size(); ++i) {
      const ProfileProcess& process = document.processes[i];
      const double peak_live = static_cast<double>(own_peak_live_bytes(process)) / kBytesPerMB;
      if (peak_live > limit) {
        add("process_limit_mb", limit, peak_live, "MiB",
            fmt::format(
                "process {} ({}): peak live bytes {:.2f} MiB{} exceed the limit of {} "
                "MiB; top: {}",
                process.pid, process.command.empty() ? "?" : process.command.front(), peak_live,
                process.inherited_live_bytes > 0 ? " (above what it inherited at its fork)" : "",
                limit, process.top_site.value_or("no sampled site")));
      }
    }
    const ProfileTree& tree = *document.tree;
    const double at_most = static_cast<double>(tree.peak_live_bytes_at_most) / kBytesPerMB;
    if (at_most > limit) {
      add("tree_limit_mb", limit, at_most, "MiB",
          fmt::format("the process tree's summed live bytes may exceed the limit of {} MiB: the "
                      "peaks of processes that ran at the same time sum to {:.2f} MiB (its peak "
                      "lies between {:.2f} MiB, the largest process's, and that)",
                      limit, at_most,
                      static_cast<double>(tree.peak_live_bytes_at_least) / kBytesPerMB));
    }
  }
  const std::uint64_t slow = document.totals.latency_budget_violations;
  if (run.alloc_budget_us && slow > 0 && document.worst_budget_violation) {
    const ProfiledAllocation& worst = *document.worst_budget_violation;
    const double worst_us = static_cast<double>(worst.latency_ns) / 1000.0;
    add("alloc_budget_us", static_cast<double>(*run.alloc_budget_us), worst_us, "us",
        fmt::format(
            "{} allocation(s) took longer than {} us; the slowest {:.1f} us ({} bytes) at {}", slow,
            *run.alloc_budget_us, worst_us, worst.size, worst.site.value_or("")));
  }
  if (run.alloc_budget_us) {
    for (std::size_t i = 1; i < document.processes.size(); ++i) {
      const ProfileProcess& process = document.processes[i];
      if (process.latency_budget_violations == 0) continue;
      const double worst_us = static_cast<double>(process.worst_budget_violation_ns) / 1000.0;
      add("alloc_budget_us", static_cast<double>(*run.alloc_budget_us), worst_us, "us",
          fmt::format("process {} ({}): {} allocation(s) took longer than {} us; the slowest "
                      "{:.1f} us",
                      process.pid, process.command.empty() ? "?" : process.command.front(),
                      process.latency_budget_violations, *run.alloc_budget_us, worst_us));
    }
  }
  document.passed = document.violations.empty();
  return document;
}

std::string profile_schema_problem(const nlohmann::json& document) {
  static const nlohmann::json schema = nlohmann::json::parse(
      profile_schema_source(), profile_schema_source() + profile_schema_size());
  return schema_problem(schema, document, "", {{"result.schema.json", &result_schema()}});
}

}  // namespace memory_baseline
