// report.md: the report tables as GitHub-flavoured Markdown, for a pull-request comment.
#include <fmt/format.h>

#include "memory_baseline/report_tables.hpp"
#include "memory_baseline/reports.hpp"
#include "memory_baseline/sweep.hpp"
#include "memory_baseline/verdict.hpp"
#include "report_sites.hpp"

namespace memory_baseline {

namespace {

// The verdict summary first: every run's budgets and figures, with the ratio to the system
// allocator's beside each figure.
std::string summary_markdown(const Results& results) {
  const SummaryTable summary = build_summary(results);
  if (summary.rows.empty()) return {};
  std::string text = "\n## Summary\n\n| scenario | allocator | budgets |";
  for (const std::string& figure : summary.figures) text += fmt::format(" {} |", figure);
  text += "\n|---|---|---|";
  for (std::size_t i = 0; i < summary.figures.size(); ++i) text += "---:|";
  text += "\n";
  for (const SummaryRow& row : summary.rows) {
    text += fmt::format("| {} | {} | {} |", row.scenario, row.allocator, budgets_cell(row));
    for (std::size_t i = 0; i < row.values.size(); ++i) {
      const std::string relative = row.relative[i] && row.allocator != "system"
                                       ? fmt::format(" ({:.2f}x)", *row.relative[i])
                                       : std::string();
      text += fmt::format(" {}{} |", summary_cell(row.values[i]), relative);
    }
    text += "\n";
  }
  return text +
         "\n(x: relative to the system allocator on the same scenario; \"finding\": a budget "
         "that broke under an allocator the verdict does not gate on)\n";
}

// The answers as a table (each marked measured, extrapolated or verified, with its band and the
// engine's recall answer beside it), then in words.
std::string sweep_markdown(const Results& results) {
  if (!results.sweep) return {};
  const SweepDocument& sweep = *results.sweep;
  std::string text = "\n## Largest N within the budget\n\n";
  const std::vector<std::vector<std::string>> table = sweep_answer_table(sweep);
  for (std::size_t row = 0; row < table.size(); ++row) {
    text += "|";
    for (const std::string& cell : table[row]) text += " " + cell + " |";
    text += "\n";
    if (row == 0) {
      text += "|---|---|";
      for (std::size_t column = 2; column < table[row].size(); ++column)
        text += column == 3 || column == 5 ? "---|" : "---:|";
      text += "\n";
    }
  }
  text += "\n";
  for (const std::string& line : sweep_answer_lines(sweep)) text += fmt::format("- {}\n", line);
  return text;
}

std::string build_cost_markdown(const Results& results) {
  const std::vector<BuildCostRow> rows = build_cost_rows(results);
  if (rows.empty()) return {};
  std::string text =
      "\n## What measuring costs the index build\n\n| scenario | allocator | threads | hooked s "
      "| no hooks s | hooked / no hooks |\n|---|---|---:|---:|---:|---:|\n";
  for (const BuildCostRow& row : rows) {
    text +=
        fmt::format("| {} | {} | {} | {:.3f} | {:.3f} | {:.2f} |\n", row.scenario, row.allocator,
                    row.threads, row.hooked_seconds, row.unhooked_seconds, row.ratio);
  }
  return text;
}

}  // namespace

std::string markdown_report(const Results& results) {
  std::string text = fmt::format("# Memory baseline\n\n{}\n", verdict_words(results));
  for (const Breach& breach : breaches(results))
    text += fmt::format("- {}\n", breach_line(breach, "report.html"));
  text += summary_markdown(results) + sweep_markdown(results) + build_cost_markdown(results);
  if (!results.runs.empty()) text += "\n# Details\n";
  const std::vector<SitesView> views = sites_views(results);
  for (const ReportTable& table : build_report_tables(results)) {
    text += fmt::format("\n## {}\n\n| figure |", table.scenario);
    for (const std::string& allocator : table.allocators) text += " " + allocator + " |";
    text += table.allocators.size() >= 2
                ? fmt::format(" {} / {} |\n|---|", table.allocators[1], table.allocators[0])
                : std::string("\n|---|");
    for (std::size_t i = 0; i < table.allocators.size(); ++i) text += "---:|";
    text += table.allocators.size() >= 2 ? "---:|\n" : "\n";
    for (const ReportRow& row : table.rows) {
      text += "| " + row.figure + " |";
      for (const std::string& cell : row.cells) text += " " + cell + " |";
      if (table.allocators.size() >= 2) text += " " + row.ratio + " |";
      text += "\n";
    }
    for (const SitesView& view : views) {
      if (view.scenario != table.scenario) continue;
      text += fmt::format("\nWhere the memory went under {}, case {}. ", view.allocator,
                          view.case_name);
      text += top_sites_markdown(view.sites, view.peak_bytes);
    }
  }
  std::string messages;
  for (const scenarios::ScenarioResult& run : results.runs) {
    for (const scenarios::Violation& violation : run.violations)
      messages += fmt::format("\n- {} ({}): {}", run_key(run), violation.budget, violation.message);
  }
  if (!messages.empty())
    text += "\n## Every breach and finding, as the scenarios said it\n" + messages;
  return text + "\n";
}

}  // namespace memory_baseline
