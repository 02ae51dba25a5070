// The tables every report shows: per scenario, each figure side by side per allocator, with the
// ratio of the second allocator to the first. Reporters render them; they compute nothing.
#pragma once

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
// A results file's runs grouped by scenario, in first-seen order (charts use the same grouping).
std::vector<std::string> scenarios_in(const Results& results);
std::vector<std::string> allocators_in(const Results& results);

}  // namespace memory_baseline
