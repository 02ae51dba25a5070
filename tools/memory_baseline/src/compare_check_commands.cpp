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

// The figures compared side by side, by the names the table prints.
struct CaseFigure {
  const char* name;
  std::uint64_t (*read)(const scenarios::CaseFigures&);
};
constexpr CaseFigure kComparedFigures[] = {
    {"requested_bytes", [](const auto& c) { return c.requested_bytes; }},
    {"allocations", [](const auto& c) { return c.allocations; }},
    {"reserved_bytes", [](const auto& c) { return c.reserved_bytes; }},
    {"alloc_latency_ns/p50", [](const auto& c) { return c.alloc_latency_ns.p50_ns; }},
    {"alloc_latency_ns/p99", [](const auto& c) { return c.alloc_latency_ns.p99_ns; }},
    {"alloc_latency_ns/max", [](const auto& c) { return c.alloc_latency_ns.max_ns; }},
    {"iteration_ns/median", [](const auto& c) { return c.iteration_ns.median; }},
};

void print_row(const std::string& label, std::uint64_t first, std::uint64_t second) {
  const std::string ratio =
      first == 0 ? ""
                 : fmt::format("{:.2f}", static_cast<double>(second) / static_cast<double>(first));
  fmt::print("{:<42} {:>14} {:>14} {:>8}\n", label, first, second, ratio);
}

}  // namespace

int compare_command(const std::string& first_path, const std::string& second_path) {
  const Results first = load_results(first_path);
  const Results second = load_results(second_path);
  print_provenance(first, second);
  fmt::print("{:<42} {:>14} {:>14} {:>8}\n", "figure", "A", "B", "B / A");
  for (const scenarios::ScenarioResult& run : first.runs) {
    const std::string key = run_key(run);
    const scenarios::ScenarioResult* other = second.find_run(key);
    if (other == nullptr) {
      fmt::print("{}: only in A\n", key);
      continue;
    }
    print_row(key + " peak RSS", run.process.peak_rss_bytes, other->process.peak_rss_bytes);
    for (const scenarios::CaseFigures& measured : run.cases) {
      const scenarios::CaseFigures* other_case = other->find_case(measured.name);
      if (other_case == nullptr) continue;
      for (const CaseFigure& figure : kComparedFigures) {
        print_row(key + " " + measured.name + " " + figure.name, figure.read(measured),
                  figure.read(*other_case));
      }
    }
  }
  for (const scenarios::ScenarioResult& run : second.runs) {
    if (first.find_run(run_key(run)) == nullptr) fmt::print("{}: only in B\n", run_key(run));
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
  fmt::print("no regression against {} ({} runs compared{})\n", baseline_path, baseline.runs.size(),
             findings.empty() ? "" : fmt::format("; {} finding(s) not gated", findings.size()));
  return 0;
}

}  // namespace memory_baseline
