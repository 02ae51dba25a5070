// The process tree of a profile: the reports the tree's other process images left beside the
// program's own (ALLOC_HOOKS_PROFILE_OUT.PID.IMAGE), read and symbolized each, and the tree's
// figures over them.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "memory_baseline/profile.hpp"

namespace memory_baseline {

namespace {

namespace fs = std::filesystem;

std::string read_whole(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> top_site(const alloc_hooks::SiteReport& sites,
                                    alloc_hooks::SiteMeasure measure) {
  const std::vector<alloc_hooks::Site> top = sites.top(measure, 1);
  if (top.empty()) return std::nullopt;
  const std::int64_t bytes = alloc_hooks::measure_of(top.front().figures, measure);
  if (bytes <= 0) return std::nullopt;
  return fmt::format("{} ({})", top.front().where(),
                     alloc_hooks::format_bytes(static_cast<double>(bytes)));
}

ProfileProcess tree_process(ReportedProcess reported, const alloc_hooks::SiteReport* sites,
                            std::int64_t runner_start_ns) {
  ProfileProcess process = std::move(reported.process);
  const auto since_start = [runner_start_ns](std::int64_t ns) {
    return ns > 0 ? static_cast<double>(ns - runner_start_ns) / 1e6 : 0.0;
  };
  process.started_ms = since_start(reported.started_ns);
  process.ended_ms = since_start(reported.ended_ns);
  if (sites != nullptr) process.top_site = top_site(*sites, alloc_hooks::SiteMeasure::peak_bytes);
  return process;
}

std::vector<std::filesystem::path> files_named_after(const std::string& report_path) {
  const fs::path first = report_path;
  const std::string prefix = first.filename().string() + ".";
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(first.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

// Whether `file` is `report_path` followed by `pattern`, where '#' stands for one or more digits.
bool named_after(const fs::path& file, const std::string& report_path, std::string_view pattern) {
  const std::string name = file.filename().string();
  std::string_view rest =
      std::string_view(name).substr(fs::path(report_path).filename().string().size());
  for (const char expected : pattern) {
    if (expected != '#') {
      if (rest.empty() || rest.front() != expected) return false;
      rest.remove_prefix(1);
      continue;
    }
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) return false;
    rest.remove_prefix(digits);
  }
  return rest.empty();
}

// The files named after `report_path` by one of `patterns`.
std::vector<fs::path> files_named(const std::string& report_path,
                                  std::initializer_list<std::string_view> patterns) {
  std::vector<fs::path> files = files_named_after(report_path);
  std::erase_if(files, [&](const fs::path& file) {
    return std::none_of(patterns.begin(), patterns.end(), [&](std::string_view pattern) {
      return named_after(file, report_path, pattern);
    });
  });
  return files;
}

}  // namespace

std::vector<std::filesystem::path> tree_reports(const std::string& report_path) {
  // .N: the name was taken (an image of the same id in another PID namespace)
  return files_named(report_path, {".#.#", ".#.#.#"});
}

std::vector<std::filesystem::path> snapshot_files(const std::string& report_path) {
  return files_named(report_path, {".snapshot.#"});
}

std::vector<ProfileProcess> read_tree_reports(
    const std::string& report_path, std::int64_t runner_start_ns,
    const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::vector<fs::path> reports = tree_reports(report_path);
  std::vector<ProfileProcess> processes;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    progress(i, reports.size());
    alloc_hooks::RawSites raw;
    ReportedProcess reported;
    if (parse_preload_report(read_whole(reports[i]), raw, &reported) && !raw.stacks.empty()) {
      const alloc_hooks::SiteReport sites(raw);  // each process's own modules
      processes.push_back(tree_process(std::move(reported), &sites, runner_start_ns));
    } else if (reported.process.pid != 0) {  // no stack to symbolize, or no figures
      processes.push_back(tree_process(std::move(reported), nullptr, runner_start_ns));
    }
  }
  std::sort(
      processes.begin(), processes.end(), [](const ProfileProcess& a, const ProfileProcess& b) {
        return std::tie(a.started_ms, a.pid, a.image) < std::tie(b.started_ms, b.pid, b.image);
      });
  return processes;
}

std::uint64_t own_peak_live_bytes(const ProfileProcess& process) {
  const std::uint64_t inherited =
      static_cast<std::uint64_t>(std::max<std::int64_t>(process.inherited_live_bytes, 0));
  return process.peak_live_bytes > inherited ? process.peak_live_bytes - inherited : 0;
}

ProfileTree tree_of(const std::vector<ProfileProcess>& processes) {
  ProfileTree tree;
  tree.processes = processes.size();
  // (moment, change of the summed peaks): a process's peak counts from its start to its end; at
  // one moment a start comes before an end, so that the sum stays an upper bound (an exec's next
  // image starts after its previous one wrote its end).
  std::vector<std::pair<double, std::int64_t>> changes;
  for (const ProfileProcess& process : processes) {
    if (process.ended_by == "no figures") {
      ++tree.processes_without_figures;
      continue;
    }
    tree.allocations += process.allocations;
    tree.frees += process.frees;
    const auto peak = static_cast<std::int64_t>(own_peak_live_bytes(process));
    tree.peak_live_bytes_at_least =
        std::max(tree.peak_live_bytes_at_least, static_cast<std::uint64_t>(peak));
    changes.emplace_back(process.started_ms, peak);
    changes.emplace_back(std::max(process.ended_ms, process.started_ms), -peak);
  }
  std::sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second > b.second;
  });
  std::int64_t running = 0;
  for (const auto& [moment, change] : changes) {
    running += change;
    tree.peak_live_bytes_at_most =
        std::max(tree.peak_live_bytes_at_most,
                 static_cast<std::uint64_t>(std::max<std::int64_t>(running, 0)));
  }
  return tree;
}

}  // namespace memory_baseline
