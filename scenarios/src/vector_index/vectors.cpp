// The index scenario's vectors and the brute-force truth (vectors.hpp).
#include "vector_index/vectors.hpp"

#include <algorithm>
#include <cmath>
#include <queue>
#include <utility>

namespace scenarios::vector_index {

namespace {

constexpr std::uint64_t kClusters = 64;
// Embeddings lie near a low-dimensional surface: each cluster spreads along kLatent directions of
// its own (spread kSpread), plus a little noise in every dimension (kNoise).
constexpr std::uint64_t kLatent = 16;
constexpr double kSpread = 0.6;
constexpr double kNoise = 0.01;

// splitmix64: a well-mixed 64-bit value from any 64-bit input, the same on every platform.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

double unit(std::uint64_t bits) {  // [0, 1) from the top 53 bits
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

// Two Gaussian values from two uniform ones (Box-Muller).
void gaussians(std::uint64_t bits_a, std::uint64_t bits_b, double out[2]) {
  constexpr double kTwoPi = 6.283185307179586;
  const double radius = std::sqrt(-2.0 * std::log(1.0 - unit(bits_a)));
  out[0] = radius * std::cos(kTwoPi * unit(bits_b));
  out[1] = radius * std::sin(kTwoPi * unit(bits_b));
}

}  // namespace

VectorSource::VectorSource(std::uint64_t seed, std::uint64_t dim, std::uint64_t count)
    : seed_(seed), dim_(dim), count_(count) {}

void VectorSource::fill(std::uint64_t index, float* out) const {
  const std::uint64_t stream = mix(seed_ ^ mix(index));
  const std::uint64_t cluster = stream % kClusters;
  const std::uint64_t centre = mix(seed_ + 0x5eedULL) ^ mix(cluster);
  double latent[kLatent];
  for (std::uint64_t i = 0; i < kLatent; i += 2)
    gaussians(mix(stream + i + 1), mix(stream + i + 2), latent + i);
  for (std::uint64_t j = 0; j < dim_; j += 2) {
    double noise[2];
    gaussians(mix(stream + kLatent + j + 1), mix(stream + kLatent + j + 2), noise);
    for (std::uint64_t k = 0; k < 2 && j + k < dim_; ++k) {
      // The cluster's directions: a fixed pseudo-random d x kLatent matrix in [-1, 1).
      double along = 0;
      for (std::uint64_t i = 0; i < kLatent; ++i)
        along += (2 * unit(mix(centre + (j + k) * kLatent + i)) - 1) * latent[i];
      out[j + k] =
          static_cast<float>(unit(mix(centre + j + k)) +
                             kSpread * along / std::sqrt(double(kLatent)) + kNoise * noise[k]);
    }
  }
}

std::vector<float> VectorSource::batch(std::uint64_t first, std::uint64_t count) const {
  std::vector<float> vectors(count * dim_);
  for (std::uint64_t i = 0; i < count; ++i) fill(first + i, vectors.data() + i * dim_);
  return vectors;
}

std::vector<std::vector<std::uint64_t>> brute_force_neighbours(const VectorSource& source,
                                                               const std::vector<float>& queries,
                                                               std::uint64_t query_count,
                                                               std::uint64_t k) {
  using Entry = std::pair<float, std::uint64_t>;  // (distance, label); the farthest on top
  std::vector<std::priority_queue<Entry>> nearest(query_count);
  // The queries in blocks of kBlock, each block stored dimension by dimension: a vector's distances
  // to the queries of a block are kBlock independent sums, each summed over the dimensions in
  // order exactly as one distance at a time would be (the same floats), so the processor works on
  // kBlock additions at once instead of waiting on one chain of them.
  constexpr std::uint64_t kBlock = 8;
  const std::uint64_t dim = source.dim(), blocks = (query_count + kBlock - 1) / kBlock;
  std::vector<float> by_dimension(blocks * dim * kBlock, 0.0f);
  for (std::uint64_t q = 0; q < query_count; ++q) {
    for (std::uint64_t j = 0; j < dim; ++j)
      by_dimension[(q / kBlock * dim + j) * kBlock + q % kBlock] = queries[q * dim + j];
  }
  std::vector<float> vector(dim);
  for (std::uint64_t label = 0; label < source.count(); ++label) {
    source.fill(label, vector.data());
    for (std::uint64_t block = 0; block < blocks; ++block) {
      const float* columns = by_dimension.data() + block * dim * kBlock;
      float distances[kBlock] = {};
      for (std::uint64_t j = 0; j < dim; ++j) {
        for (std::uint64_t i = 0; i < kBlock; ++i) {
          const float difference = columns[j * kBlock + i] - vector[j];
          distances[i] += difference * difference;
        }
      }
      for (std::uint64_t i = 0; i < kBlock && block * kBlock + i < query_count; ++i) {
        std::priority_queue<Entry>& heap = nearest[block * kBlock + i];
        if (heap.size() < k) {
          heap.emplace(distances[i], label);
        } else if (Entry{distances[i], label} < heap.top()) {
          heap.pop();
          heap.emplace(distances[i], label);
        }
      }
    }
  }
  std::vector<std::vector<std::uint64_t>> labels(query_count);
  for (std::uint64_t q = 0; q < query_count; ++q) {
    for (; !nearest[q].empty(); nearest[q].pop()) labels[q].push_back(nearest[q].top().second);
    std::reverse(labels[q].begin(), labels[q].end());
  }
  return labels;
}

double recall(const std::vector<std::vector<std::uint64_t>>& found,
              const std::vector<std::vector<std::uint64_t>>& truth) {
  if (truth.empty()) return 0;
  double sum = 0;
  for (std::size_t q = 0; q < truth.size(); ++q) {
    std::size_t hits = 0;
    for (const std::uint64_t label : truth[q]) {
      if (q < found.size() && std::find(found[q].begin(), found[q].end(), label) != found[q].end())
        ++hits;
    }
    sum +=
        truth[q].empty() ? 1.0 : static_cast<double>(hits) / static_cast<double>(truth[q].size());
  }
  return sum / static_cast<double>(truth.size());
}

double nearest_found(const std::vector<std::vector<std::uint64_t>>& found,
                     const std::vector<std::vector<std::uint64_t>>& truth) {
  if (truth.empty()) return 0;
  std::size_t hits = 0;
  for (std::size_t q = 0; q < truth.size(); ++q) {
    hits += truth[q].empty() || (q < found.size() && std::find(found[q].begin(), found[q].end(),
                                                               truth[q].front()) != found[q].end());
  }
  return static_cast<double>(hits) / static_cast<double>(truth.size());
}

}  // namespace scenarios::vector_index
