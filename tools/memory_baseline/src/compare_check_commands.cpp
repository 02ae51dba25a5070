// `memory_baseline compare` (side by side) and `memory_baseline check` (the baseline gate).
#include <fmt/format.h>

#include "memory_baseline/commands.hpp"

namespace memory_baseline {

namespace {

void print_provenance(const Results& first, const Results& second) {
  const std::vector<std::string> differences = provenance_differences(first, second);
  if (differences.empty()) return;
  fmt::print("Note: the two runs were made differently, so this is not like for like:\n");
  for (const std::string& line : differences) fmt::print("  {}\n", line);
}

std::string value_at(const nlohmann::json& object, const char* pointer) {
  const nlohmann::json::json_pointer path(pointer);
  return object.contains(path) ? object[path].dump() : "–";
}

std::string ratio_at(const nlohmann::json& first, const nlohmann::json& second,
                     const char* pointer) {
  const nlohmann::json::json_pointer path(pointer);
  if (!first.contains(path) || !second.contains(path) || !first[path].is_number() ||
      !second[path].is_number())
    return "";
  const double base = first[path].get<double>();
  return base == 0 ? "" : fmt::format("{:.2f}", second[path].get<double>() / base);
}

}  // namespace

int compare_command(const std::string& first_path, const std::string& second_path) {
  const Results first = load_results(first_path);
  const Results second = load_results(second_path);
  print_provenance(first, second);
  fmt::print("{:<42} {:>14} {:>14} {:>8}\n", "figure", "A", "B", "B / A");
  for (const nlohmann::json& run : first.runs()) {
    const std::string key = run_key(run);
    const nlohmann::json* other = find_run(second, key);
    if (other == nullptr) {
      fmt::print("{}: only in A\n", key);
      continue;
    }
    fmt::print("{:<42} {:>14} {:>14} {:>8}\n", key + " peak RSS",
               value_at(run, "/process/peak_rss_bytes"),
               value_at(*other, "/process/peak_rss_bytes"),
               ratio_at(run, *other, "/process/peak_rss_bytes"));
    for (const nlohmann::json& measured : run.at("cases")) {
      const nlohmann::json* other_case = find_case(*other, measured.at("name"));
      if (other_case == nullptr) continue;
      for (const char* figure :
           {"/requested_bytes", "/allocations", "/reserved_bytes", "/alloc_latency_ns/p50",
            "/alloc_latency_ns/p99", "/alloc_latency_ns/max", "/iteration_ns/median"}) {
        fmt::print("{:<42} {:>14} {:>14} {:>8}\n",
                   key + " " + measured.at("name").get<std::string>() + " " + (figure + 1),
                   value_at(measured, figure), value_at(*other_case, figure),
                   ratio_at(measured, *other_case, figure));
      }
    }
  }
  for (const nlohmann::json& run : second.runs()) {
    if (find_run(first, run_key(run)) == nullptr) fmt::print("{}: only in B\n", run_key(run));
  }
  return 0;
}

int check_command(const std::string& baseline_path, const std::string& current_path,
                  const Tolerances& tolerances) {
  const Results baseline = load_results(baseline_path);
  const Results current = load_results(current_path);
  print_provenance(baseline, current);
  const std::vector<Finding> findings = check_against_baseline(baseline, current, tolerances);
  std::size_t gated = 0;
  for (const Finding& finding : findings) {
    fmt::print("{}\n", finding.describe());
    gated += finding.gated ? 1 : 0;
  }
  if (gated > 0) {
    fmt::print("{} figure(s) regressed against {}\n", gated, baseline_path);
    return 1;
  }
  fmt::print("no regression against {} ({} runs compared{})\n", baseline_path,
             baseline.runs().size(),
             findings.empty() ? "" : fmt::format("; {} finding(s) not gated", findings.size()));
  return 0;
}

}  // namespace memory_baseline
