// Cost of the hooks: new/delete pairs, a mixed-size load and the 100-concepts pattern, built
// three ways (see CMakeLists.txt) so that the same code runs raw under glibc, raw under mimalloc,
// and hooked. The raw builds also run the floor: the same loops with only what timing each
// allocation needs at the least (two clock reads and a histogram increment), against which the
// hooks' timing is judged.
#include <benchmark/benchmark.h>

#include <alloc_hooks/latency_histogram.hpp>
#include <array>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "mixed_load.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#if !defined(BENCH_RAW)
#include <alloc_hooks/alloc_hooks.hpp>  // the kernel-event watch
#endif

namespace {

#if defined(BENCH_RAW)
// The floor's timing: a cycle counter read before and after, one histogram bucket bumped.
inline std::uint64_t ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}
thread_local std::array<std::uint64_t, alloc_hooks::LatencyHistogram::kBucketCount> floor_counts{};
inline void* timed_new(std::size_t size) {
  const std::uint64_t start = ticks();
  void* block = ::operator new(size);
  const std::uint64_t end = ticks();
  ++floor_counts[alloc_hooks::LatencyHistogram::bucket_index(end - start)];
  return block;
}
#endif

void mixed_sizes(benchmark::State& state) {
  MixedLoad load(state.thread_index(), [](void* block) { ::operator delete(block); });
  std::size_t step = 0;
  for (auto _ : state) {
    const auto [slot, size] = load.steps[step++ & (MixedLoad::kSteps - 1)];
    ::operator delete(load.slots[slot]);
    load.slots[slot] = ::operator new(size);
    benchmark::DoNotOptimize(load.slots[slot]);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(mixed_sizes)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

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
#if defined(BENCH_RAW)
void new_delete_pair_floor(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* block = timed_new(size);
    benchmark::DoNotOptimize(block);
    ::operator delete(block, size);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(new_delete_pair_floor)->Arg(1024)->Threads(1)->Threads(4)->UseRealTime();
#endif

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

#if !defined(BENCH_RAW)
// The same pairs on a thread whose kernel events are counted (as the scenarios' thread is): the
// hot path reads the ring's head around each call. Beside the one above, in one run.
void million_pairs_1kib_kernel_events_watched(benchmark::State& state) {
  const alloc_hooks::KernelEventWatch watch = alloc_hooks::watch_kernel_events_on_this_thread();
  if (!watch.page_faults) {
    state.SkipWithError(watch.why_not);
    return;
  }
  for (auto _ : state) {
    void* block = ::operator new(1024);
    benchmark::DoNotOptimize(block);
    ::operator delete(block, 1024);
  }
  alloc_hooks::unwatch_kernel_events_on_this_thread();
}
BENCHMARK(million_pairs_1kib_kernel_events_watched)->Iterations(1'000'000)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
