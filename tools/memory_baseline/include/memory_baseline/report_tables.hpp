// The tables every report shows: per scenario, each figure side by side per allocator, with the
// ratio of the second allocator to the first. Reporters render them; they compute nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory_baseline/results.hpp"

namespace memory_baseline {

struct ReportRow {
  std::string figure;
  std::vector<std::string> cells;  // one per allocator column
  std::string ratio;               // second / first allocator, where both are numbers
};

struct ReportTable {
  std::string scenario;
  std::vector<std::string> allocators;
  std::vector<ReportRow> rows;
};

std::vector<ReportTable> build_report_tables(const Results& results);

// The verdict first: per scenario and allocator, whether every budget held and the figures a
// reader compares allocators by, each also relative to the system allocator's on the same
// scenario (mimalloc-bench's relative bars).
struct SummaryRow {
  std::string scenario;
  std::string allocator;
  std::vector<std::string> breached;            // budgets that broke; empty: all held
  bool gated = true;                            // the verdict gates on its allocator
  std::vector<std::optional<double>> values;    // one per summary figure
  std::vector<std::optional<double>> relative;  // value / the system allocator's
};
struct SummaryTable {
  std::vector<std::string> figures;  // e.g. "peak RSS MiB"
  std::vector<SummaryRow> rows;
};
SummaryTable build_summary(const Results& results);
// "held", or "BREACHED:" (gated) or "finding:" (not gated) and the budgets that broke.
std::string budgets_cell(const SummaryRow& row);
// A summary value as the reports print it.
std::string summary_cell(const std::optional<double>& value);

// The index runs' cost of measuring: the build timed hooked and with no hooks, per thread count.
struct BuildCostRow {
  std::string scenario;
  std::string allocator;
  std::uint64_t threads = 0;
  double hooked_seconds = 0;
  double unhooked_seconds = 0;
  double ratio = 0;
};
std::vector<BuildCostRow> build_cost_rows(const Results& results);
// A results file's runs grouped by scenario, in first-seen order (charts use the same grouping).
std::vector<std::string> scenarios_in(const Results& results);
std::vector<std::string> allocators_in(const Results& results);

}  // namespace memory_baseline
