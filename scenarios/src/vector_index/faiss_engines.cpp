// The FAISS engines (Debian's static libfaiss 1.7.3): IndexHNSWFlat, whose vectors and graph live
// in std::vectors (operator new), and IndexIVFPQFastScan (4-bit codes), whose inverted lists,
// training buffers and lookup tables are FAISS's AlignedTables (posix_memalign). FAISS
// parallelises with OpenMP: the thread count is OpenMP's.
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexIVFPQFastScan.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "vector_index/engines.hpp"

namespace scenarios::vector_index {

namespace {

// FAISS takes vectors in batches: made ~2 MiB at a time, so that the input never adds more than
// that to the measured memory.
constexpr std::uint64_t kBatchBytes = 2 << 20;

class FaissEngine : public IndexEngine {
 public:
  explicit FaissEngine(const IndexParameters& parameters) : parameters_(parameters) {}

  void build(const VectorSource& source, std::uint64_t threads) override {
    omp_set_num_threads(static_cast<int>(threads));
    index_ = make_index(source);
    const std::uint64_t batch = std::max<std::uint64_t>(1, kBatchBytes / (4 * source.dim()));
    for (std::uint64_t first = 0; first < source.count(); first += batch) {
      const std::uint64_t count = std::min(batch, source.count() - first);
      const std::vector<float> vectors = source.batch(first, count);
      index_->add(static_cast<faiss::Index::idx_t>(count), vectors.data());
    }
  }

  std::vector<std::vector<std::uint64_t>> search(const std::vector<float>& queries,
                                                 std::uint64_t count, std::uint64_t k) override {
    prepare_search();
    std::vector<float> distances(count * k);
    std::vector<faiss::Index::idx_t> found(count * k);
    index_->search(static_cast<faiss::Index::idx_t>(count), queries.data(),
                   static_cast<faiss::Index::idx_t>(k), distances.data(), found.data());
    std::vector<std::vector<std::uint64_t>> labels(count);
    for (std::uint64_t q = 0; q < count; ++q) {
      for (std::uint64_t i = 0; i < k; ++i) {
        if (found[q * k + i] >= 0)
          labels[q].push_back(static_cast<std::uint64_t>(found[q * k + i]));
      }
    }
    return labels;
  }

  void save(const std::string& path) override { faiss::write_index(index_.get(), path.c_str()); }

  void load(const std::string& path) override {
    index_.reset();
    index_.reset(faiss::read_index(path.c_str()));
  }

  void clear() override { index_.reset(); }

 protected:
  virtual std::unique_ptr<faiss::Index> make_index(const VectorSource& source) = 0;
  virtual void prepare_search() = 0;
  faiss::Index* index() { return index_.get(); }
  IndexParameters parameters_;

 private:
  std::unique_ptr<faiss::Index> index_;
};

class FaissHnswEngine final : public FaissEngine {
 public:
  using FaissEngine::FaissEngine;

 private:
  std::unique_ptr<faiss::Index> make_index(const VectorSource& source) override {
    auto index = std::make_unique<faiss::IndexHNSWFlat>(static_cast<int>(source.dim()),
                                                        static_cast<int>(parameters_.m));
    index->hnsw.efConstruction = static_cast<int>(parameters_.ef_construction);
    return index;
  }
  void prepare_search() override {
    dynamic_cast<faiss::IndexHNSW&>(*index()).hnsw.efSearch =
        static_cast<int>(parameters_.ef_search);
  }
};

// Training takes the first vectors, as many as FAISS asks for (39 per centroid: 256 per
// sub-quantizer, nlist coarse ones), at most all: a fixed cost of the build whatever N is.
constexpr std::uint64_t kTrainingPerCentroid = 39;

class FaissIvfpqEngine final : public FaissEngine {
 public:
  using FaissEngine::FaissEngine;

 private:
  std::unique_ptr<faiss::Index> make_index(const VectorSource& source) override {
    const auto d = static_cast<int>(source.dim());
    auto index = std::make_unique<faiss::IndexIVFPQFastScan>(
        new faiss::IndexFlatL2(d), d, parameters_.nlist, parameters_.pq_m, 4);
    index->own_fields = true;
    const std::uint64_t training = std::min(
        source.count(), kTrainingPerCentroid * std::max<std::uint64_t>(parameters_.nlist, 256));
    const std::vector<float> vectors = source.batch(0, training);
    index->train(static_cast<faiss::Index::idx_t>(training), vectors.data());
    return index;
  }
  void prepare_search() override {
    dynamic_cast<faiss::IndexIVF&>(*index()).nprobe = parameters_.nprobe;
  }
};

}  // namespace

std::unique_ptr<IndexEngine> make_faiss_hnsw_engine(const IndexParameters& parameters) {
  return std::make_unique<FaissHnswEngine>(parameters);
}

std::unique_ptr<IndexEngine> make_faiss_ivfpq_engine(const IndexParameters& parameters) {
  return std::make_unique<FaissIvfpqEngine>(parameters);
}

// FAISS 1.7.3 IndexHNSWFlat per element: 4d bytes of vector (IndexFlat's codes), a 4-byte level
// and an 8-byte neighbour offset, 2M neighbour ids of 4 bytes at level 0 and M per upper level
// (1/(M-1) expected upper levels: FAISS draws them as hnswlib does). Its std::vectors grow by
// doubling, so up to twice these bytes can be held while they grow.
TheoreticalSize faiss_hnsw_theoretical_size(const IndexParameters& parameters) {
  const double d = static_cast<double>(parameters.dim), m = static_cast<double>(parameters.m);
  TheoreticalSize size;
  size.bytes_per_vector = 4 * d + 2 * m * 4 + 4 + 8 + m * 4 / (m - 1.0);
  size.fixed_bytes = 0;
  size.formula = "4d + 2M*4 + 4 (level) + 8 (offset) + M*4/(M-1) (upper levels)";
  return size;
}

// FAISS 1.7.3 IndexIVFPQFastScan per vector: pq_m codes of 4 bits and an 8-byte id in its
// inverted list. Fixed: nlist coarse centroids of 4d bytes and 16 PQ centroids per sub-quantizer
// (16 * 4d bytes in all). Lists are stored in blocks of 32 codes in AlignedTables that grow by
// powers of two: measured above this by the blocks' padding and the tables' spare room.
TheoreticalSize faiss_ivfpq_theoretical_size(const IndexParameters& parameters) {
  const double d = static_cast<double>(parameters.dim);
  const double nlist = static_cast<double>(parameters.nlist);
  const double pq_m = static_cast<double>(parameters.pq_m);
  TheoreticalSize size;
  size.bytes_per_vector = pq_m / 2 + 8;
  size.fixed_bytes = nlist * 4 * d + 16 * 4 * d;
  size.formula = "pq_m/2 (4-bit codes) + 8 (id); fixed nlist*4d + 16*4d";
  return size;
}

}  // namespace scenarios::vector_index
