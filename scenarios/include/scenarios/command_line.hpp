// The project's command lines (CLI11): checks that every flag shares, and the flags of a scenario
// run, defined once. Every scenario executable takes the run flags; `memory_baseline run` takes
// the same ones and passes on to each scenario those that were given.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scenarios {

// Digits only (no sign, no exponent), from `lowest` to `highest`: "-1" is refused, not wrapped.
CLI::Validator whole_number(std::uint64_t lowest, std::uint64_t highest);
// A finite decimal number from `lowest` to `highest`: "nan" and "inf" are refused.
CLI::Validator finite_number(double lowest, double highest);
// Anything but "": an empty file or folder name is refused, not taken as "none".
CLI::Validator non_empty();

struct RunFlags {
  std::optional<std::uint64_t> iterations;
  std::optional<std::uint64_t> warmup;
  std::optional<std::uint64_t> limit_mb;
  std::optional<std::uint64_t> alloc_budget_us;
  std::optional<double> iteration_budget_ms;
  std::optional<std::uint64_t> sample_interval_ms;
  std::optional<std::uint64_t> attempts;
};
void add_run_flags(CLI::App& app, RunFlags& flags);
// The given flags as arguments again, e.g. {"--iterations", "5"}.
std::vector<std::string> run_flag_arguments(const RunFlags& flags);

}  // namespace scenarios
