// The gating set and the breaches of a results file, each named with its budget, figure, limit,
// origin and report section.
#include "memory_baseline/verdict.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <scenarios/budgets.hpp>

namespace memory_baseline {

namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A figure with its unit as the reports print it. "MB" is how results written before the unit
// was spelled out named MiB.
std::string with_unit(double value, const std::string& unit) {
  if (unit == "MiB" || unit == "MB") return fmt::format("{:.2f} MiB", value);
  if (unit == "ms") return fmt::format("{:.3f} ms", value);
  if (unit == "x") return fmt::format("{:.2f}x", value);
  if (unit.empty()) return fmt::format("{:.4g}", value);
  return fmt::format("{:.0f} {}", value, unit);
}

std::string measured_words(const scenarios::Violation& violation) {
  const std::string& budget = violation.budget;
  const std::string& unit = violation.unit;
  const double observed = violation.observed, limit = violation.limit;
  const std::string prefix = violation.figure.empty() ? "" : violation.figure + " ";
  if (budget == "expectation") {
    return fmt::format("{}{} where the code requests {}", prefix, with_unit(observed, unit),
                       with_unit(limit, unit));
  }
  if (budget == "allocation_failed" || budget == "build_cost") return violation.message;
  const char* relation = budget == "min_recall" ? "<" : ">";
  return fmt::format("{}{} {} {}", prefix, with_unit(observed, unit), relation,
                     with_unit(limit, unit));
}

// What an allocator's documented design adds to a memory figure, where a breach under it comes
// from that design rather than from the workload (docs/scenarios.md, "The concurrent scenario
// under tcmalloc", has the measurements).
std::string design_note(const std::string& allocator, const scenarios::ScenarioResult& run,
                        const scenarios::Violation& violation) {
  const bool rss = violation.figure.find("RSS") != std::string::npos;
  const nlohmann::json& parameters = run.parameters;
  const bool threads = parameters.is_object() && parameters.value("threads", 1) > 1;
  if (allocator == "tcmalloc" && rss && threads) {
    return "tcmalloc keeps what a thread frees in that thread's own cache, for that thread to "
           "reuse, up to a bound of at least 512 KiB per thread (its documented design); when "
           "one thread frees what others made, the others take fresh memory meanwhile, so RSS "
           "grows by up to that bound, whatever the workload's bytes";
  }
  return {};
}

// Where a limit comes from: the seed task's words for its default; a limit set for the run (a flag
// or a budgets file) in place of the default is named as the run's own, so a tightened budget's
// breach does not quote a limit the run did not use.
std::string limit_origin(const scenarios::BudgetKind& kind, const scenarios::Budgets& run_budgets) {
  const scenarios::Budgets defaults;
  const std::string key = kind.key;
  const bool set_by_run =
      (key == "alloc_budget_us" && run_budgets.alloc_budget_us != defaults.alloc_budget_us) ||
      (key == "process_limit_mb" && run_budgets.process_limit_mb != defaults.process_limit_mb);
  return set_by_run ? fmt::format("this run's limit, in place of {}", kind.origin) : kind.origin;
}

Breach violation_breach(const Results& results, const scenarios::ScenarioResult& run,
                        const scenarios::Violation& violation) {
  Breach breach;
  breach.scenario = run.scenario;
  breach.allocator = run.allocator.name;
  breach.case_name = violation.case_name;
  breach.budget = violation.budget;
  if (const scenarios::BudgetKind* kind = scenarios::budget_kind(breach.budget)) {
    breach.words = kind->words;
    breach.origin = limit_origin(*kind, run.budgets);
  } else {
    breach.words = breach.budget;
  }
  breach.measured = measured_words(violation);
  breach.note = design_note(breach.allocator, run, violation);
  breach.anchor = scenario_anchor(breach.scenario);
  breach.gated = gates_on(results, breach.allocator);
  breach.preempted = violation.preempted;
  return breach;
}

}  // namespace

std::vector<std::string> gating_set(const std::vector<std::string>& gate, bool allocators_given,
                                    const std::vector<std::string>& run_allocators) {
  for (const std::string& name : gate) {
    if (!contains(run_allocators, name)) {
      throw InputError("--gate-allocators names " + name +
                       ", which this run does not include (add it to --allocators)");
    }
  }
  const std::vector<std::string>& wanted =
      !gate.empty() ? gate : (allocators_given ? run_allocators : kDefaultGatingAllocators);
  std::vector<std::string> set;
  for (const std::string& name : run_allocators) {
    if (contains(wanted, name)) set.push_back(name);
  }
  return set;
}

std::vector<std::string> gating_allocators(const Results& results) {
  if (results.gating_allocators) return *results.gating_allocators;
  std::vector<std::string> every;
  for (const scenarios::ScenarioResult& run : results.runs) {
    if (!contains(every, run.allocator.name)) every.push_back(run.allocator.name);
  }
  return every;
}

bool gates_on(const Results& results, const std::string& allocator) {
  return contains(gating_allocators(results), allocator);
}

std::string scenario_anchor(const std::string& scenario) {
  return "scenario-" + scenario;
}

std::vector<Breach> breaches(const Results& results) {
  std::vector<Breach> all;
  for (const scenarios::ScenarioResult& run : results.runs) {
    for (const scenarios::Violation& violation : run.violations)
      all.push_back(violation_breach(results, run, violation));
  }
  for (const FailedRun& failed : results.failed_runs) {
    Breach breach;
    breach.scenario = failed.scenario;
    breach.allocator = failed.allocator;
    breach.budget = "run";
    breach.words = "the scenario runs to its end";
    breach.measured =
        fmt::format("exit status {}: {} (log: {})", failed.status, failed.reason, failed.log);
    breach.origin = "this tool's own";
    breach.anchor = "verdict";
    breach.gated = gates_on(results, breach.allocator);
    all.push_back(std::move(breach));
  }
  if (results.sweep) {
    const SweepDocument& sweep = *results.sweep;
    const auto sweep_breach = [&](const std::string& engine, const std::string& allocator,
                                  std::string measured) {
      Breach breach;
      breach.scenario = "sweep index-" + engine;
      breach.allocator = allocator;
      breach.budget = "process_limit_mb";
      breach.words = "the largest N found holds at full scale";
      breach.measured = std::move(measured);
      scenarios::Budgets sweep_budgets;
      sweep_budgets.process_limit_mb = sweep.limit_mb;
      breach.origin = limit_origin(*scenarios::budget_kind("process_limit_mb"), sweep_budgets);
      breach.anchor = "sweep";
      breach.gated = gates_on(results, breach.allocator);
      return breach;
    };
    for (const SweepFailure& failure : sweep.failures) {
      Breach breach =
          sweep_breach(failure.engine, failure.allocator,
                       fmt::format("the point N={} wrote no result (exit status {}): {}", failure.n,
                                   failure.status, failure.message));
      breach.budget = "run";
      breach.words = "every sweep point runs";
      breach.origin = "this tool's own";
      all.push_back(std::move(breach));
    }
    for (const SweepFit& fit : sweep.fits) {
      if (fit.verified && !*fit.verified) {
        all.push_back(sweep_breach(fit.engine, fit.allocator,
                                   fmt::format("N={} did not stay within {} MiB when run",
                                               fit.largest_n.value_or(0), sweep.limit_mb)));
      }
    }
  }

  std::stable_partition(all.begin(), all.end(), [](const Breach& breach) { return breach.gated; });
  return all;
}

std::string violation_words(const scenarios::Violation& violation) {
  const scenarios::BudgetKind* kind = scenarios::budget_kind(violation.budget);
  return fmt::format("{}: {}", kind != nullptr ? kind->words : violation.budget.c_str(),
                     measured_words(violation));
}

bool passes(const Results& results) {
  const std::vector<Breach> all = breaches(results);
  return std::none_of(all.begin(), all.end(), [](const Breach& breach) { return breach.gated; });
}

std::string verdict_words(const Results& results) {
  std::size_t gated = 0, findings = 0;
  for (const Breach& breach : breaches(results)) ++(breach.gated ? gated : findings);
  std::string allocators;
  for (const std::string& name : gating_allocators(results))
    allocators += (allocators.empty() ? "" : ", ") + name;
  if (allocators.empty()) allocators = "none";
  std::string text =
      gated == 0
          ? fmt::format("Verdict: every budget held under the gated allocators ({})", allocators)
          : fmt::format("Verdict: {} budget{} BREACHED under the gated allocators ({})", gated,
                        gated == 1 ? "" : "s", allocators);
  if (findings > 0) {
    text += fmt::format("; {} finding{} under the allocators that ran for comparison", findings,
                        findings == 1 ? "" : "s");
  }
  return text + ".";
}

std::string breach_line(const Breach& breach, const std::string& report) {
  const std::string where = breach.case_name.empty() ? std::string() : ", case " + breach.case_name;
  const std::string what =
      fmt::format("{}: {} ({}){}", breach.words, breach.measured, breach.origin,
                  breach.preempted ? " [only while preempted]" : "");
  const std::string note = breach.note.empty() ? std::string() : "; " + breach.note;
  // Within the page itself the line is the link: no "see".
  const std::string see =
      report.empty() ? std::string() : fmt::format("; see {}#{}", report, breach.anchor);
  if (breach.gated) {
    return fmt::format("BREACHED: {} under {}{}: {}{}{}", breach.scenario, breach.allocator, where,
                       what, note, see);
  }
  return fmt::format("finding (not gated): under {}, {}{} would breach {}{}{}", breach.allocator,
                     breach.scenario, where, what, note, see);
}

}  // namespace memory_baseline
