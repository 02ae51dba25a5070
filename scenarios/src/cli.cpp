// scenario_main(): the command line of the scenario executables (CLI11), the allocator switch,
// and the result file, written whole or not at all.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "platform/platform.hpp"
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

}  // namespace

int scenario_main(int argc, char** argv, const std::string& scenario_name) {
  const std::string program = "scenario_" + scenario_name;
  Scenario (*make)() = find_scenario(scenario_name);
  if (make == nullptr) return usage_error(program, "unknown scenario " + scenario_name);
  const Scenario scenario = make();

  CLI::App app{scenario.description, program};
  app.allow_windows_style_options(false);  // "/path/to/file" is a path, not a /option
  std::string allocator = "system";
  std::string json_path;
  std::string budgets_path;
  RunOptions options;
  std::uint64_t warmup = 0, limit_mb = 0, alloc_budget_us = 0;
  double iteration_budget_ms = 0;
  app.add_option("--allocator", allocator, "system or mimalloc")
      ->check(CLI::IsMember({"system", "mimalloc"}));
  app.add_option("--json", json_path, "write the result document to FILE");
  app.add_option("--iterations", options.iterations, "measured iterations per case")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  CLI::Option* warmup_option = app.add_option("--warmup", warmup, "warm-up iterations per case");
  CLI::Option* limit_option =
      app.add_option("--limit-mb", limit_mb, "process limit in MB (default 1024)");
  CLI::Option* alloc_option = app.add_option("--alloc-budget-us", alloc_budget_us,
                                             "budget of every allocation in us (default 5000)");
  CLI::Option* iteration_option =
      app.add_option("--iteration-budget-ms", iteration_budget_ms, "budget of one iteration in ms")
          ->check(CLI::Range(1e-6, 1e9));
  app.add_option("--budgets", budgets_path, "budgets file (JSON, see docs/scenarios.md)");
  app.add_option("--sample-interval-ms", options.sample_interval_ms,
                 "memory sampler interval (default 100)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{60'000}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    return usage_error(program, error.what());
  }

  options.budgets = scenario.default_budgets;
  if (!budgets_path.empty()) {
    try {
      apply_budgets_file(budgets_path, options.budgets);
    } catch (const std::exception& error) {
      return usage_error(program, error.what());
    }
  }
  if (warmup_option->count() > 0) options.warmup = warmup;
  if (limit_option->count() > 0) options.budgets.process_limit_mb = limit_mb;
  if (alloc_option->count() > 0) options.budgets.alloc_budget_us = alloc_budget_us;
  if (iteration_option->count() > 0) options.budgets.iteration_budget_ms = iteration_budget_ms;

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
    const std::string probe = json_path + ".partial";
    const bool writable = static_cast<bool>(std::ofstream(probe, std::ios::trunc));
    std::error_code ignored;
    std::filesystem::remove(probe, ignored);
    if (!writable) return usage_error(program, "cannot write " + json_path);
  }

  spdlog::set_pattern("%v");
  const RunResult run = run_scenario(scenario, options);
  log_run(run);
  if (!json_path.empty()) {
    if (!write_file_whole(json_path, to_json(run).dump(2) + "\n")) {
      return usage_error(program, "cannot write " + json_path);
    }
    spdlog::info("result: {}", json_path);
  }
  return run.passed ? 0 : kBudgetBreached;
}

}  // namespace scenarios
