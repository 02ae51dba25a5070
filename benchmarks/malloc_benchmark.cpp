// Cost of counting the malloc family and, on Windows, the Win32 heap: malloc/free and
// HeapAlloc/HeapFree pairs of 1 KiB and the mixed-size load, built twice (CMakeLists.txt): raw,
// and linked with alloc_hooks::alloc_hooks_malloc, which counts them (timing each allocation
// with ALLOC_HOOKS_TIMING=alloc). On Windows the calls go through the program's import table,
// which the hooks patch. benchmarks/windows_side_by_side.sh runs them under wine.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "mixed_load.hpp"

#if defined(_WIN32)
#include <windows.h>
#endif

namespace {

void malloc_free_pair(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* block = std::malloc(size);
    benchmark::DoNotOptimize(block);
    std::free(block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(malloc_free_pair)->Arg(1024)->UseRealTime();

void malloc_free_mixed(benchmark::State& state) {
  MixedLoad load(state.thread_index(), std::free);
  std::size_t step = 0;
  for (auto _ : state) {
    const auto [slot, size] = load.steps[step++ & (MixedLoad::kSteps - 1)];
    std::free(load.slots[slot]);
    load.slots[slot] = std::malloc(size);
    benchmark::DoNotOptimize(load.slots[slot]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(malloc_free_mixed)->UseRealTime();

#if defined(_WIN32)
void heap_free(void* block) {
  HeapFree(GetProcessHeap(), 0, block);
}

void heap_alloc_free_pair(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const HANDLE heap = GetProcessHeap();
  for (auto _ : state) {
    void* block = HeapAlloc(heap, 0, size);
    benchmark::DoNotOptimize(block);
    HeapFree(heap, 0, block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(heap_alloc_free_pair)->Arg(1024)->UseRealTime();

// The same pair with the two HeapSize calls the counting functions make (the block's size at
// allocation and at free): how much of the counted pair's cost is the heap's own size lookup.
void heap_alloc_free_pair_with_two_heap_sizes(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const HANDLE heap = GetProcessHeap();
  for (auto _ : state) {
    void* block = HeapAlloc(heap, 0, size);
    benchmark::DoNotOptimize(HeapSize(heap, 0, block));
    benchmark::DoNotOptimize(HeapSize(heap, 0, block));
    HeapFree(heap, 0, block);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(heap_alloc_free_pair_with_two_heap_sizes)->Arg(1024)->UseRealTime();

void heap_alloc_free_mixed(benchmark::State& state) {
  MixedLoad load(state.thread_index(), heap_free);
  const HANDLE heap = GetProcessHeap();
  std::size_t step = 0;
  for (auto _ : state) {
    const auto [slot, size] = load.steps[step++ & (MixedLoad::kSteps - 1)];
    if (load.slots[slot] != nullptr) HeapFree(heap, 0, load.slots[slot]);
    load.slots[slot] = HeapAlloc(heap, 0, size);
    benchmark::DoNotOptimize(load.slots[slot]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(heap_alloc_free_mixed)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
