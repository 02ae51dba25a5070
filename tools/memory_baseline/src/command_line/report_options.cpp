// `memory_baseline report`: report.html and report.md for a results file.
#include <memory>
#include <scenarios/command_line.hpp>
#include <string>

#include "command_line/command_line.hpp"
#include "memory_baseline/commands.hpp"

namespace memory_baseline {

RunParsed add_report_options(CLI::App& command) {
  struct Options {
    std::string results;
    std::string out = "results";
  };
  const auto options = std::make_shared<Options>();
  command.add_option("RESULTS", options->results, "results file")
      ->required()
      ->check(scenarios::non_empty());
  command.add_option("--out", options->out, "output folder (default results)")
      ->check(scenarios::non_empty());
  return [options] { return report_command(options->results, options->out); };
}

}  // namespace memory_baseline
