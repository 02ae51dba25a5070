// Budgets a scenario is held to, their defaults (the seed task's), and the budgets file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace scenarios {

struct Budgets {
  std::uint64_t process_limit_mb = 1024;         // peak live bytes and peak RSS
  std::uint64_t alloc_budget_us = 5000;          // every single allocation
  std::optional<double> iteration_budget_ms;     // one iteration of the workload
  std::optional<double> reserved_ratio_limit;    // reserved bytes / requested bytes
  std::optional<std::uint64_t> growth_limit_mb;  // RSS and live-bytes growth over a case
  std::optional<double> min_recall;              // recall@10 of an index's answers, 0..1
};

// The accepted range of each budget, the same for the flags and the budgets file: wide enough for
// any real budget, and small enough that no conversion (µs to ns, ms to ns) can overflow.
inline constexpr std::uint64_t kMaxLimitMb = 1'000'000'000;        // 1 PB
inline constexpr std::uint64_t kMaxAllocBudgetUs = 3'600'000'000;  // an hour
inline constexpr double kMinIterationBudgetMs = 1e-6;              // 1 ns
inline constexpr double kMaxIterationBudgetMs = 1e9;               // 11.6 days
inline constexpr double kMaxReservedRatioLimit = 1e6;

nlohmann::json to_json(const Budgets& budgets);

// Applies the keys of a budgets file (docs/result_schema.md) over `budgets`. Throws
// std::runtime_error with a one-line message for an unreadable file, malformed JSON, an unknown key
// or a value of the wrong type.
void apply_budgets_file(const std::string& path, Budgets& budgets);

}  // namespace scenarios
