// check_against_baseline() and the provenance comparison.
#include "memory_baseline/check.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "memory_baseline/verdict.hpp"

namespace memory_baseline {

namespace {

double number(const nlohmann::json& object, const nlohmann::json::json_pointer& pointer) {
  return object.contains(pointer) && object[pointer].is_number() ? object[pointer].get<double>()
                                                                 : 0.0;
}

class Gate {
 public:
  Gate(const Tolerances& tolerances, std::vector<Finding>& findings)
      : tolerances_(tolerances), findings_(findings) {}

  void compare_run(const std::string& key, const nlohmann::json& baseline,
                   const nlohmann::json& current) {
    grown(key, "", "process.peak_rss_bytes", baseline, current, tolerances_.rss_ratio, 0);
    for (const nlohmann::json& old_case : baseline.at("cases")) {
      const std::string name = old_case.value("name", "");
      const nlohmann::json* new_case = find_case(current, name);
      if (new_case == nullptr) {
        findings_.push_back({key, name, "case", 1, 0, 0, {}});
        continue;
      }
      // Exact where the scenario states an exact expectation; a real library's phases (the index)
      // are held by their budgets, the leak check and the tolerances below instead.
      if (!old_case.value("expected_requested_bytes", nlohmann::json()).is_null()) {
        exact(key, name, "requested_bytes", old_case, *new_case);
        exact(key, name, "allocations", old_case, *new_case);
      }
      // Not max: one preempted allocation moves it 100-fold between identical runs
      // (docs/runner.md); the absolute per-allocation budget holds it instead.
      for (const char* percentile : {"p50", "p99", "p999"}) {
        grown(key, name, std::string("alloc_latency_ns.") + percentile, old_case, *new_case,
              tolerances_.latency_ratio, tolerances_.time_slack_ns);
      }
      for (const char* statistic : {"median", "p99"}) {
        grown(key, name, std::string("iteration_ns.") + statistic, old_case, *new_case,
              tolerances_.iteration_ratio, tolerances_.time_slack_ns);
      }
    }
  }

 private:
  static nlohmann::json::json_pointer pointer(const std::string& dotted) {
    std::string path = "/" + dotted;
    for (char& character : path) character = character == '.' ? '/' : character;
    return nlohmann::json::json_pointer(path);
  }

  void exact(const std::string& key, const std::string& where, const std::string& figure,
             const nlohmann::json& old_object, const nlohmann::json& new_object) {
    const double old_value = number(old_object, pointer(figure)),
                 new_value = number(new_object, pointer(figure));
    if (old_value != new_value)
      findings_.push_back({key, where, figure, old_value, new_value, 0, {}});
  }

  void grown(const std::string& key, const std::string& where, const std::string& figure,
             const nlohmann::json& old_object, const nlohmann::json& new_object, double ratio,
             double slack) {
    const double old_value = number(old_object, pointer(figure)),
                 new_value = number(new_object, pointer(figure));
    if (new_value > old_value * ratio && new_value - old_value > slack) {
      findings_.push_back({key, where, figure, old_value, new_value, ratio, {}});
    }
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
  for (const nlohmann::json& old_run : baseline.runs()) {
    const std::string key = run_key(old_run);
    const nlohmann::json* new_run = find_run(current, key);
    if (new_run == nullptr) {
      findings.push_back({key, "", "run", 1, 0, 0, {}});
      continue;
    }
    gate.compare_run(key, old_run, *new_run);
  }
  // A run that breached its own budgets fails the gate too, whatever the baseline says.
  for (const nlohmann::json& run : current.runs()) {
    for (const nlohmann::json& violation : run.at("violations")) {
      Finding finding{run_key(run),
                      violation.value("case", ""),
                      "budget " + violation.value("budget", "?"),
                      violation.value("limit", 0.0),
                      violation.value("observed", 0.0),
                      0,
                      violation.value("message", "")};
      findings.push_back(std::move(finding));
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
  const nlohmann::json& a = first.document.at("provenance");
  const nlohmann::json& b = second.document.at("provenance");
  for (const char* field : {"compiler", "cpu_model", "os", "build_type"}) {
    const std::string old_value = a.value(field, "?"), new_value = b.value(field, "?");
    if (old_value != new_value)
      lines.push_back(fmt::format("{}: {} -> {}", field, old_value, new_value));
  }
  for (const nlohmann::json& run : first.runs()) {
    const nlohmann::json* other = find_run(second, run_key(run));
    if (other == nullptr) continue;
    const std::string old_version = run.at("allocator").value("version", "?");
    const std::string new_version = (*other).at("allocator").value("version", "?");
    if (old_version != new_version) {
      add_once(fmt::format("{} allocator: {} -> {}", run.at("allocator").value("name", "?"),
                           old_version, new_version));
    }
  }
  return lines;
}

}  // namespace memory_baseline
