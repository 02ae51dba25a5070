// The seed task's compliance lines, decided from the budgets' violations (never from text).
#include <fmt/format.h>

#include "memory_baseline/reports.hpp"

namespace memory_baseline {

std::string compliance_lines(const Results& results) {
  bool memory_held = true, latency_held = true;
  for (const nlohmann::json& run : results.runs()) {
    for (const nlohmann::json& violation : run.at("violations")) {
      const std::string budget = violation.value("budget", "");
      memory_held = memory_held && budget != "process_limit_mb";
      latency_held = latency_held && budget != "alloc_budget_us";
    }
  }
  std::string text;
  text += memory_held ? "All tests stayed within 1GB memory limit\n"
                      : "WARNING: Some tests exceeded 1GB memory limit\n";
  text += latency_held ? "All allocations stayed within 5ms\n"
                       : "WARNING: Some allocations exceeded 5ms\n";
  if (!results.document.value("passed", false))
    text += "WARNING: Some budgets were breached (see the report)\n";
  return text;
}

}  // namespace memory_baseline
