// Files embedded in the runner at build time by embed_file.cmake: NAME_source() holds the bytes
// (and a terminating NUL), NAME_size() their count.
#pragma once

#include <cstddef>

namespace memory_baseline {

// Chart.js 3.9.1 (MIT licence), from Debian's libjs-chart.js or the npm registry, hash-checked.
const char* chart_js_source();
std::size_t chart_js_size();

// docs/result.schema.json, against which every loaded scenario result is checked.
const char* result_schema_source();
std::size_t result_schema_size();

// docs/profile.schema.json, which every profile document follows before it is written.
const char* profile_schema_source();
std::size_t profile_schema_size();

}  // namespace memory_baseline
