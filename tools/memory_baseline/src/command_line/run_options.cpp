// `memory_baseline run`: scenarios under allocators, results and reports (run_command.cpp).
#include <memory>
#include <scenarios/budgets.hpp>
#include <scenarios/command_line.hpp>

#include "command_line/command_line.hpp"
#include "memory_baseline/commands.hpp"

namespace memory_baseline {

void add_allocator_options(CLI::App& command, RunSettings& run, const std::string& allocators_help,
                           const std::string& gate_help) {
  command.add_option("--allocators", run.allocators, allocators_help)
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
  command.add_option("--gate-allocators", run.gate_allocators, gate_help)
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
}

void add_results_options(CLI::App& command, RunSettings& run) {
  using scenarios::non_empty;
  command.add_option("--out", run.out_dir, "output folder (default results)")->check(non_empty());
  command
      .add_option("--results", run.results_path,
                  "results file (default OUT/memory_baseline_results.json)")
      ->check(non_empty());
}

RunParsed add_run_options(CLI::App& command) {
  struct Options {
    RunSettings run;
    SweepSettings sweep = default_sweep_settings();
    bool with_sweep = false;
  };
  const auto options = std::make_shared<Options>();
  RunSettings& run = options->run;
  using scenarios::non_empty;
  command.add_option("--scenarios", run.scenarios, "scenarios to run (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember(scenario_names()));
  add_allocator_options(command, run,
                        "allocators (default every one this build has: system, mimalloc, "
                        "jemalloc, tcmalloc); the verdict gates on those named here",
                        "allocators whose breaches fail the run (default: those of --allocators "
                        "when given, else system,mimalloc); the others' breaches are findings");
  add_results_options(command, run);
  command
      .add_option("--save-baseline", run.save_baseline,
                  "also write the results file here, as a baseline")
      ->check(non_empty());
  command.add_option("--scenario-dir", run.scenario_dir, "folder of the scenario executables")
      ->check(non_empty());
  command.add_option("--budgets", run.budgets_file, "budgets file passed to every scenario")
      ->check(non_empty());
  scenarios::add_run_flags(command, run.run_flags);
  command.add_flag("--sweep", options->with_sweep,
                   "also run the size sweep of the index scenarios (options as for sweep)");
  add_sweep_settings(command, options->sweep);
  return [options, &command] {
    RunSettings& run = options->run;
    if (options->with_sweep) {
      // The sweep's answers are for the process limit the scenarios run under.
      options->sweep.limit_mb = run.run_flags.limit_mb.value_or(options->sweep.limit_mb);
      options->sweep.sizes_given = command.count("--sizes") > 0;
      run.sweep = options->sweep;
    }
    run.allocators_given = command.count("--allocators") > 0;
    run.scenarios_given = command.count("--scenarios") > 0;
    return run_command(run);
  };
}

}  // namespace memory_baseline
