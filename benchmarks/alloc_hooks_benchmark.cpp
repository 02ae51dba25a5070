// Cost of the hooks: new/delete pairs and the 100-concepts pattern, built three ways (see
// CMakeLists.txt) so that the same code runs raw under glibc, raw under mimalloc, and hooked.
#include <benchmark/benchmark.h>

#include <new>
#include <string>
#include <vector>

namespace {

void new_delete_pair(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* block = ::operator new(size);
    benchmark::DoNotOptimize(block);
    ::operator delete(block, size);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(new_delete_pair)
    ->Arg(512)
    ->Arg(1024)
    ->Arg(2048)
    ->Arg(4096)
    ->Arg(8192)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime();

// The seed's "multiple concepts" workload: vectors that are really filled, and their names.
struct Concept {
  std::vector<float> embedding;
  std::string name;
};

void concepts_batch(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<Concept> concepts;
    for (int i = 0; i < 100; ++i) {
      concepts.push_back(
          {std::vector<float>(512, static_cast<float>(i)), "concept_" + std::to_string(i)});
    }
    benchmark::DoNotOptimize(concepts.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(concepts_batch)->UseRealTime();

// A fixed 1,000,000 pairs of 1 KiB, to compare against the same loop under heaptrack.
void million_pairs_1kib(benchmark::State& state) {
  for (auto _ : state) {
    void* block = ::operator new(1024);
    benchmark::DoNotOptimize(block);
    ::operator delete(block, 1024);
  }
}
BENCHMARK(million_pairs_1kib)->Iterations(1'000'000)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
