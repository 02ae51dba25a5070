// `memory_baseline check`: the baseline gate, with its tolerances.
#include <memory>
#include <scenarios/command_line.hpp>
#include <string>

#include "command_line/command_line.hpp"
#include "memory_baseline/commands.hpp"

namespace memory_baseline {

RunParsed add_check_options(CLI::App& command) {
  struct Options {
    std::string baseline, current;
    Tolerances tolerances;
  };
  const auto options = std::make_shared<Options>();
  command.add_option("--baseline", options->baseline, "baseline results file")
      ->required()
      ->check(scenarios::non_empty());
  command.add_option("CURRENT", options->current, "fresh results file")
      ->required()
      ->check(scenarios::non_empty());
  const auto add_tolerance = [&command](const char* flag, double& value, const char* help,
                                        double lowest) {
    command.add_option(flag, value, help)->check(scenarios::finite_number(lowest, 1e12));
  };
  Tolerances& tolerances = options->tolerances;
  add_tolerance("--latency-tolerance", tolerances.latency_ratio,
                "allowed ratio of latency percentiles (default 3)", 1.0);
  add_tolerance("--iteration-tolerance", tolerances.iteration_ratio,
                "allowed ratio of iteration times (default 3)", 1.0);
  add_tolerance("--rss-tolerance", tolerances.rss_ratio, "allowed ratio of peak RSS (default 1.5)",
                1.0);
  add_tolerance("--time-slack-ns", tolerances.time_slack_ns,
                "a time must also grow by more than this (default 2000)", 0.0);
  return
      [options] { return check_command(options->baseline, options->current, options->tolerances); };
}

}  // namespace memory_baseline
