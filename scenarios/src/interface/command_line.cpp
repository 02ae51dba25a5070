// Flag checks and the run flags (scenarios/command_line.hpp).
#include "scenarios/command_line.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "scenarios/budgets.hpp"

namespace scenarios {

CLI::Validator whole_number(std::uint64_t lowest, std::uint64_t highest) {
  const std::string range = fmt::format("a whole number from {} to {}", lowest, highest);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
          return c >= '0' && c <= '9';
        });
        errno = 0;
        const unsigned long long value = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
        if (!digits || errno == ERANGE || value < lowest || value > highest)
          return "must be " + range + ", not '" + text + "'";
        return {};
      },
      "UINT");
}

CLI::Validator finite_number(double lowest, double highest) {
  const std::string range = fmt::format("a number from {} to {}", lowest, highest);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = text.empty() ? NAN : std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(value) || value < lowest ||
            value > highest)
          return "must be " + range + ", not '" + text + "'";
        return {};
      },
      "NUMBER");
}

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return text.empty() ? std::string("must not be empty") : std::string();
      },
      "TEXT");
}

namespace {

// The one list of run flags: name, field, check, help (`Flags` is RunFlags or const RunFlags).
template <typename Flags, typename Visit>
void for_each_run_flag(Flags& flags, Visit&& visit) {
  visit("--iterations", flags.iterations, whole_number(1, 1'000'000'000),
        "measured iterations per case");
  visit("--warmup", flags.warmup, whole_number(0, 1'000'000'000),
        "warm-up iterations per case (default a tenth of the iterations, at least 1)");
  visit("--limit-mb", flags.limit_mb, whole_number(0, kMaxLimitMb),
        "process limit in MiB (default 1024)");
  visit("--alloc-budget-us", flags.alloc_budget_us, whole_number(0, kMaxAllocBudgetUs),
        "budget of every allocation in us (default 5000)");
  visit("--iteration-budget-ms", flags.iteration_budget_ms,
        finite_number(kMinIterationBudgetMs, kMaxIterationBudgetMs),
        "budget of one iteration in ms");
  visit("--sample-interval-ms", flags.sample_interval_ms, whole_number(1, 60'000),
        "memory sampler interval in ms (default 100)");
  visit("--attempts", flags.attempts, whole_number(1, 100),
        "attempts at a case whose time budget broke while the CPU was taken away (default 3)");
}

std::string text_of(std::uint64_t value) {
  return std::to_string(value);
}
std::string text_of(double value) {
  return fmt::format("{}", value);  // the shortest text that reads back as the same value
}

}  // namespace

void add_run_flags(CLI::App& app, RunFlags& flags) {
  for_each_run_flag(flags,
                    [&app](const char* name, auto& field, CLI::Validator check, const char* help) {
                      using Value = typename std::remove_reference_t<decltype(field)>::value_type;
                      app.add_option_function<std::string>(
                             name,
                             [&field](const std::string& text) {
                               if constexpr (std::is_same_v<Value, double>) {
                                 field = std::strtod(text.c_str(), nullptr);
                               } else {
                                 field = std::strtoull(text.c_str(), nullptr, 10);
                               }
                             },
                             help)
                          ->check(check);
                    });
}

std::vector<std::string> run_flag_arguments(const RunFlags& flags) {
  std::vector<std::string> arguments;
  for_each_run_flag(
      flags, [&arguments](const char* name, auto& field, const CLI::Validator&, const char*) {
        if (field) arguments.insert(arguments.end(), {name, text_of(*field)});
      });
  return arguments;
}

}  // namespace scenarios
