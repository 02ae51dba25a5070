// The index's command-line flags, shared by the measured scenario and the unhooked build timer:
// kept as given, so that a flag of another engine is refused rather than ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "vector_index/engine.hpp"

namespace CLI {
class App;
}

namespace scenarios::vector_index {

struct IndexFlags {
  std::string engine = "hnswlib";
  std::optional<std::uint64_t> n, dim, m, ef_construction, ef_search, threads, nlist, nprobe, pq_m,
      queries, seed;
};

void add_index_flags(CLI::App& app, IndexFlags& flags);
// The parameters the flags give, defaults filled in; "" or why they make no index of the engine.
std::string parameters_from(const IndexFlags& flags, IndexParameters& parameters);
// The given flags as arguments again, with `threads` in place of --threads.
std::vector<std::string> index_flag_arguments(const IndexFlags& flags, std::uint64_t threads);

}  // namespace scenarios::vector_index
