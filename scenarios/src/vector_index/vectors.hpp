// Deterministic vectors for the index scenario: vector i of a source is a function of the seed and
// i alone, so that no phase needs all N vectors in memory (the index's bytes are what is measured,
// not the input's) and every thread or batch can make its own. Clustered like embeddings: each
// vector is one of kClusters centres plus Gaussian noise.
#pragma once

#include <cstdint>
#include <vector>

namespace scenarios::vector_index {

class VectorSource {
 public:
  VectorSource(std::uint64_t seed, std::uint64_t dim, std::uint64_t count);
  std::uint64_t dim() const { return dim_; }
  std::uint64_t count() const { return count_; }
  // Writes vector `index` (dim floats) to `out`.
  void fill(std::uint64_t index, float* out) const;
  // Vectors first..first+count-1, row after row.
  std::vector<float> batch(std::uint64_t first, std::uint64_t count) const;

 private:
  std::uint64_t seed_;
  std::uint64_t dim_;
  std::uint64_t count_;
};

// The exact k nearest (L2) labels of each query among all vectors of `source`, nearest first: one
// pass over the vectors, each made once.
std::vector<std::vector<std::uint64_t>> brute_force_neighbours(const VectorSource& source,
                                                               const std::vector<float>& queries,
                                                               std::uint64_t query_count,
                                                               std::uint64_t k);

// Mean over queries of |found ∩ truth| / |truth|: k-recall@k, k = truth's size ("recall@10").
double recall(const std::vector<std::vector<std::uint64_t>>& found,
              const std::vector<std::vector<std::uint64_t>>& truth);
// The share of queries whose true nearest neighbour is among the found: 1-recall@k (FAISS's
// "R@10" for compressed indexes, whose codes blur the order among close neighbours).
double nearest_found(const std::vector<std::vector<std::uint64_t>>& found,
                     const std::vector<std::vector<std::uint64_t>>& truth);

}  // namespace scenarios::vector_index
