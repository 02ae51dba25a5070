// The budget and expectation checks of a finished run: every budget a case or the process broke,
// each a Violation whose message holds the seed task's words, the figure and the limit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios/harness.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

class BudgetChecker {
 public:
  BudgetChecker(const Scenario& scenario, const Budgets& budgets,
                std::vector<Violation>& violations)
      : scenario_(scenario), budgets_(budgets), violations_(violations) {}

  // The process limit against the run's peaks; the case with the highest peak names the sites.
  void check_process(std::uint64_t peak_live_bytes, std::uint64_t peak_rss_bytes,
                     const std::vector<CaseResult>& cases);
  // A case's time budgets, memory ratio and growth, exact expectation and leaks.
  void check_case(const CaseResult& result);

 private:
  void check_ratio(const CaseResult& result, const std::string& where);
  void check_growth(const CaseResult& result, const std::string& where);
  void add(std::string budget, std::string case_name, std::string figure, double limit,
           double observed, std::string unit, std::string message, bool preempted = false);

  const Scenario& scenario_;
  const Budgets& budgets_;
  std::vector<Violation>& violations_;
};

}  // namespace scenarios
