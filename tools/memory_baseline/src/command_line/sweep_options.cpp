// `memory_baseline sweep`: the index scenarios at several N, the largest N within the limit; and
// the sweep's options, which `run --sweep` takes too.
#include <algorithm>
#include <memory>
#include <scenarios/budgets.hpp>
#include <scenarios/command_line.hpp>
#include <string>
#include <thread>

#include "command_line/command_line.hpp"
#include "memory_baseline/commands.hpp"

namespace memory_baseline {

SweepSettings default_sweep_settings() {
  SweepSettings settings;
  settings.engines = built_index_engines();
  // Sweep points run one per core: each is one single-threaded process whose memory is its own,
  // so running them side by side changes none of the figures the sweep uses.
  settings.jobs = std::max(1u, std::thread::hardware_concurrency());
  return settings;
}

void add_sweep_settings(CLI::App& command, SweepSettings& settings) {
  using scenarios::finite_number;
  command.add_option("--engines", settings.engines, "engines to sweep (default all built)")
      ->delimiter(',')
      ->check(CLI::IsMember(index_engines()));
  command
      .add_option("--sizes", settings.sizes,
                  "N of each sweep point, and no others (default 10000,20000,40000, then more "
                  "per engine and allocator until each answer lies within 8x of the largest)")
      ->delimiter(',')
      ->check(scenarios::whole_number(1, 1'000'000'000));
  command.add_option("--dim", settings.dim, "dimensions (default 128)")
      ->check(scenarios::whole_number(1, 4096));
  command
      .add_option("--max-n", settings.max_n,
                  "the largest N an adaptive point may have; 0: no cap (default 320000: "
                  "answers beyond 8x of it are given as lower bounds)")
      ->check(scenarios::whole_number(0, 1'000'000'000));
  command
      .add_option("--min-recall", settings.min_recall,
                  "the recall@10 the recall answer is for (default 0.9)")
      ->check(finite_number(0, 1));
  command.add_option("--jobs", settings.jobs, "sweep points run at once (default: one per core)")
      ->check(scenarios::whole_number(1, 1024));
  command.add_flag("--verify", settings.verify,
                   "run the largest N found and N + 10 % (full scale: minutes)");
}

RunParsed add_sweep_options(CLI::App& command) {
  struct Options {
    RunSettings run;
    SweepSettings sweep = default_sweep_settings();
  };
  const auto options = std::make_shared<Options>();
  RunSettings& run = options->run;
  run.scenarios.clear();  // the index scenarios of the sweep only
  add_allocator_options(command, run, "allocators (default every one this build has)",
                        "allocators whose failed answers fail the run (as for run)");
  add_results_options(command, run);
  command.add_option("--scenario-dir", run.scenario_dir, "folder of the scenario executables")
      ->check(scenarios::non_empty());
  add_sweep_settings(command, options->sweep);
  // The process budget the answer is for: the sweep's own flag; `run --sweep` uses run's
  // --limit-mb.
  command
      .add_option("--limit-mb", options->sweep.limit_mb,
                  "the process budget the largest N is for, MiB (default " +
                      std::to_string(scenarios::kSeedProcessLimitMb) + ")")
      ->check(scenarios::whole_number(1, scenarios::kMaxLimitMb));
  return [options, &command] {
    options->sweep.sizes_given = command.count("--sizes") > 0;
    options->run.sweep = options->sweep;
    options->run.allocators_given = command.count("--allocators") > 0;
    return run_command(options->run);
  };
}

}  // namespace memory_baseline
