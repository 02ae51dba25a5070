// report.md: the report tables as GitHub-flavoured Markdown, for a pull-request comment.
#include <fmt/format.h>

#include "memory_baseline/report_tables.hpp"
#include "memory_baseline/reports.hpp"

namespace memory_baseline {

std::string markdown_report(const Results& results) {
  std::string text = fmt::format(
      "# Memory baseline\n\nVerdict: **{}**\n",
      results.document.value("passed", false) ? "every budget held" : "budgets breached");
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
  }
  for (const nlohmann::json& run : results.runs()) {
    for (const nlohmann::json& violation : run.at("violations")) {
      text += fmt::format("\n- {} ({}): {}", run_key(run), violation.value("budget", ""),
                          violation.value("message", ""));
    }
  }
  return text + "\n";
}

}  // namespace memory_baseline
