// Budgets a scenario is held to, their defaults (the seed task's), and the budgets file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

#include "scenarios/json_record.hpp"

namespace scenarios {

// The seed task's process limit ("under 1 GB"), read as 1 GiB: the default of --limit-mb.
inline constexpr std::uint64_t kSeedProcessLimitMb = 1024;

// The seed task's budget of every single allocation ("never wait more than 5 ms").
inline constexpr std::uint64_t kSeedAllocBudgetUs = 5000;

struct Budgets {
  std::uint64_t process_limit_mb = kSeedProcessLimitMb;  // peak live bytes and peak RSS
  std::uint64_t alloc_budget_us = kSeedAllocBudgetUs;    // every single allocation
  std::optional<double> iteration_budget_ms;             // one iteration of the workload
  std::optional<double> reserved_ratio_limit;            // reserved bytes / requested bytes
  std::optional<std::uint64_t> growth_limit_mb;          // RSS and live-bytes growth over a case
  std::optional<double> min_recall;                      // recall@10 of an index's answers, 0..1
};

// The accepted range of each budget, the same for the flags and the budgets file: wide enough for
// any real budget, and small enough that no conversion (µs to ns, ms to ns) can overflow.
inline constexpr std::uint64_t kMaxLimitMb = 1'000'000'000;        // 1 PB
inline constexpr std::uint64_t kMaxAllocBudgetUs = 3'600'000'000;  // an hour
inline constexpr double kMinIterationBudgetMs = 1e-6;              // 1 ns
inline constexpr double kMaxIterationBudgetMs = 1e9;               // 11.6 days
inline constexpr double kMaxReservedRatioLimit = 1e6;

// The budgets' keys in the result document and the budgets file (json_record.hpp); a budget
// without a limit is left out.
constexpr auto json_fields(std::type_identity<Budgets>) {
  using json_record::field;
  return std::tuple{field("process_limit_mb", &Budgets::process_limit_mb),
                    field("alloc_budget_us", &Budgets::alloc_budget_us),
                    field("iteration_budget_ms", &Budgets::iteration_budget_ms),
                    field("reserved_ratio_limit", &Budgets::reserved_ratio_limit),
                    field("growth_limit_mb", &Budgets::growth_limit_mb),
                    field("min_recall", &Budgets::min_recall)};
}

// The opening words of a process-limit breach: the seed task's "Total memory exceeded 1GB limit"
// at the seed's limit, else the limit in force ("Total memory exceeded the 512 MiB limit").
std::string process_limit_exceeded(std::uint64_t limit_mb);
// The same for the allocation budget: the seed task's "Allocation exceeded 5ms budget" at its
// 5 ms, else the budget in force ("Allocation exceeded the 0.25 ms budget").
std::string allocation_budget_exceeded(std::uint64_t budget_us);

// Every budget or check a violation can name: its key (the budgets file's and the results'),
// what it holds in words, and where its limit comes from. The results schema's enum of
// violations[].budget lists the same keys (a test compares them).
struct BudgetKind {
  const char* key;
  const char* words;   // what the budget holds
  const char* origin;  // where its limit comes from
};
inline constexpr BudgetKind kBudgetKinds[] = {
    {"process_limit_mb", "process memory (peak live bytes and peak RSS)",
     "the seed task's 1 GB process limit, 1 GiB here"},
    {"alloc_budget_us", "time of every single allocation", "the seed task's 5 ms per allocation"},
    {"iteration_budget_ms", "time of one whole iteration of the workload",
     "the seed task's: the concepts batch 50 ms, the fragmentation pattern 20 ms, the concurrent "
     "run 30 ms"},
    {"reserved_ratio_limit", "memory held per expected byte (reserved bytes; RSS growth)",
     "the seed task's \"memory <= 2x expected\"; holding RSS growth in whole pages to it (beyond "
     "16 KiB that RSS moves by itself) is this tool's reading"},
    {"growth_limit_mb", "memory growth over a case (peak live bytes; RSS growth)",
     "the seed task's fragmentation growth < 100 MB, 100 MiB here"},
    {"expectation", "the exact bytes and allocations the workload's code requests",
     "this tool's own: the scenario's code fixes them"},
    {"leak", "nothing left live after an iteration or phase", "this tool's own"},
    {"allocation_failed", "every allocation succeeds", "this tool's own"},
    {"min_recall", "recall@10 of the index's answers",
     "this tool's own: an index must still find its neighbours"},
    {"save_load", "a loaded index answers as the saved one did", "this tool's own"},
    {"build_cost", "the cost of measuring the index build is measured", "this tool's own"},
};
// The entry of `key`; nullptr for a key no budget has.
const BudgetKind* budget_kind(const std::string& key);

// Applies the keys of a budgets file (docs/result_schema.md) over `budgets`. Throws
// std::runtime_error with a one-line message for an unreadable file, malformed JSON, an unknown key
// or a value of the wrong type.
void apply_budgets_file(const std::string& path, Budgets& budgets);

}  // namespace scenarios
