// build_report_tables(): the figures of issue #4's report, per scenario and allocator.
#include "memory_baseline/report_tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "memory_baseline/verdict.hpp"

namespace memory_baseline {

namespace {

struct Cell {
  std::string text;
  std::optional<double> value;
};

using Extract = std::function<Cell(const scenarios::ScenarioResult& run)>;

template <class Number>
Cell integer(Number number) {
  const double value = static_cast<double>(number);
  return {fmt::format("{:.0f}", value), value};
}

Cell budget_status(const scenarios::ScenarioResult& run, const std::string& budget, bool gated) {
  for (const scenarios::Violation& violation : run.violations) {
    if (violation.budget == budget) return {gated ? "BREACHED" : "finding", std::nullopt};
  }
  return {"held", std::nullopt};
}

void add_row(ReportTable& table, const std::vector<const scenarios::ScenarioResult*>& runs,
             const std::string& figure, const Extract& extract) {
  ReportRow row{figure, {}, ""};
  std::vector<std::optional<double>> values;
  for (const scenarios::ScenarioResult* run : runs) {
    const Cell cell = run == nullptr ? Cell{"–", std::nullopt} : extract(*run);
    row.cells.push_back(cell.text);
    values.push_back(cell.value);
  }
  if (values.size() >= 2 && values[0] && values[1] && *values[0] != 0) {
    row.ratio = fmt::format("{:.2f}", *values[1] / *values[0]);
  }
  table.rows.push_back(std::move(row));
}

// The kernel's work inside a case's allocation (or free) calls, per iteration: e.g. "20.07 page
// faults, 2.01 brk", "none", or "–" where the run did not watch (perf events not allowed); the
// kinds in the order of their names; the value, for the ratio, is all events per iteration.
Cell kernel_events_per_iteration(
    const scenarios::ScenarioResult& run, const scenarios::CaseFigures& measured,
    scenarios::KernelEventFigures scenarios::CaseKernelEvents::*calls) {
  if (!run.kernel_events.page_faults) return {"–", std::nullopt};
  const scenarios::KernelEventFigures& counts = measured.kernel_events.*calls;
  std::vector<std::pair<std::string, std::uint64_t>> by_name = {
#define MEMORY_BASELINE_KERNEL_EVENT(name) {#name, counts.name},
      ALLOC_HOOKS_KERNEL_EVENT_KINDS(MEMORY_BASELINE_KERNEL_EVENT)
#undef MEMORY_BASELINE_KERNEL_EVENT
  };
  std::sort(by_name.begin(), by_name.end());
  const double iterations = std::max(1.0, static_cast<double>(measured.iterations));
  std::string text;
  double total = 0;
  for (const auto& [kind, count] : by_name) {
    const double per_iteration = static_cast<double>(count) / iterations;
    total += per_iteration;
    if (count == 0) continue;
    text += fmt::format("{}{:.2f} {}", text.empty() ? "" : ", ", per_iteration,
                        kind == "page_faults" ? "page faults" : kind);
  }
  if (text.empty()) text = "none";
  if (!run.kernel_events.system_calls) text += " (system calls not watched)";
  return {text, total};
}

void add_case_rows(ReportTable& table, const std::vector<const scenarios::ScenarioResult*>& runs,
                   const std::string& name) {
  using Read = std::function<Cell(const scenarios::CaseFigures&)>;
  const auto of_case = [name](Read read) -> Extract {
    return [name, read](const scenarios::ScenarioResult& run) {
      const scenarios::CaseFigures* measured = run.find_case(name);
      return measured == nullptr ? Cell{"–", std::nullopt} : read(*measured);
    };
  };
  const std::string prefix = name + ": ";
  add_row(table, runs, prefix + "requested bytes",
          of_case([](const auto& c) { return integer(c.requested_bytes); }));
  add_row(table, runs, prefix + "allocations",
          of_case([](const auto& c) { return integer(c.allocations); }));
  add_row(table, runs, prefix + "reserved bytes",
          of_case([](const auto& c) { return integer(c.reserved_bytes); }));
  add_row(table, runs, prefix + "slack bytes",
          of_case([](const auto& c) { return integer(c.slack_bytes); }));
  using Latency = std::uint64_t scenarios::LatencyFigures::*;
  for (const auto& [label, member] :
       {std::pair<const char*, Latency>{"p50", &scenarios::LatencyFigures::p50_ns},
        {"p99", &scenarios::LatencyFigures::p99_ns},
        {"p99.9", &scenarios::LatencyFigures::p999_ns},
        {"max", &scenarios::LatencyFigures::max_ns}}) {
    add_row(table, runs, prefix + "alloc latency " + label + " ns",
            of_case([member](const auto& c) { return integer(c.alloc_latency_ns.*member); }));
  }
  add_row(table, runs, prefix + "iteration median ns",
          of_case([](const auto& c) { return integer(c.iteration_ns.median); }));
  add_row(table, runs, prefix + "iteration p99 ns",
          of_case([](const auto& c) { return integer(c.iteration_ns.p99); }));
  using Calls = scenarios::KernelEventFigures scenarios::CaseKernelEvents::*;
  for (const auto& [label, calls] :
       {std::pair<const char*, Calls>{"kernel events in allocations per iteration",
                                      &scenarios::CaseKernelEvents::in_allocations},
        {"kernel events in frees per iteration", &scenarios::CaseKernelEvents::in_frees}}) {
    add_row(table, runs, prefix + label, [name, calls](const scenarios::ScenarioResult& run) {
      const scenarios::CaseFigures* measured = run.find_case(name);
      return measured == nullptr ? Cell{"–", std::nullopt}
                                 : kernel_events_per_iteration(run, *measured, calls);
    });
  }
}

}  // namespace

namespace {

// The distinct values of a name over the runs, in first-seen order.
std::vector<std::string> distinct(const Results& results,
                                  const std::string& (*name_of)(const scenarios::ScenarioResult&)) {
  std::vector<std::string> names;
  for (const scenarios::ScenarioResult& run : results.runs) {
    const std::string& name = name_of(run);
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

std::vector<std::string> scenarios_in(const Results& results) {
  return distinct(results, [](const scenarios::ScenarioResult& run) -> const std::string& {
    return run.scenario;
  });
}

std::vector<std::string> allocators_in(const Results& results) {
  return distinct(results, [](const scenarios::ScenarioResult& run) -> const std::string& {
    return run.allocator.name;
  });
}

std::vector<ReportTable> build_report_tables(const Results& results) {
  std::vector<ReportTable> tables;
  const std::vector<std::string> allocators = allocators_in(results);
  for (const std::string& scenario : scenarios_in(results)) {
    ReportTable table{scenario, allocators, {}};
    std::vector<const scenarios::ScenarioResult*> runs;
    for (const std::string& allocator : allocators)
      runs.push_back(results.find_run(scenario + "/" + allocator));
    std::vector<std::string> case_names;
    for (const scenarios::ScenarioResult* run : runs) {
      if (run == nullptr) continue;
      for (const scenarios::CaseFigures& measured : run->cases) {
        const std::string& name = measured.name;
        if (std::find(case_names.begin(), case_names.end(), name) == case_names.end())
          case_names.push_back(name);
      }
    }
    for (const std::string& name : case_names) add_case_rows(table, runs, name);
    add_row(table, runs, "peak RSS bytes",
            [](const auto& run) { return integer(run.process.peak_rss_bytes); });
    add_row(table, runs, "peak live bytes",
            [](const auto& run) { return integer(run.process.peak_live_bytes); });
    add_row(table, runs, "RSS / live bytes", [](const scenarios::ScenarioResult& run) {
      const double rss = static_cast<double>(run.process.peak_rss_bytes),
                   live = static_cast<double>(run.process.peak_live_bytes);
      return live > 0 ? Cell{fmt::format("{:.1f}", rss / live), rss / live}
                      : Cell{"–", std::nullopt};
    });
    add_row(table, runs, "minor page faults",
            [](const auto& run) { return integer(run.memory.page_faults.minor); });
    add_row(table, runs, "RSS growth MiB/s", [](const scenarios::ScenarioResult& run) {
      return Cell{fmt::format("{:.3f}", run.memory.rss.growth_mb_per_s), std::nullopt};
    });
    // The budgets that had a limit in some run, by name.
    std::vector<std::string> budgets;
    for (const scenarios::ScenarioResult* run : runs) {
      if (run == nullptr) continue;
      const nlohmann::json limits = scenarios::json_record::write(run->budgets);
      for (const auto& [budget, limit] : limits.items()) {
        if (std::find(budgets.begin(), budgets.end(), budget) == budgets.end())
          budgets.push_back(budget);
      }
    }
    budgets.push_back("expectation");
    budgets.push_back("leak");
    // And any other breach (a failed allocation), so that no breach is missing from the table.
    for (const scenarios::ScenarioResult* run : runs) {
      if (run == nullptr) continue;
      for (const scenarios::Violation& violation : run->violations) {
        const std::string& budget = violation.budget;
        if (std::find(budgets.begin(), budgets.end(), budget) == budgets.end())
          budgets.push_back(budget);
      }
    }
    for (const std::string& budget : budgets) {
      add_row(table, runs, "budget " + budget,
              [&results, budget](const scenarios::ScenarioResult& run) {
                return budget_status(run, budget, gates_on(results, run.allocator.name));
              });
    }
    tables.push_back(std::move(table));
  }
  return tables;
}

namespace {

// The summary figures, each read from a run (nullopt: the run lacks it).
struct SummaryFigure {
  const char* name;
  std::optional<double> (*read)(const scenarios::ScenarioResult& run);
};

// The largest of a latency figure over the run's cases; nullopt for a run without cases.
std::optional<double> largest_latency(const scenarios::ScenarioResult& run,
                                      std::uint64_t scenarios::LatencyFigures::*figure) {
  std::optional<double> largest;
  for (const scenarios::CaseFigures& measured : run.cases)
    largest =
        std::max(largest.value_or(0.0), static_cast<double>(measured.alloc_latency_ns.*figure));
  return largest;
}

const SummaryFigure kSummaryFigures[] = {
    {"peak RSS MiB",
     [](const scenarios::ScenarioResult& run) -> std::optional<double> {
       return static_cast<double>(run.process.peak_rss_bytes) / kBytesPerMB;
     }},
    {"RSS / live",
     [](const scenarios::ScenarioResult& run) -> std::optional<double> {
       const double live = static_cast<double>(run.process.peak_live_bytes);
       if (live <= 0) return std::nullopt;
       return static_cast<double>(run.process.peak_rss_bytes) / live;
     }},
    {"alloc p99 ns",
     [](const scenarios::ScenarioResult& run) {
       return largest_latency(run, &scenarios::LatencyFigures::p99_ns);
     }},
    {"alloc max ns",
     [](const scenarios::ScenarioResult& run) {
       return largest_latency(run, &scenarios::LatencyFigures::max_ns);
     }},
    {"wall time s",
     [](const scenarios::ScenarioResult& run) -> std::optional<double> {
       double nanoseconds = 0;
       for (const scenarios::CaseFigures& measured : run.cases) {
         nanoseconds += static_cast<double>(measured.iteration_ns.median) *
                        static_cast<double>(measured.iterations);
       }
       return nanoseconds / 1e9;
     }},
};

}  // namespace

SummaryTable build_summary(const Results& results) {
  SummaryTable table;
  for (const SummaryFigure& figure : kSummaryFigures) table.figures.emplace_back(figure.name);
  for (const std::string& scenario : scenarios_in(results)) {
    const scenarios::ScenarioResult* system = results.find_run(scenario + "/system");
    for (const std::string& allocator : allocators_in(results)) {
      const scenarios::ScenarioResult* run = results.find_run(scenario + "/" + allocator);
      if (run == nullptr) continue;
      SummaryRow row{scenario, allocator, {}, gates_on(results, allocator), {}, {}};
      for (const scenarios::Violation& violation : run->violations) {
        const std::string& budget = violation.budget;
        if (std::find(row.breached.begin(), row.breached.end(), budget) == row.breached.end())
          row.breached.push_back(budget);
      }
      for (const SummaryFigure& figure : kSummaryFigures) {
        const std::optional<double> value = figure.read(*run);
        const double base = system == nullptr ? 0.0 : figure.read(*system).value_or(0.0);
        row.values.push_back(value);
        row.relative.push_back(value && base > 0 ? std::optional<double>(*value / base)
                                                 : std::nullopt);
      }
      table.rows.push_back(std::move(row));
    }
  }
  return table;
}

std::string budgets_cell(const SummaryRow& row) {
  if (row.breached.empty()) return "held";
  std::string cell = row.gated ? "BREACHED:" : "finding:";
  for (const std::string& budget : row.breached) {
    cell += ' ';
    cell += budget;
  }
  return cell;
}

std::string summary_cell(const std::optional<double>& value) {
  if (!value) return "–";
  return *value >= 100 ? fmt::format("{:.0f}", *value) : fmt::format("{:.3g}", *value);
}

std::vector<BuildCostRow> build_cost_rows(const Results& results) {
  std::vector<BuildCostRow> rows;
  for (const scenarios::ScenarioResult& run : results.runs) {
    if (!run.index || !run.index->build_cost) continue;
    for (const scenarios::BuildCostFigures& point : *run.index->build_cost) {
      rows.push_back({run.scenario, run.allocator.name, point.threads, point.hooked_seconds,
                      point.unhooked_seconds, point.ratio});
    }
  }
  return rows;
}

}  // namespace memory_baseline
