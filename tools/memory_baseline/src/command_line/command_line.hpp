// The runner's command line: one sub-command per file here, each adding its options to its
// CLI::App and returning what runs it once the command line is parsed (main.cpp's table).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "memory_baseline/sweep.hpp"

namespace memory_baseline {

using RunParsed = std::function<int()>;

RunParsed add_run_options(CLI::App& command);
RunParsed add_sweep_options(CLI::App& command);
RunParsed add_report_options(CLI::App& command);
RunParsed add_compare_options(CLI::App& command);
RunParsed add_check_options(CLI::App& command);
RunParsed add_profile_options(CLI::App& command);

// The options `run` and `sweep` share, in the order their help lists them: the allocators and
// the gating set (with each command's help), then the output folder and the results file.
struct RunSettings;
void add_allocator_options(CLI::App& command, RunSettings& run, const std::string& allocators_help,
                           const std::string& gate_help);
void add_results_options(CLI::App& command, RunSettings& run);

// The sweep's options, shared by `sweep` and `run --sweep`, into `settings` (whose defaults are
// default_sweep_settings()).
SweepSettings default_sweep_settings();
void add_sweep_settings(CLI::App& command, SweepSettings& settings);

}  // namespace memory_baseline
