// scenario_main(): the command line of the scenario executables (CLI11), the allocator switch,
// and the result file, checked before the run and written whole or not at all.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "allocation_failure.hpp"
#include "platform/platform.hpp"
#include "scenarios/allocators.hpp"
#include "scenarios/command_line.hpp"
#include "scenarios/files.hpp"
#include "scenarios/harness.hpp"
#include "terminal_report.hpp"

namespace scenarios {

namespace {

constexpr int kUsageError = 2;
constexpr int kBudgetBreached = 1;

int usage_error(const std::string& program, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program.c_str(), message.c_str());
  return kUsageError;
}

void apply(const RunFlags& flags, RunOptions& options) {
  if (flags.iterations) options.iterations = *flags.iterations;
  if (flags.warmup) options.warmup = *flags.warmup;
  if (flags.sample_interval_ms) options.sample_interval_ms = *flags.sample_interval_ms;
  if (flags.attempts) options.attempts = *flags.attempts;
  if (flags.limit_mb) options.budgets.process_limit_mb = *flags.limit_mb;
  if (flags.alloc_budget_us) options.budgets.alloc_budget_us = *flags.alloc_budget_us;
  if (flags.iteration_budget_ms) options.budgets.iteration_budget_ms = *flags.iteration_budget_ms;
}

int run(int argc, char** argv, Scenario scenario, const std::string& program) {
  CLI::App app{scenario.description, program};
  app.allow_windows_style_options(false);  // "/path/to/file" is a path, not a /option
  std::string allocator = "system";
  std::string json_path;
  std::string budgets_path;
  RunFlags flags;
  app.add_option("--allocator", allocator, "system (default), mimalloc, jemalloc or tcmalloc")
      ->check(CLI::IsMember(allocator_names()));
  app.add_option("--json", json_path, "write the result document to FILE")->check(non_empty());
  app.add_option("--budgets", budgets_path, "budgets file (JSON, see docs/scenarios.md)")
      ->check(non_empty());
  add_run_flags(app, flags);
  if (scenario.add_flags) scenario.add_flags(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    return usage_error(program, error.what());
  }

  RunOptions options;
  options.budgets = scenario.default_budgets;
  if (!budgets_path.empty()) {
    try {
      apply_budgets_file(budgets_path, options.budgets);
    } catch (const std::exception& error) {
      return usage_error(program, error.what());
    }
  }
  apply(flags, options);
  if (scenario.phases && (flags.iterations || flags.warmup)) {
    return usage_error(program, std::string(flags.iterations ? "--iterations" : "--warmup") +
                                    " does not apply: the phases of " + scenario.name +
                                    " run once each");
  }

  if (const std::string missing = allocator_missing(allocator); !missing.empty())
    return usage_error(program, missing);
  if (allocator != alloc_hooks::backend().name) {
    const char* already = std::getenv("ALLOC_HOOKS_BACKEND");
    if (already != nullptr && allocator == already) {
      return usage_error(program, "the " + allocator + " backend could not be selected");
    }
    platform::restart_with_backend(allocator, argv);
    return usage_error(program, "cannot restart under the " + allocator + " backend");
  }

  // An unwritable result path is bad input: found now, before the run.
  if (!json_path.empty()) {
    if (const std::string problem = output_problem(json_path); !problem.empty())
      return usage_error(program, problem);
  }

  spdlog::set_pattern("%v");
  if (scenario.configure) {
    if (const std::optional<Refusal> refusal = scenario.configure(scenario, options.budgets)) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), refusal->message.c_str());
      return refusal->status;
    }
  }
  const RunResult result = run_scenario(scenario, options);
  log_run(result);
  if (!json_path.empty()) {
    if (const std::string problem = write_file_whole(json_path, to_json(result).dump(2) + "\n");
        !problem.empty()) {
      return usage_error(program, problem);
    }
    spdlog::info("result: {}", json_path);
  }
  return result.passed ? 0 : kBudgetBreached;
}

// A std::bad_alloc outside the measured run (which reports its own): while reading the flags or
// writing the result. Nothing here may allocate; argv[0] names the program.
int allocation_failed_outside_the_run(const char* program_path) {
  const AllocationFailure failure = take_allocation_failure();
  const char* slash = std::strrchr(program_path, '/');
  std::fprintf(stderr, "%s: Allocation failed outside the measured run: %s; no result written\n",
               slash != nullptr ? slash + 1 : program_path,
               failure.refused_by_limit
                   ? "refused by the live-bytes limit (ALLOC_HOOKS_LIVE_BYTES_LIMIT)"
                   : "out of memory (std::bad_alloc)");
  return kBudgetBreached;
}

}  // namespace

int scenario_main(int argc, char** argv, const Scenario& scenario) {
  try {
    return run(argc, argv, scenario, "scenario_" + scenario.name);
  } catch (const std::bad_alloc&) {
    return allocation_failed_outside_the_run(argv[0]);
  }
}

int scenario_main(int argc, char** argv, const std::string& scenario_name) {
  try {
    Scenario (*make)() = find_scenario(scenario_name);
    if (make == nullptr) {
      return usage_error("scenario_" + scenario_name, "unknown scenario " + scenario_name);
    }
    return scenario_main(argc, argv, make());
  } catch (const std::bad_alloc&) {
    return allocation_failed_outside_the_run(argv[0]);
  }
}

}  // namespace scenarios
