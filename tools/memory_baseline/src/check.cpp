// check_against_baseline() and the provenance comparison.
#include "memory_baseline/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "memory_baseline/verdict.hpp"

namespace memory_baseline {

namespace {

// A figure the gate compares: its name in the findings, and how to read it.
template <class Record>
struct Figure {
  const char* name;
  double (*read)(const Record&);
};
using CaseFigure = Figure<scenarios::CaseFigures>;

// Exact where the scenario states an exact expectation.
constexpr CaseFigure kExactFigures[] = {
    {"requested_bytes", [](const auto& c) { return static_cast<double>(c.requested_bytes); }},
    {"allocations", [](const auto& c) { return static_cast<double>(c.allocations); }},
};
// Not max: one preempted allocation moves it 100-fold between identical runs (docs/runner.md);
// the absolute per-allocation budget holds it instead.
constexpr CaseFigure kLatencyFigures[] = {
    {"alloc_latency_ns.p50",
     [](const auto& c) { return static_cast<double>(c.alloc_latency_ns.p50_ns); }},
    {"alloc_latency_ns.p99",
     [](const auto& c) { return static_cast<double>(c.alloc_latency_ns.p99_ns); }},
    {"alloc_latency_ns.p999",
     [](const auto& c) { return static_cast<double>(c.alloc_latency_ns.p999_ns); }},
};
constexpr CaseFigure kIterationFigures[] = {
    {"iteration_ns.median",
     [](const auto& c) { return static_cast<double>(c.iteration_ns.median); }},
    {"iteration_ns.p99", [](const auto& c) { return static_cast<double>(c.iteration_ns.p99); }},
};
constexpr Figure<scenarios::ScenarioResult> kPeakRss = {
    "process.peak_rss_bytes",
    [](const auto& run) { return static_cast<double>(run.process.peak_rss_bytes); }};

class Gate {
 public:
  Gate(const Tolerances& tolerances, std::vector<Finding>& findings)
      : tolerances_(tolerances), findings_(findings) {}

  void compare_run(const std::string& key, const scenarios::ScenarioResult& baseline,
                   const scenarios::ScenarioResult& current) {
    grown(key, "", kPeakRss, baseline, current, tolerances_.rss_ratio, 0);
    for (const scenarios::CaseFigures& old_case : baseline.cases) {
      const std::string& name = old_case.name;
      const scenarios::CaseFigures* new_case = current.find_case(name);
      if (new_case == nullptr) {
        findings_.push_back({key, name, "case", 1, 0, 0, {}});
        continue;
      }
      // A real library's phases (the index) have no exact expectation: they are held by their
      // budgets, the leak check and the tolerances below instead.
      if (old_case.expected_requested_bytes) {
        for (const CaseFigure& figure : kExactFigures)
          exact(key, name, figure, old_case, *new_case);
      }
      for (const CaseFigure& figure : kLatencyFigures) {
        grown(key, name, figure, old_case, *new_case, tolerances_.latency_ratio,
              tolerances_.time_slack_ns);
      }
      for (const CaseFigure& figure : kIterationFigures) {
        grown(key, name, figure, old_case, *new_case, tolerances_.iteration_ratio,
              tolerances_.time_slack_ns);
      }
    }
  }

 private:
  template <class Record>
  void exact(const std::string& key, const std::string& where, const Figure<Record>& figure,
             const Record& old_object, const Record& new_object) {
    const double old_value = figure.read(old_object), new_value = figure.read(new_object);
    if (old_value != new_value)
      findings_.push_back({key, where, figure.name, old_value, new_value, 0, {}});
  }

  template <class Record>
  void grown(const std::string& key, const std::string& where, const Figure<Record>& figure,
             const Record& old_object, const Record& new_object, double ratio, double slack) {
    const double old_value = figure.read(old_object), new_value = figure.read(new_object);
    if (new_value > old_value * ratio && new_value - old_value > slack)
      findings_.push_back({key, where, figure.name, old_value, new_value, ratio, {}});
  }

  const Tolerances& tolerances_;
  std::vector<Finding>& findings_;
};

}  // namespace

std::string Finding::describe() const {
  const std::string place = (where.empty() ? run : run + " case '" + where + "'") +
                            (gated ? "" : " (not gated: a finding only)");
  if (figure == "run" || figure == "case")
    return fmt::format("MISSING {} {}: in the baseline, not in this run", figure, place);
  if (figure.rfind("budget ", 0) == 0)
    return fmt::format("BREACHED {} {}: {}", place, figure, message);
  if (allowed_ratio == 0) {
    return fmt::format("CHANGED {} {}: {} -> {} (must match exactly)", place, figure, baseline,
                       current);
  }
  const double ratio = baseline > 0 ? current / baseline : 0;
  return fmt::format("REGRESSED {} {}: {} -> {} ({:.2f}x, allowed {:.2f}x)", place, figure,
                     baseline, current, ratio, allowed_ratio);
}

std::vector<Finding> check_against_baseline(const Results& baseline, const Results& current,
                                            const Tolerances& tolerances) {
  std::vector<Finding> findings;
  Gate gate(tolerances, findings);
  for (const scenarios::ScenarioResult& old_run : baseline.runs) {
    const std::string key = run_key(old_run);
    const scenarios::ScenarioResult* new_run = current.find_run(key);
    if (new_run == nullptr) {
      findings.push_back({key, "", "run", 1, 0, 0, {}});
      continue;
    }
    gate.compare_run(key, old_run, *new_run);
  }
  // A run that breached its own budgets fails the gate too, whatever the baseline says.
  for (const scenarios::ScenarioResult& run : current.runs) {
    for (const scenarios::Violation& violation : run.violations) {
      findings.push_back({run_key(run), violation.case_name, "budget " + violation.budget,
                          violation.limit, violation.observed, 0, violation.message});
    }
  }
  for (Finding& finding : findings) {
    const std::string allocator = finding.run.substr(finding.run.find('/') + 1);
    finding.gated = gates_on(current, allocator);
  }
  return findings;
}

std::vector<std::string> provenance_differences(const Results& first, const Results& second) {
  std::vector<std::string> lines;
  const auto add_once = [&lines](std::string line) {
    if (std::find(lines.begin(), lines.end(), line) == lines.end())
      lines.push_back(std::move(line));
  };
  // Where a file has no provenance (no run wrote a result), its fields read "?".
  const scenarios::Provenance unknown{"?", "?", "?", "?", 0, "?", "?"};
  const scenarios::Provenance& a = first.provenance.value_or(unknown);
  const scenarios::Provenance& b = second.provenance.value_or(unknown);
  const std::pair<const char*, std::string scenarios::Provenance::*> fields[] = {
      {"compiler", &scenarios::Provenance::compiler},
      {"cpu_model", &scenarios::Provenance::cpu_model},
      {"os", &scenarios::Provenance::os},
      {"build_type", &scenarios::Provenance::build_type}};
  for (const auto& [name, member] : fields) {
    if (a.*member != b.*member)
      lines.push_back(fmt::format("{}: {} -> {}", name, a.*member, b.*member));
  }
  for (const scenarios::ScenarioResult& run : first.runs) {
    const scenarios::ScenarioResult* other = second.find_run(run_key(run));
    if (other == nullptr) continue;
    if (run.allocator.version != other->allocator.version) {
      add_once(fmt::format("{} allocator: {} -> {}", run.allocator.name, run.allocator.version,
                           other->allocator.version));
    }
  }
  return lines;
}

}  // namespace memory_baseline
