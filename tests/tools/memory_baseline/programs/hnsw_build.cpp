// Builds an HNSW index with Debian's hnswlib (single thread, fixed seeds: the same allocations on
// every run), then queries it: a real C++ program that takes much of its memory with malloc, for
// the heaptrack oracle. Usage: hnsw_build [VECTORS [DIMENSIONS]]
#include <hnswlib/hnswlib.h>

#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 2000;
  const std::size_t dimensions = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 32;
  std::mt19937 generator(42);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> data(count * dimensions);
  for (float& value : data) value = uniform(generator);

  hnswlib::L2Space space(dimensions);
  auto* index = new hnswlib::HierarchicalNSW<float>(&space, count, 16, 100);
  for (std::size_t i = 0; i < count; ++i) index->addPoint(&data[i * dimensions], i);
  std::size_t found = 0;
  for (std::size_t i = 0; i < count; i += 10) {
    found += index->searchKnn(&data[i * dimensions], 10).size();
  }
  delete index;
  return found == 10 * ((count + 9) / 10) ? 0 : 1;
}
