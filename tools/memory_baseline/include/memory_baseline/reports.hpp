// The reporters: one function per format, each rendering the same tables.
#pragma once

#include <string>

#include "memory_baseline/results.hpp"

namespace memory_baseline {

std::string markdown_report(const Results& results);
// One self-contained page: tables, and Chart.js (embedded) charts of latency percentiles on a log
// scale, memory over time, and bars per scenario and allocator.
std::string html_report(const Results& results);
// The closing lines of a run (docs/runner.md): the gating set, the seed task's compliance lines
// decided over the gated allocators, and a line for every breach and finding, each pointing at
// `report`'s section ("" for a link within the page itself).
std::string compliance_lines(const Results& results, const std::string& report);

}  // namespace memory_baseline
