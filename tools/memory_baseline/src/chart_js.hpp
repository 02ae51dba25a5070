// Chart.js, embedded at build time from Debian's libjs-chart.js (MIT licence) by embed_file.cmake.
#pragma once

#include <cstddef>

namespace memory_baseline {

const char* chart_js_source();
std::size_t chart_js_size();

}  // namespace memory_baseline
