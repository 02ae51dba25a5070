// The closing lines of a run: the gating set, the seed task's two compliance lines decided over
// the gated runs, then every breach and finding named on a line of its own.
#include <fmt/format.h>

#include <algorithm>

#include "memory_baseline/reports.hpp"
#include "memory_baseline/verdict.hpp"

namespace memory_baseline {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// "1 GiB", "512 MiB, 1 GiB": the distinct values of a budget over the gated runs, in the budget's
// unit.
std::string limits(const Results& results, std::uint64_t scenarios::Budgets::*budget,
                   std::string (*words)(std::uint64_t)) {
  std::vector<std::string> seen;
  for (const scenarios::ScenarioResult& run : results.runs) {
    if (!gates_on(results, run.allocator.name)) continue;
    const std::string text = words(run.budgets.*budget);
    if (std::find(seen.begin(), seen.end(), text) == seen.end()) seen.push_back(text);
  }
  return join(seen);
}

std::string mebibytes_words(std::uint64_t mib) {
  return mib > 0 && mib % 1024 == 0 ? fmt::format("{} GiB", mib / 1024)
                                    : fmt::format("{} MiB", mib);
}

std::string microseconds_words(std::uint64_t us) {
  if (us > 0 && us % 1'000'000 == 0) return fmt::format("{} s", us / 1'000'000);
  if (us > 0 && us % 1000 == 0) return fmt::format("{} ms", us / 1000);
  return fmt::format("{} us", us);
}

}  // namespace

std::string compliance_lines(const Results& results, const std::string& report) {
  const std::vector<std::string> gated = gating_allocators(results);
  std::vector<std::string> compared;
  for (const scenarios::ScenarioResult& run : results.runs) {
    const std::string& name = run.allocator.name;
    if (!gates_on(results, name) &&
        std::find(compared.begin(), compared.end(), name) == compared.end())
      compared.push_back(name);
  }
  std::string text = fmt::format("Gated on: {}", gated.empty() ? "no allocator" : join(gated));
  text += compared.empty() ? "\n"
                           : fmt::format(" ({} ran for comparison: their breaches are findings)\n",
                                         join(compared));

  const std::vector<Breach> all = breaches(results);
  bool memory_held = true, latency_held = true;
  std::size_t gated_breaches = 0;
  for (const Breach& breach : all) {
    if (!breach.gated) continue;
    ++gated_breaches;
    memory_held = memory_held && breach.budget != "process_limit_mb";
    latency_held = latency_held && breach.budget != "alloc_budget_us";
  }
  const std::string memory_limits =
      limits(results, &scenarios::Budgets::process_limit_mb, mebibytes_words);
  const std::string memory_limit =
      memory_limits.empty() ? "the memory limit" : "the " + memory_limits + " memory limit";
  std::string latency_limit =
      limits(results, &scenarios::Budgets::alloc_budget_us, microseconds_words);
  if (latency_limit.empty()) latency_limit = "their budget";
  text += memory_held ? fmt::format("All tests stayed within {}\n", memory_limit)
                      : fmt::format("WARNING: Some tests exceeded {}\n", memory_limit);
  text += latency_held ? fmt::format("All allocations stayed within {}\n", latency_limit)
                       : fmt::format("WARNING: Some allocations exceeded {}\n", latency_limit);
  for (const Breach& breach : all) text += breach_line(breach, report) + "\n";
  if (gated_breaches > 0) {
    text += fmt::format(
        "WARNING: {} budget{} breached under the gated allocators (the BREACHED "
        "line{} above)\n",
        gated_breaches, gated_breaches == 1 ? "" : "s", gated_breaches == 1 ? "" : "s");
  }
  return text;
}

}  // namespace memory_baseline
