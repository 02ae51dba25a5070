// memory_baseline: run the scenarios and report, sweep the index sizes, compare two results
// files, check one against a baseline, or profile a program. Bad input: one line on stderr and
// exit status 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "command_line/command_line.hpp"
#include "memory_baseline/results.hpp"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "memory_baseline: %s\n", message.c_str());
  return 2;
}

// The sub-commands, each with its options in command_line/NAME_options.cpp.
struct Command {
  const char* name;
  const char* description;
  memory_baseline::RunParsed (*add_options)(CLI::App& command);
};
constexpr Command kCommands[] = {
    {"run", "run scenarios under allocators, write results and reports",
     memory_baseline::add_run_options},
    {"sweep",
     "index scenarios at several N per engine and allocator: the largest N within the limit",
     memory_baseline::add_sweep_options},
    {"report", "write report.html and report.md for a results file",
     memory_baseline::add_report_options},
    {"compare", "side-by-side table of two results files", memory_baseline::add_compare_options},
    {"profile",
     "run an unmodified program with every allocation counted (Linux: LD_PRELOAD; Windows: a DLL "
     "loaded into it)",
     memory_baseline::add_profile_options},
    {"check", "fail when CURRENT regressed against the baseline",
     memory_baseline::add_check_options},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the memory-baseline scenarios, reports, and gates regressions",
               "memory_baseline"};
  // "/path/to/file" is a path, not a /option (set before the subcommands, which inherit it).
  app.allow_windows_style_options(false);
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, memory_baseline::RunParsed>> commands;
  for (const Command& command : kCommands) {
    CLI::App* options = app.add_subcommand(command.name, command.description);
    commands.emplace_back(options, command.add_options(*options));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    return usage_error(error.what());
  }
  try {
    for (const auto& [options, run] : commands) {
      if (*options) return run();
    }
    return usage_error("no command given");  // require_subcommand(1) lets none through
  } catch (const memory_baseline::InputError& error) {
    return usage_error(error.what());
  } catch (const nlohmann::json::exception& error) {
    return usage_error(std::string("unexpected results content: ") + error.what());
  } catch (const std::exception& error) {  // reading or writing a file, out of memory
    return usage_error(error.what());
  }
}
