// The reporters: one function per format, each rendering the same tables.
#pragma once

#include <string>

#include "memory_baseline/results.hpp"

namespace memory_baseline {

std::string markdown_report(const Results& results);
// One self-contained page: tables, and Chart.js (embedded) charts of latency percentiles on a log
// scale, memory over time, and bars per scenario and allocator.
std::string html_report(const Results& results);
// The compliance lines of the seed task's run_memory_baseline.bat, decided from the results.
std::string compliance_lines(const Results& results);

}  // namespace memory_baseline
