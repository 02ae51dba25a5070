// The budget and expectation checks (budget_checker.hpp).
#include "budget_checker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <monitor/memory.hpp>
#include <utility>

namespace scenarios {

namespace {

std::string preemption_note(const TimeBreaches& breaches, std::uint64_t attempts) {
  if (!breaches.only_preempted()) return {};
  return fmt::format(
      " (preempted: in each of the {} iterations that broke it the CPU was taken away for longer "
      "than the excess; {} attempt{})",
      breaches.iterations, attempts, attempts == 1 ? "" : "s");
}

constexpr double kMiB = 1024.0 * 1024.0;
constexpr std::uint64_t kRssNoiseBytes = 16 * 1024;

std::string sites_suffix(const std::string& sites) {
  return sites.empty() ? "" : "; " + sites;
}

}  // namespace

void BudgetChecker::check_process(std::uint64_t peak_live_bytes, std::uint64_t peak_rss_bytes,
                                  const std::vector<CaseResult>& cases) {
  const double limit = static_cast<double>(budgets_.process_limit_mb);
  // The sites of the case with the highest peak.
  const auto highest = std::max_element(
      cases.begin(), cases.end(),
      [](const auto& a, const auto& b) { return a.peak_live_bytes < b.peak_live_bytes; });
  const std::string sites = highest != cases.end() ? sites_suffix(highest->peak_sites) : "";
  for (const auto& [what, bytes] :
       {std::pair{"peak live bytes", peak_live_bytes}, std::pair{"peak RSS", peak_rss_bytes}}) {
    const double observed = static_cast<double>(bytes) / kMiB;
    if (observed > limit) {
      add("process_limit_mb", "", what, limit, observed, "MiB",
          fmt::format("{}: {} {:.2f} MiB > {} MiB in scenario {}{}",
                      process_limit_exceeded(budgets_.process_limit_mb), what, observed,
                      budgets_.process_limit_mb, scenario_.name, sites));
    }
  }
}

void BudgetChecker::check_case(const CaseResult& result) {
  const std::string where = fmt::format("in scenario {}, case {}", scenario_.name, result.name);
  const double slowest_ms = static_cast<double>(result.alloc_latency.max_ns) / 1e6;
  const double alloc_limit_ms = static_cast<double>(budgets_.alloc_budget_us) / 1e3;
  if (slowest_ms > alloc_limit_ms) {
    add("alloc_budget_us", result.name, "slowest allocation", alloc_limit_ms, slowest_ms, "ms",
        fmt::format("{}: slowest allocation {:.4f} ms > {} ms {}{}{}",
                    allocation_budget_exceeded(budgets_.alloc_budget_us), slowest_ms,
                    alloc_limit_ms, where,
                    preemption_note(result.alloc_budget_breaches, result.attempts),
                    result.slowest_site.empty() ? "" : "; made at " + result.slowest_site),
        result.alloc_budget_breaches.only_preempted());
  }
  if (budgets_.iteration_budget_ms) {
    const double slowest_iteration_ms = static_cast<double>(result.iteration_ns.max) / 1e6;
    if (slowest_iteration_ms > *budgets_.iteration_budget_ms) {
      add("iteration_budget_ms", result.name, "slowest iteration", *budgets_.iteration_budget_ms,
          slowest_iteration_ms, "ms",
          fmt::format("{}: {:.3f} ms > {} ms {}{}", scenario_.too_slow_words, slowest_iteration_ms,
                      *budgets_.iteration_budget_ms, where,
                      preemption_note(result.iteration_budget_breaches, result.attempts)),
          result.iteration_budget_breaches.only_preempted());
    }
  }
  // A ratio to the expected bytes needs an expectation: the phases of a real library's workload
  // have none (their expected bytes are 0), so a budgets file shared by a run's scenarios holds
  // only the seed workloads to it.
  if (budgets_.reserved_ratio_limit && result.exact_expectation) check_ratio(result, where);
  if (budgets_.growth_limit_mb) check_growth(result, where);
  if (result.exact_expectation &&
      (!result.consistent || result.requested_bytes != result.expected_requested_bytes ||
       result.allocations != result.expected_allocations)) {
    add("expectation", result.name, "requested bytes",
        static_cast<double>(result.expected_requested_bytes),
        static_cast<double>(result.requested_bytes), "bytes",
        fmt::format("Expectation not met: requested {} bytes in {} allocations, expected {} "
                    "bytes in {}{} {}",
                    result.requested_bytes, result.allocations, result.expected_requested_bytes,
                    result.expected_allocations, result.consistent ? "" : " (iterations differ)",
                    where));
  }
  if (result.leaked_iterations > 0) {
    add("leak", result.name, "bytes left live", 0,
        static_cast<double>(result.largest_live_bytes_delta), "bytes",
        (scenario_.phases ? fmt::format("Leak: {} bytes live beyond what the phase may leave {}",
                                        result.largest_live_bytes_delta, where)
                          : fmt::format("Leak: {} of {} iterations left up to {} bytes live {}",
                                        result.leaked_iterations, result.iterations,
                                        result.largest_live_bytes_delta, where)) +
            sites_suffix(result.leak_sites));
  }
}

void BudgetChecker::check_ratio(const CaseResult& result, const std::string& where) {
  const double limit = *budgets_.reserved_ratio_limit;
  const double expected = static_cast<double>(result.expected_requested_bytes);
  const double reserved_ratio = static_cast<double>(result.reserved_bytes) / expected;
  if (reserved_ratio > limit) {
    add("reserved_ratio_limit", result.name, "reserved bytes / expected", limit, reserved_ratio,
        "x",
        fmt::format("{}: reserved {} bytes for expected {} bytes ({:.2f}x > {}x) {}",
                    scenario_.too_much_memory_words, result.reserved_bytes,
                    result.expected_requested_bytes, reserved_ratio, limit, where));
  }
  // RSS moves in whole pages: the expectation is rounded up to pages before the rule applies.
  // And RSS also moves by itself, by pages the runtime touches outside the program's
  // allocations: growth up to kRssNoiseBytes beyond the rule is not the workload's (under wine its
  // own memory is in the process's RSS too: docs/scenarios.md).
  const std::uint64_t page = monitor::page_size();
  const auto expected_pages_bytes =
      static_cast<double>((result.expected_requested_bytes + page - 1) / page * page);
  const double rss_ratio = static_cast<double>(result.rss_growth_bytes) / expected_pages_bytes;
  if (static_cast<double>(result.rss_growth_bytes) >
      limit * expected_pages_bytes + static_cast<double>(kRssNoiseBytes)) {
    add("reserved_ratio_limit", result.name, "RSS growth / expected", limit, rss_ratio, "x",
        fmt::format("{}: RSS grew {} bytes for expected {} bytes, {} in whole pages ({:.2f}x > "
                    "{}x, beyond the {} bytes RSS moves by itself) {}",
                    scenario_.too_much_memory_words, result.rss_growth_bytes,
                    result.expected_requested_bytes, expected_pages_bytes, rss_ratio, limit,
                    kRssNoiseBytes, where));
  }
}

void BudgetChecker::check_growth(const CaseResult& result, const std::string& where) {
  const double limit = static_cast<double>(*budgets_.growth_limit_mb);
  for (const auto& [what, bytes] :
       {std::pair{"peak live bytes", static_cast<std::int64_t>(result.peak_live_bytes)},
        std::pair{"RSS growth", result.rss_growth_bytes}}) {
    const double observed = static_cast<double>(bytes) / kMiB;
    if (observed > limit) {
      add("growth_limit_mb", result.name, what, limit, observed, "MiB",
          fmt::format("{}: {} {:.2f} MiB delta > {} MiB {}{}", scenario_.too_much_memory_words,
                      what, observed, limit, where, sites_suffix(result.peak_sites)));
    }
  }
}

void BudgetChecker::add(std::string budget, std::string case_name, std::string figure, double limit,
                        double observed, std::string unit, std::string message, bool preempted) {
  violations_.push_back({std::move(budget), std::move(case_name), limit, observed, std::move(unit),
                         std::move(message), preempted, std::move(figure)});
}

}  // namespace scenarios
