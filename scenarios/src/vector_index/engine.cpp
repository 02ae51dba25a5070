// The engines by name, their defaults and parameter checks, and their theoretical sizes.
#include <fmt/format.h>

#include <cmath>
#include <scenarios/catalogue.hpp>

#include "vector_index/engines.hpp"

namespace scenarios::vector_index {

namespace {

bool is_ivfpq(const IndexParameters& parameters) {
  return parameters.engine == "faiss-ivfpq";
}

// IVF-PQ trains on at least this many vectors per list (faiss_engines.cpp): a list needs points.
constexpr std::uint64_t kVectorsPerList = 39;

}  // namespace

const std::vector<std::string>& engine_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> list;
    for (const IndexEngineChoice& engine : kIndexEngines) list.emplace_back(engine.name);
    return list;
  }();
  return names;
}

std::string engine_missing(const std::string& engine) {
#if MEMORY_BASELINE_HAS_FAISS
  (void)engine;
  return {};
#else
  if (engine.rfind("faiss", 0) != 0) return {};
  return "the " + engine +
         " engine is not in this build: FAISS was not found when it was built (install "
         "libfaiss-dev and rebuild; the mingw-w64 cross build has none: docs/windows.md)";
#endif
}

void apply_defaults(IndexParameters& parameters) {
  if (is_ivfpq(parameters)) {
    if (parameters.nlist == 0) {
      const auto by_size =
          static_cast<std::uint64_t>(std::lround(std::sqrt(static_cast<double>(parameters.n))));
      parameters.nlist =
          std::max<std::uint64_t>(1, std::min(by_size, parameters.n / kVectorsPerList));
    }
    if (parameters.nprobe == 0)
      parameters.nprobe = std::max<std::uint64_t>(1, parameters.nlist / 4);
    // One byte per dimension: recall@10 over 0.9 (64 sub-quantizers for 128 dimensions gave
    // 0.886, docs/scenarios.md), a quarter of the raw vector.
    if (parameters.pq_m == 0) parameters.pq_m = parameters.dim;
    return;
  }
  if (parameters.m == 0) parameters.m = 16;
  if (parameters.ef_construction == 0) parameters.ef_construction = 100;
  if (parameters.ef_search == 0) parameters.ef_search = 256;
}

std::string parameter_problem(const IndexParameters& parameters) {
  if (!is_ivfpq(parameters)) return {};
  if (parameters.dim % parameters.pq_m != 0)
    return fmt::format("--pq-m {} must divide --dim {}", parameters.pq_m, parameters.dim);
  if (parameters.nlist > parameters.n)
    return fmt::format("--nlist {} must not exceed --n {}", parameters.nlist, parameters.n);
  if (parameters.nprobe > parameters.nlist)
    return fmt::format("--nprobe {} must not exceed --nlist {}", parameters.nprobe,
                       parameters.nlist);
  if (parameters.n < 256)
    return fmt::format(
        "faiss-ivfpq needs --n of at least 256 to train its 256 codes per "
        "sub-quantizer, not {}",
        parameters.n);
  return {};
}

std::unique_ptr<IndexEngine> make_engine(const IndexParameters& parameters) {
#if MEMORY_BASELINE_HAS_FAISS
  if (parameters.engine == "faiss-hnsw") return make_faiss_hnsw_engine(parameters);
  if (is_ivfpq(parameters)) return make_faiss_ivfpq_engine(parameters);
#endif
  return make_hnswlib_engine(parameters);
}

TheoreticalSize theoretical_size(const IndexParameters& parameters) {
#if MEMORY_BASELINE_HAS_FAISS
  if (parameters.engine == "faiss-hnsw") return faiss_hnsw_theoretical_size(parameters);
  if (is_ivfpq(parameters)) return faiss_ivfpq_theoretical_size(parameters);
#endif
  return hnswlib_theoretical_size(parameters);
}

}  // namespace scenarios::vector_index
