// The engines of each library, made and sized by the registry (engine.cpp).
#pragma once

#include <memory>

#include "vector_index/engine.hpp"

namespace scenarios::vector_index {

std::unique_ptr<IndexEngine> make_hnswlib_engine(const IndexParameters& parameters);
TheoreticalSize hnswlib_theoretical_size(const IndexParameters& parameters);

#if MEMORY_BASELINE_HAS_FAISS
std::unique_ptr<IndexEngine> make_faiss_hnsw_engine(const IndexParameters& parameters);
TheoreticalSize faiss_hnsw_theoretical_size(const IndexParameters& parameters);
std::unique_ptr<IndexEngine> make_faiss_ivfpq_engine(const IndexParameters& parameters);
TheoreticalSize faiss_ivfpq_theoretical_size(const IndexParameters& parameters);
#endif

}  // namespace scenarios::vector_index
