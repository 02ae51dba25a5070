// The runner's sub-commands. Each returns the exit status (0 ok, 1 a budget or baseline check
// failed) and throws InputError for bad input (exit status 2).
#pragma once

#include <scenarios/allocators.hpp>
#include <scenarios/command_line.hpp>
#include <string>
#include <vector>

#include "memory_baseline/check.hpp"

namespace memory_baseline {

inline const std::vector<std::string> kAllScenarios = {"vector", "concepts", "fragmentation",
                                                       "concurrent"};

struct RunSettings {
  std::vector<std::string> scenarios = kAllScenarios;
  std::vector<std::string> allocators = scenarios::built_allocators();
  std::string out_dir = "results";
  std::string results_path;   // default: OUT_DIR/memory_baseline_results.json
  std::string save_baseline;  // also write the results here
  std::string scenario_dir;   // default: the runner's own folder
  std::string budgets_file;
  scenarios::RunFlags run_flags;  // those given are passed to every scenario
};

int run_command(const RunSettings& settings);
// Writes report.md and report.html for an existing results file into `out_dir`.
int report_command(const std::string& results_path, const std::string& out_dir);
int compare_command(const std::string& first_path, const std::string& second_path);
int check_command(const std::string& baseline_path, const std::string& current_path,
                  const Tolerances& tolerances);

}  // namespace memory_baseline
