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

using Extract = std::function<Cell(const nlohmann::json& run)>;

Cell integer_at(const nlohmann::json& object, const std::string& pointer) {
  const nlohmann::json::json_pointer path(pointer);
  if (!object.contains(path) || !object[path].is_number()) return {"–", std::nullopt};
  const double value = object[path].get<double>();
  return {fmt::format("{:.0f}", value), value};
}

Cell budget_status(const nlohmann::json& run, const std::string& budget, bool gated) {
  for (const nlohmann::json& violation : run.at("violations")) {
    if (violation.value("budget", "") == budget)
      return {gated ? "BREACHED" : "finding", std::nullopt};
  }
  return {"held", std::nullopt};
}

void add_row(ReportTable& table, const std::vector<const nlohmann::json*>& runs,
             const std::string& figure, const Extract& extract) {
  ReportRow row{figure, {}, ""};
  std::vector<std::optional<double>> values;
  for (const nlohmann::json* run : runs) {
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
// faults, 2.01 brk", "none", or "–" where the run did not watch (an older file, or perf events not
// allowed); the value, for the ratio, is all events per iteration.
Cell kernel_events_per_iteration(const nlohmann::json& run, const nlohmann::json& measured,
                                 const char* calls) {
  const nlohmann::json watched = run.value("kernel_events", nlohmann::json::object());
  if (!watched.value("page_faults", false) || !measured.contains("kernel_events"))
    return {"–", std::nullopt};
  const nlohmann::json& counts = measured.at("kernel_events").at(calls);
  const double iterations = std::max(1.0, measured.value("iterations", 1.0));
  std::string text;
  double total = 0;
  for (const auto& [kind, count] : counts.items()) {
    const double per_iteration = count.get<double>() / iterations;
    total += per_iteration;
    if (count.get<std::uint64_t>() == 0) continue;
    text += fmt::format("{}{:.2f} {}", text.empty() ? "" : ", ", per_iteration,
                        kind == "page_faults" ? "page faults" : kind);
  }
  if (text.empty()) text = "none";
  if (!watched.value("system_calls", false)) text += " (system calls not watched)";
  return {text, total};
}

void add_case_rows(ReportTable& table, const std::vector<const nlohmann::json*>& runs,
                   const std::string& name) {
  const auto of_case = [name](const std::string& pointer) -> Extract {
    return [name, pointer](const nlohmann::json& run) {
      const nlohmann::json* measured = find_case(run, name);
      return measured == nullptr ? Cell{"–", std::nullopt} : integer_at(*measured, pointer);
    };
  };
  const std::string prefix = name + ": ";
  add_row(table, runs, prefix + "requested bytes", of_case("/requested_bytes"));
  add_row(table, runs, prefix + "allocations", of_case("/allocations"));
  add_row(table, runs, prefix + "reserved bytes", of_case("/reserved_bytes"));
  add_row(table, runs, prefix + "slack bytes", of_case("/slack_bytes"));
  for (const auto& [label, key] : {std::pair{"p50", "p50"}, std::pair{"p99", "p99"},
                                   std::pair{"p99.9", "p999"}, std::pair{"max", "max"}}) {
    add_row(table, runs, prefix + "alloc latency " + label + " ns",
            of_case(std::string("/alloc_latency_ns/") + key));
  }
  add_row(table, runs, prefix + "iteration median ns", of_case("/iteration_ns/median"));
  add_row(table, runs, prefix + "iteration p99 ns", of_case("/iteration_ns/p99"));
  for (const auto& [label, calls] :
       {std::pair{"kernel events in allocations per iteration", "in_allocations"},
        std::pair{"kernel events in frees per iteration", "in_frees"}}) {
    add_row(table, runs, prefix + label, [name, calls](const nlohmann::json& run) {
      const nlohmann::json* measured = find_case(run, name);
      return measured == nullptr ? Cell{"–", std::nullopt}
                                 : kernel_events_per_iteration(run, *measured, calls);
    });
  }
}

}  // namespace

namespace {

// The distinct values of `pointer` over the runs, in first-seen order.
std::vector<std::string> distinct(const Results& results, const char* pointer) {
  std::vector<std::string> names;
  for (const nlohmann::json& run : results.runs()) {
    const std::string name = run.at(nlohmann::json::json_pointer(pointer)).get<std::string>();
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

std::vector<std::string> scenarios_in(const Results& results) {
  return distinct(results, "/scenario");
}

std::vector<std::string> allocators_in(const Results& results) {
  return distinct(results, "/allocator/name");
}

std::vector<ReportTable> build_report_tables(const Results& results) {
  std::vector<ReportTable> tables;
  const std::vector<std::string> allocators = allocators_in(results);
  for (const std::string& scenario : scenarios_in(results)) {
    ReportTable table{scenario, allocators, {}};
    std::vector<const nlohmann::json*> runs;
    for (const std::string& allocator : allocators)
      runs.push_back(find_run(results, scenario + "/" + allocator));
    std::vector<std::string> case_names;
    for (const nlohmann::json* run : runs) {
      if (run == nullptr) continue;
      for (const nlohmann::json& measured : (*run).at("cases")) {
        const std::string name = measured.at("name");
        if (std::find(case_names.begin(), case_names.end(), name) == case_names.end())
          case_names.push_back(name);
      }
    }
    for (const std::string& name : case_names) add_case_rows(table, runs, name);
    add_row(table, runs, "peak RSS bytes",
            [](const nlohmann::json& run) { return integer_at(run, "/process/peak_rss_bytes"); });
    add_row(table, runs, "peak live bytes",
            [](const nlohmann::json& run) { return integer_at(run, "/process/peak_live_bytes"); });
    add_row(table, runs, "RSS / live bytes", [](const nlohmann::json& run) {
      const double rss = run.at("process").value("peak_rss_bytes", 0.0),
                   live = run.at("process").value("peak_live_bytes", 0.0);
      return live > 0 ? Cell{fmt::format("{:.1f}", rss / live), rss / live}
                      : Cell{"–", std::nullopt};
    });
    add_row(table, runs, "minor page faults",
            [](const nlohmann::json& run) { return integer_at(run, "/memory/page_faults/minor"); });
    add_row(table, runs, "RSS growth MiB/s", [](const nlohmann::json& run) {
      const double growth = run.at("memory").at("rss").value("growth_mb_per_s", 0.0);
      return Cell{fmt::format("{:.3f}", growth), std::nullopt};
    });
    std::vector<std::string> budgets;
    for (const nlohmann::json* run : runs) {
      if (run == nullptr) continue;
      for (const auto& [budget, limit] : (*run).at("budgets").items()) {
        if (std::find(budgets.begin(), budgets.end(), budget) == budgets.end())
          budgets.push_back(budget);
      }
    }
    budgets.push_back("expectation");
    budgets.push_back("leak");
    // And any other breach (a failed allocation), so that no breach is missing from the table.
    for (const nlohmann::json* run : runs) {
      if (run == nullptr) continue;
      for (const nlohmann::json& violation : run->at("violations")) {
        const std::string budget = violation.at("budget");
        if (std::find(budgets.begin(), budgets.end(), budget) == budgets.end())
          budgets.push_back(budget);
      }
    }
    for (const std::string& budget : budgets) {
      add_row(table, runs, "budget " + budget, [&results, budget](const nlohmann::json& run) {
        return budget_status(run, budget, gates_on(results, run.at("allocator").at("name")));
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
  std::optional<double> (*read)(const nlohmann::json& run);
};

std::optional<double> largest_case_figure(const nlohmann::json& run, const char* pointer) {
  std::optional<double> largest;
  for (const nlohmann::json& measured : run.at("cases")) {
    const nlohmann::json::json_pointer path(pointer);
    if (measured.contains(path) && measured[path].is_number())
      largest = std::max(largest.value_or(0.0), measured[path].get<double>());
  }
  return largest;
}

const SummaryFigure kSummaryFigures[] = {
    {"peak RSS MiB",
     [](const nlohmann::json& run) -> std::optional<double> {
       return run.at("process").at("peak_rss_bytes").get<double>() / kBytesPerMB;
     }},
    {"RSS / live",
     [](const nlohmann::json& run) -> std::optional<double> {
       const double live = run.at("process").at("peak_live_bytes").get<double>();
       if (live <= 0) return std::nullopt;
       return run.at("process").at("peak_rss_bytes").get<double>() / live;
     }},
    {"alloc p99 ns",
     [](const nlohmann::json& run) { return largest_case_figure(run, "/alloc_latency_ns/p99"); }},
    {"alloc max ns",
     [](const nlohmann::json& run) { return largest_case_figure(run, "/alloc_latency_ns/max"); }},
    {"wall time s",
     [](const nlohmann::json& run) -> std::optional<double> {
       double nanoseconds = 0;
       for (const nlohmann::json& measured : run.at("cases")) {
         nanoseconds += measured.at("iteration_ns").at("median").get<double>() *
                        measured.at("iterations").get<double>();
       }
       return nanoseconds / 1e9;
     }},
};

}  // namespace

SummaryTable build_summary(const Results& results) {
  SummaryTable table;
  for (const SummaryFigure& figure : kSummaryFigures) table.figures.emplace_back(figure.name);
  for (const std::string& scenario : scenarios_in(results)) {
    const nlohmann::json* system = find_run(results, scenario + "/system");
    for (const std::string& allocator : allocators_in(results)) {
      const nlohmann::json* run = find_run(results, scenario + "/" + allocator);
      if (run == nullptr) continue;
      SummaryRow row{scenario, allocator, {}, gates_on(results, allocator), {}, {}};
      for (const nlohmann::json& violation : run->at("violations")) {
        const std::string budget = violation.at("budget");
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
  for (const nlohmann::json& run : results.runs()) {
    if (!run.contains("index") || !run["index"].contains("build_cost")) continue;
    for (const nlohmann::json& point : run["index"]["build_cost"]) {
      rows.push_back({run.at("scenario"), run.at("allocator").at("name"), point.at("threads"),
                      point.at("hooked_seconds"), point.at("unhooked_seconds"), point.at("ratio")});
    }
  }
  return rows;
}

}  // namespace memory_baseline
