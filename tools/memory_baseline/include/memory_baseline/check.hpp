// The baseline gate: a fresh results file against a committed one. Exact figures must match;
// timing and RSS figures may grow by a tolerance; a run that breached a budget fails it too. Only
// findings under the allocators the current results gate on fail the gate; the others are listed.
#pragma once

#include <string>
#include <vector>

#include "memory_baseline/results.hpp"

namespace memory_baseline {

struct Tolerances {
  double latency_ratio = 3.0;    // allocation-latency percentiles
  double iteration_ratio = 3.0;  // iteration-time median and p99
  double rss_ratio = 1.5;        // peak RSS of a run
  double time_slack_ns = 2000;   // a time figure must also grow by more than this
};

struct Finding {
  std::string run;     // scenario/allocator
  std::string where;   // case name, or empty for the whole run
  std::string figure;  // e.g. alloc_latency_ns.p99
  double baseline = 0;
  double current = 0;
  double allowed_ratio = 0;  // 0 for exact figures and missing runs
  std::string message;       // a breached budget's own message
  bool gated = true;         // under an allocator the current results gate on (verdict.hpp)
  std::string describe() const;
};

std::vector<Finding> check_against_baseline(const Results& baseline, const Results& current,
                                            const Tolerances& tolerances);

// Lines such as "compiler: gcc 12.2.0 -> gcc 13.1.0" where two results files were made differently.
std::vector<std::string> provenance_differences(const Results& first, const Results& second);

}  // namespace memory_baseline
