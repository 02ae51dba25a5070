// `memory_baseline compare`: two results files side by side.
#include <memory>
#include <scenarios/command_line.hpp>
#include <string>

#include "command_line/command_line.hpp"
#include "memory_baseline/commands.hpp"

namespace memory_baseline {

RunParsed add_compare_options(CLI::App& command) {
  struct Options {
    std::string first, second;
  };
  const auto options = std::make_shared<Options>();
  command.add_option("A", options->first, "results file")
      ->required()
      ->check(scenarios::non_empty());
  command.add_option("B", options->second, "results file")
      ->required()
      ->check(scenarios::non_empty());
  return [options] { return compare_command(options->first, options->second); };
}

}  // namespace memory_baseline
