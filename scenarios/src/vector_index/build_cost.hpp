// What measuring costs a multi-threaded build: the same build timed in this process, with the
// hooks counting and timing every allocation, and in a process with no hooks at all
// (vector_index_build) whose malloc and operator new are the same allocator's as under the hooks
// (Linux: its library preloaded, as a program linked with it gets them; Windows: linked with it,
// platform/vector_index.hpp), at 1 thread and at every core, alternating so that both see the same
// machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vector_index/engine.hpp"
#include "vector_index/index_flags.hpp"

namespace scenarios::vector_index {

struct BuildCostPoint {
  std::uint64_t threads = 0;
  double hooked_seconds = 0;
  double unhooked_seconds = 0;
  double ratio() const { return unhooked_seconds > 0 ? hooked_seconds / unhooked_seconds : 0; }
};

// Throws std::runtime_error when the unhooked program cannot be run or says nothing usable.
// `allocator` names the hooks' backend in this process ("system": the C library's malloc).
std::vector<BuildCostPoint> measure_build_cost(IndexEngine& engine, const VectorSource& source,
                                               const IndexFlags& flags,
                                               const std::string& allocator);

// The line vector_index_build prints, and its reading.
std::string build_seconds_line(double seconds);
std::optional<double> read_build_seconds(const std::string& output);

}  // namespace scenarios::vector_index
