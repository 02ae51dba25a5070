// Seed workload "concurrent": 4 threads x 25 x std::vector<float>(256) pushed into one
// mutex-guarded std::vector. The threads start before the window opens and exit after it closes:
// starting a thread allocates library-specific state that is not part of the workload. For the
// same reason each thread allocates once before the window, so that the allocator's per-thread
// set-up is not charged to the workload (an index serves queries from long-lived threads; what
// that set-up costs under wine: docs/windows.md).
#include <alloc_hooks/observe.hpp>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

namespace {

constexpr std::uint64_t kThreads = 4;
constexpr std::uint64_t kPerThread = 25;
constexpr std::uint64_t kFloats = 256;

void wait_until(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::yield();
}

void run_once(Measurement& measurement) {
  std::vector<std::vector<float>> shared;
  std::mutex mutex;
  std::atomic<bool> go{false}, release{false};
  std::atomic<std::uint64_t> ready{0}, finished{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (std::uint64_t thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      alloc_hooks::keep_observable(std::vector<float>(kFloats).data());
      ++ready;
      wait_until(go);
      for (std::uint64_t i = 0; i < kPerThread; ++i) {
        std::vector<float> concept_vector(kFloats, static_cast<float>(thread * 100 + i));
        const std::lock_guard lock(mutex);
        shared.push_back(std::move(concept_vector));
      }
      ++finished;
      wait_until(release);
    });
  }
  while (ready.load() < kThreads) std::this_thread::yield();
  measurement.begin();
  go.store(true);
  while (finished.load() < kThreads) std::this_thread::yield();
  alloc_hooks::keep_observable(shared.data());
  std::vector<std::vector<float>>().swap(shared);
  measurement.end();
  release.store(true);
  for (std::thread& thread : threads) thread.join();
}

}  // namespace

Scenario concurrent_scenario() {
  Scenario scenario;
  scenario.name = "concurrent";
  scenario.description =
      "4 threads x 25 x std::vector<float>(256) pushed into one mutex-guarded std::vector";
  const GrowthCost growth = push_back_growth(kThreads * kPerThread, sizeof(std::vector<float>));
  scenario.expectation_note =
      "100 float buffers of 256 * 4 bytes; " + describe_growth("the shared vector", growth);
  scenario.parameters = {{"threads", kThreads}, {"per_thread", kPerThread}, {"floats", kFloats}};
  scenario.default_iterations = 300;
  scenario.default_budgets.iteration_budget_ms = 30;
  scenario.default_budgets.reserved_ratio_limit = 2.0;
  scenario.too_slow_words = "Concurrent memory access too slow";
  scenario.too_much_memory_words = "Concurrent memory usage too high";
  scenario.cases.push_back({"4 threads", scenario.parameters,
                            kThreads * kPerThread * kFloats * sizeof(float) + growth.bytes,
                            kThreads * kPerThread + growth.allocations, run_once});
  return scenario;
}

}  // namespace scenarios
