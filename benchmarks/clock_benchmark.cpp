// Cost and resolution of the clocks alloc_hooks can time with: the cycle counter (rdtsc on x86-64)
// and steady_clock. Resolution is reported as the share of back-to-back reads that differ by 0 or
// 1 tick and the smallest nonzero difference.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace {

template <typename Read>
void report_resolution(benchmark::State& state, Read read) {
  constexpr int kPairs = 1'000'000;
  std::uint64_t zero = 0, one = 0, smallest_nonzero = ~std::uint64_t{0};
  for (int i = 0; i < kPairs; ++i) {
    const std::uint64_t first = read();
    const std::uint64_t delta = read() - first;
    zero += delta == 0;
    one += delta == 1;
    if (delta != 0 && delta < smallest_nonzero) smallest_nonzero = delta;
  }
  state.counters["delta_0_share"] = static_cast<double>(zero) / kPairs;
  state.counters["delta_1_share"] = static_cast<double>(one) / kPairs;
  state.counters["smallest_nonzero_delta"] = static_cast<double>(smallest_nonzero);
}

std::uint64_t steady_ns() {
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

#if defined(__x86_64__)
void read_rdtsc(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(__rdtsc());
  report_resolution(state, [] { return static_cast<std::uint64_t>(__rdtsc()); });
}
BENCHMARK(read_rdtsc);
#endif

void read_steady_clock(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(steady_ns());
  report_resolution(state, steady_ns);
}
BENCHMARK(read_steady_clock);

}  // namespace

BENCHMARK_MAIN();
