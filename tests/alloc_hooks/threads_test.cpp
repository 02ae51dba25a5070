// Exactness under concurrency: 4 threads allocate mixed sizes, then each frees another thread's
// blocks. Totals must equal the test's own bookkeeping to the byte, and the peak must be the exact
// known maximum (every allocation happens before any free).
#include <gtest/gtest.h>

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <new>
#include <thread>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"

namespace {

constexpr int kThreads = 4;
constexpr int kAllocationsPerThread = 100'000;

std::size_t size_of(int thread, int index) {
  return 8 + static_cast<std::size_t>((index * 7919 + thread * 104729) % 513);
}

void wait_for(const std::atomic<int>& counter, int value) {
  while (counter.load() < value) std::this_thread::yield();
}

struct Shared {
  std::vector<std::vector<void*>> blocks;
  std::atomic<int> allocated{0};
  std::atomic<bool> go{false};
};

struct Worker {
  Shared* shared;
  int thread;
};

void* work(void* argument) {
  const Worker& worker = *static_cast<Worker*>(argument);
  Shared& shared = *worker.shared;
  while (!shared.go.load()) std::this_thread::yield();
  for (int index = 0; index < kAllocationsPerThread; ++index) {
    // Alternate plain and array forms; free with sized and unsized forms below.
    const std::size_t size = size_of(worker.thread, index);
    shared.blocks[worker.thread][index] = index % 2 == 0 ? ::operator new(size) : ::operator new[](size);
    test_support::keep(shared.blocks[worker.thread][index]);
  }
  ++shared.allocated;
  wait_for(shared.allocated, kThreads);
  const int victim = (worker.thread + 1) % kThreads;
  for (int index = 0; index < kAllocationsPerThread; ++index) {
    if (index % 2 == 0) {
      ::operator delete(shared.blocks[victim][index], size_of(victim, index));
    } else {
      ::operator delete[](shared.blocks[victim][index]);
    }
  }
  return nullptr;
}

// Raw pthreads: std::thread allocates its state in one thread and frees it in another, outside
// what this test can book.
TEST(Threads, FourThreadsWithCrossThreadFreesAreExactToTheByte) {
  Shared shared;
  shared.blocks.assign(kThreads, std::vector<void*>(kAllocationsPerThread));
  std::uint64_t expected_bytes = 0;
  for (int thread = 0; thread < kThreads; ++thread) {
    for (int index = 0; index < kAllocationsPerThread; ++index) expected_bytes += size_of(thread, index);
  }
  Worker workers[kThreads];
  pthread_t threads[kThreads];
  alloc_hooks::Window window;
  for (int thread = 0; thread < kThreads; ++thread) {
    workers[thread] = {&shared, thread};
    ASSERT_EQ(pthread_create(&threads[thread], nullptr, work, &workers[thread]), 0);
  }
  shared.go.store(true);
  for (pthread_t thread : threads) pthread_join(thread, nullptr);
  const alloc_hooks::WindowResult result = window.result();

  EXPECT_EQ(result.allocations, std::uint64_t{kThreads} * kAllocationsPerThread);
  EXPECT_EQ(result.frees, std::uint64_t{kThreads} * kAllocationsPerThread);
  EXPECT_EQ(result.bytes_allocated, expected_bytes);
  EXPECT_EQ(result.bytes_freed, expected_bytes);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(result.live_reserved_bytes_delta, 0);
  EXPECT_EQ(result.peak_live_bytes, expected_bytes);
}

TEST(Threads, CountersOfExitedThreadsAreKept) {
  const alloc_hooks::Counters before = alloc_hooks::read_counters();
  void* block = nullptr;
  std::thread([&] {
    block = ::operator new(4321);
    test_support::keep(block);
  }).join();
  const alloc_hooks::Counters after = alloc_hooks::read_counters();
  ::operator delete(block);
  // The thread's std::thread state is allocated by this thread, not the exited one.
  EXPECT_GE(after.allocations - before.allocations, 1u);
  EXPECT_GE(after.bytes_allocated - before.bytes_allocated, 4321u);
  EXPECT_EQ(after.live_bytes - before.live_bytes, 4321);
}

TEST(Threads, ManyShortLivedThreadsReuseCounterRecords) {
  alloc_hooks::Window window;
  for (int round = 0; round < 200; ++round) {
    std::thread([] {
      void* block = ::operator new(100);
      test_support::keep(block);
      ::operator delete(block);
    }).join();
  }
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_GE(result.allocations, 200u);
  EXPECT_EQ(result.allocations, result.frees);
}

}  // namespace
