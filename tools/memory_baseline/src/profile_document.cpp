// The profile document: the preload library's report parsed, and the run around it added.
#include <fmt/format.h>

#include <cstdio>
#include <sstream>

#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/profile_format.hpp>

#include "embedded_files.hpp"
#include "memory_baseline/profile.hpp"
#include "memory_baseline/results.hpp"
#include "scenarios/sites_json.hpp"
#include "schema_check.hpp"

namespace memory_baseline {

namespace {

namespace format = alloc_hooks::profile_format;

nlohmann::json latency_json(std::istringstream& values) {
  nlohmann::json latency = nlohmann::json::object();
  for (const char* field : alloc_hooks::kLatencySummaryNames) {
    std::uint64_t value = 0;
    values >> value;
    latency[field] = value;
  }
  return latency;
}

// "total.allocations" → figures["totals"]["allocations"]; a source's name → figures["by_source"].
void store_counter(nlohmann::json& figures, const std::string& key, std::uint64_t value) {
  const std::size_t dot = key.find('.');
  const std::string group = key.substr(0, dot), field = key.substr(dot + 1);
  if (group == format::kTotal) {
    figures["totals"][field] = value;
  } else {
    figures["by_source"][group][field] = value;
  }
}

}  // namespace

std::optional<nlohmann::json> parse_preload_report(const std::string& text,
                                                   alloc_hooks::RawSites& sites) {
  nlohmann::json figures = {{"totals", nlohmann::json::object()},
                            {"by_source", nlohmann::json::object()},
                            {"alloc_latency_histogram", nlohmann::json::array()},
                            {"slowest_allocations", nlohmann::json::array()},
                            {"sized_delete_mismatches", nlohmann::json::array()}};
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
    } else if (key == format::kBackend) {
      std::string name;
      words >> name;
      figures["allocator"]["name"] = name;
    } else if (key == format::kBackendVersion) {
      std::string version;
      std::getline(words >> std::ws, version);
      figures["allocator"]["version"] = version;
    } else if (key == format::kClock) {
      std::string name;
      double ns_per_tick = 0;
      words >> name >> ns_per_tick;
      figures["clock"] = {{"name", name}, {"ns_per_tick", ns_per_tick}};
    } else if (key.find('.') != std::string::npos) {
      std::uint64_t value = 0;
      words >> value;
      store_counter(figures, key, value);
    } else if (key == format::kLiveBytes || key == format::kLiveReservedBytes) {
      std::int64_t value = 0;
      words >> value;
      figures[key] = value;
    } else if (key == format::kPeakLiveBytes) {
      std::uint64_t value = 0;
      words >> value;
      figures[key] = value;
    } else if (key == format::kAllocLatency || key == format::kFreeLatency) {
      figures[key + "_ns"] = latency_json(words);
    } else if (key == format::kAllocHistogram) {
      std::uint64_t lowest = 0, highest = 0, count = 0;
      words >> lowest >> highest >> count;
      figures["alloc_latency_histogram"].push_back(
          {{"lowest_ns", lowest}, {"highest_ns", highest}, {"count", count}});
    } else if (key == format::kSlowest) {
      std::uint64_t latency = 0, size = 0, thread = 0;
      std::uint32_t stack = 0;
      words >> latency >> size >> thread >> stack;
      figures["slowest_allocations"].push_back(
          {{"latency_ns", latency}, {"size", size}, {"thread_id", thread}, {"stack_id", stack}});
    } else if (key == format::kBudget) {
      std::uint64_t limit = 0, budget = 0, latency = 0, size = 0, thread = 0;
      std::uint32_t stack = 0;
      words >> limit >> budget >> latency >> size >> thread >> stack;
      figures["worst_budget_violation"] = {
          {"latency_ns", latency}, {"size", size}, {"thread_id", thread}, {"stack_id", stack}};
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
      std::uint32_t id = 0;
      alloc_hooks::SiteFigures site;
      words >> id >> site.live_bytes >> site.peak_snapshot_bytes >> site.allocated_bytes >>
          site.allocations >> site.alloc_latency_ns;
      sites.figures[id] = site;
      std::vector<std::uintptr_t>& frames = sites.stacks[id];
      for (std::string address; words >> address;)
        frames.push_back(static_cast<std::uintptr_t>(std::stoull(address, nullptr, 16)));
    } else if (key == format::kSizedDeleteMismatch) {
      std::uint64_t requested = 0, deleted = 0, thread = 0;
      words >> requested >> deleted >> thread;
      figures["sized_delete_mismatches"].push_back(
          {{"requested_size", requested}, {"delete_size", deleted}, {"thread_id", thread}});
    }
  }
  if (!started || !ended) return std::nullopt;
  return figures;
}

nlohmann::json profile_document(const nlohmann::json& figures, const ProfileRun& run,
                                const alloc_hooks::SiteReport& sites) {
  nlohmann::json document = figures;
  const auto name_site = [&sites](nlohmann::json& slow) {
    slow["site"] = sites.site_of(slow.at("stack_id").get<std::uint32_t>()).where();
    slow.erase("stack_id");
  };
  for (nlohmann::json& slow : document["slowest_allocations"]) name_site(slow);
  if (document.contains("worst_budget_violation")) name_site(document["worst_budget_violation"]);
  document["sites"] = scenarios::sites_json(sites);
  const std::string top_sites =
      alloc_hooks::top_sites_line(sites, alloc_hooks::SiteMeasure::peak_bytes);
  document["schema_version"] = kProfileSchemaVersion;
  document["kind"] = "profile";
  document["program"] = run.program;
  document["arguments"] = run.arguments;
  document["exit"] = {{"status", run.end.status ? nlohmann::json(*run.end.status) : nullptr},
                      {"signal", run.end.signal ? nlohmann::json(*run.end.signal) : nullptr}};
  document["wall_time_ms"] = run.wall_time_ms;
  nlohmann::json snapshots = nlohmann::json::array();
  std::uint64_t peak_rss = 0;
  for (const auto& [time_ms, rss] : run.rss_series) {
    snapshots.push_back({{"time_ms", time_ms}, {"rss_bytes", rss}});
    peak_rss = std::max(peak_rss, rss);
  }
  document["memory"] = {{"sample_interval_ms", run.sample_interval_ms},
                        {"snapshots", snapshots},
                        {"peak_rss_bytes", peak_rss}};
  document["budgets"] = {
      {"process_limit_mb", run.limit_mb ? nlohmann::json(*run.limit_mb) : nullptr},
      {"alloc_budget_us", run.alloc_budget_us ? nlohmann::json(*run.alloc_budget_us) : nullptr}};

  nlohmann::json violations = nlohmann::json::array();
  const auto add = [&violations](const char* budget, double limit, double observed,
                                 const char* unit, std::string message) {
    violations.push_back({{"budget", budget},
                          {"limit", limit},
                          {"observed", observed},
                          {"unit", unit},
                          {"message", std::move(message)}});
  };
  if (run.limit_mb) {
    const double limit = static_cast<double>(*run.limit_mb);
    const double peak_live = document.at("peak_live_bytes").get<double>() / kBytesPerMB;
    if (peak_live > limit) {
      add("process_limit_mb", limit, peak_live, "MiB",
          fmt::format("peak live bytes {:.2f} MiB exceed the limit of {} MiB; {}", peak_live, limit,
                      top_sites));
    }
    const double rss = static_cast<double>(peak_rss) / kBytesPerMB;
    if (rss > limit) {
      add("process_limit_mb", limit, rss, "MiB",
          fmt::format(
              "peak RSS {:.2f} MiB exceeds the limit of {} MiB; at the peak of live bytes, {}", rss,
              limit, top_sites));
    }
  }
  const std::uint64_t slow = document.at("totals").at("latency_budget_violations");
  if (run.alloc_budget_us && slow > 0) {
    const double worst_us =
        document.at("worst_budget_violation").at("latency_ns").get<double>() / 1000.0;
    add("alloc_budget_us", static_cast<double>(*run.alloc_budget_us), worst_us, "us",
        fmt::format(
            "{} allocation(s) took longer than {} us; the slowest {:.1f} us ({} bytes) at {}", slow,
            *run.alloc_budget_us, worst_us,
            document.at("worst_budget_violation").at("size").get<std::uint64_t>(),
            document.at("worst_budget_violation").at("site").get<std::string>()));
  }
  document["violations"] = violations;
  document["passed"] = violations.empty();
  return document;
}

std::string profile_schema_problem(const nlohmann::json& document) {
  static const nlohmann::json schema = nlohmann::json::parse(
      profile_schema_source(), profile_schema_source() + profile_schema_size());
  return schema_problem(schema, document, "", {{"result.schema.json", &result_schema()}});
}

}  // namespace memory_baseline
