// A vector index engine as the index scenario drives it: build from a vector source, search,
// save to a file and load back, with the parameters the command line sets and the theoretical
// memory of its data structures. One implementation file per library (hnswlib_engine.cpp,
// faiss_engines.cpp); make_engine() knows which this build has.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vector_index/vectors.hpp"

namespace scenarios::vector_index {

struct IndexParameters {
  std::string engine = "hnswlib";
  std::uint64_t n = 0;
  std::uint64_t dim = 0;
  std::uint64_t m = 0;  // HNSW: links per element and level (level 0: 2m)
  std::uint64_t ef_construction = 0;
  std::uint64_t ef_search = 0;
  std::uint64_t threads = 1;
  std::uint64_t nlist = 0;   // IVF-PQ: inverted lists
  std::uint64_t nprobe = 0;  // IVF-PQ: lists searched per query
  std::uint64_t pq_m = 0;    // IVF-PQ: sub-quantizers (bytes per code)
  std::uint64_t seed = 0;
};

// The memory the index's data structures need by their definition: bytes per vector and fixed
// bytes, each term named (docs/scenarios.md shows them against the measured figures).
struct TheoreticalSize {
  double bytes_per_vector = 0;
  double fixed_bytes = 0;
  std::string formula;  // e.g. "4d + 2M*4 + 4 + 8 (label) + ..."
  double bytes(std::uint64_t n) const {
    return fixed_bytes + bytes_per_vector * static_cast<double>(n);
  }
};

class IndexEngine {
 public:
  virtual ~IndexEngine() = default;
  // Inserts vectors 0..n-1 of `source` on `threads` threads.
  virtual void build(const VectorSource& source, std::uint64_t threads) = 0;
  // The k nearest labels of each query, nearest first (fewer if the index returns fewer).
  virtual std::vector<std::vector<std::uint64_t>> search(const std::vector<float>& queries,
                                                         std::uint64_t count, std::uint64_t k) = 0;
  virtual void save(const std::string& path) = 0;
  // Replaces the index with the one saved at `path`.
  virtual void load(const std::string& path) = 0;
  // Frees the index (the engine stays, empty).
  virtual void clear() = 0;
  // Starts the threads a build on `threads` threads uses, before it: thread creation allocates
  // (glibc's per-thread TLS vectors), which is not the index's memory nor its build time.
  virtual void start_threads(std::uint64_t threads) { (void)threads; }
};

// The engines by name, and whether this build has each ("" or why not).
const std::vector<std::string>& engine_names();
std::string engine_missing(const std::string& engine);
std::unique_ptr<IndexEngine> make_engine(const IndexParameters& parameters);
TheoreticalSize theoretical_size(const IndexParameters& parameters);
// "" or the one-line reason the parameters do not make an index of this engine.
std::string parameter_problem(const IndexParameters& parameters);
// Fills the engine's defaults into parameters left 0.
void apply_defaults(IndexParameters& parameters);

}  // namespace scenarios::vector_index
