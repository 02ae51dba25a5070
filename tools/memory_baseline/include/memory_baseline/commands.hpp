// The runner's sub-commands. Each returns the exit status (0 ok, 1 a budget or baseline check
// failed) and throws InputError for bad input (exit status 2).
#pragma once

#include <optional>
#include <scenarios/allocators.hpp>
#include <scenarios/command_line.hpp>
#include <string>
#include <vector>

#include "memory_baseline/check.hpp"
#include "memory_baseline/scenario_programs.hpp"
#include "memory_baseline/sweep.hpp"

namespace memory_baseline {

struct RunSettings {
  // By default every scenario, those this build lacks skipped with a line; one named with
  // --scenarios (scenarios_given) that this build lacks is bad input.
  std::vector<std::string> scenarios = scenario_names();
  bool scenarios_given = false;
  std::vector<std::string> allocators = scenarios::built_allocators();
  bool allocators_given = false;  // --allocators named them: the verdict gates on all of them
  // --gate-allocators: the allocators whose breaches fail the run (verdict.hpp's gating_set).
  std::vector<std::string> gate_allocators;
  std::string out_dir = "results";
  std::string results_path;   // default: OUT_DIR/memory_baseline_results.json
  std::string save_baseline;  // also write the results here
  std::string scenario_dir;   // default: the runner's own folder
  std::string budgets_file;
  // Those given are passed to every scenario (--iterations and --warmup not to an index one,
  // whose phases run once).
  scenarios::RunFlags run_flags;
  std::optional<SweepSettings> sweep;  // also run the size sweep into the results
};

int run_command(const RunSettings& settings);
// Writes report.md and report.html for an existing results file into `out_dir`.
int report_command(const std::string& results_path, const std::string& out_dir);
int compare_command(const std::string& first_path, const std::string& second_path);
int check_command(const std::string& baseline_path, const std::string& current_path,
                  const Tolerances& tolerances);

}  // namespace memory_baseline
