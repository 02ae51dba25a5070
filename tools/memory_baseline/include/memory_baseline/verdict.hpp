// The verdict of a results file: the allocators it gates on, and every breach named. A breach
// under a gated allocator fails the run; one under an allocator that ran only for comparison is
// a finding, listed and named the same way but not failing.
#pragma once

#include <string>
#include <vector>

#include "memory_baseline/results.hpp"

namespace memory_baseline {

// Without --allocators or --gate-allocators, a run gates on these: the comparison the tool
// exists for (the C runtime's heap against mimalloc).
inline const std::vector<std::string> kDefaultGatingAllocators = {"system", "mimalloc"};

// The gating set of a run: `gate` when given, else the allocators named with --allocators when
// given, else the defaults; each kept only if the run has it. Throws InputError when `gate` names
// an allocator the run does not include.
std::vector<std::string> gating_set(const std::vector<std::string>& gate, bool allocators_given,
                                    const std::vector<std::string>& run_allocators);

// The allocators a results file gates on (its "gating_allocators"; every allocator of its runs
// in a file written before the field existed).
std::vector<std::string> gating_allocators(const Results& results);
bool gates_on(const Results& results, const std::string& allocator);

struct Breach {
  std::string scenario;   // "concurrent"; "sweep index-hnswlib" for a sweep's answer
  std::string allocator;  // "tcmalloc"
  std::string case_name;  // empty: the whole process
  std::string budget;     // a key of scenarios::kBudgetKinds, or "run" for a run that failed
  std::string words;      // what the budget holds, in words
  std::string measured;   // the figure against the limit: "RSS growth / expected 4.24x > 2x"
  std::string origin;     // where the limit comes from
  std::string note;       // the allocator's documented design behind it, where it explains it
  std::string anchor;     // the report section that shows it, e.g. "scenario-concurrent"
  bool gated = true;
  bool preempted = false;
};

// Every breach of the results, gated ones first, in run order.
std::vector<Breach> breaches(const Results& results);
// A scenario result's violation in short, for a progress line: "time of every single
// allocation: slowest allocation 6.100 ms > 5.000 ms".
std::string violation_words(const scenarios::Violation& violation);
// Whether no breach is gated: the run's "passed" and exit status.
bool passes(const Results& results);
// The verdict in a sentence: "Verdict: every budget held under the gated allocators (system,
// mimalloc); 1 finding under the others." or "Verdict: 2 budgets BREACHED ...".
std::string verdict_words(const Results& results);
// One line: "BREACHED: concurrent under system, case 4 threads: ..." or "finding: under
// tcmalloc, concurrent would breach ...", ending with where `report` shows it (nothing when
// `report` is empty: the line is a link within the report itself).
std::string breach_line(const Breach& breach, const std::string& report);
// The report.html section id of a scenario's details.
std::string scenario_anchor(const std::string& scenario);

}  // namespace memory_baseline
