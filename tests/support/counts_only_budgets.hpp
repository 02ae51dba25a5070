// A budgets file under which a run's verdict depends on what it allocates alone, for tests that
// assert a whole run's `passed` or exit status 0 (docs/runner.md, "Time budgets and preemption"):
// the time budgets an hour, longer than any test's own timeout, so that no preemption or stall of a
// shared machine decides it; and the RSS budgets (reserved_ratio_limit's RSS part,
// growth_limit_mb) out of reach, because RSS also moves with what else happens in the process (the
// memory sampler's thread, the heap sampler's stack captures; under wine, wine's own threads and
// heap). Tests that want a breach use impossible budgets instead, and byte figures are asserted
// from the result.
#pragma once

#include <filesystem>
#include <fstream>

namespace test_support {

inline constexpr const char* kCountsOnlyBudgets =
    R"({"alloc_budget_us": 3600000000, "iteration_budget_ms": 3600000, )"
    R"("reserved_ratio_limit": 1000000, "growth_limit_mb": 1000000000})";

// Writes the file at `path` and returns `path`.
inline std::filesystem::path write_counts_only_budgets(const std::filesystem::path& path) {
  std::ofstream(path, std::ios::trunc) << kCountsOnlyBudgets;
  return path;
}

}  // namespace test_support
