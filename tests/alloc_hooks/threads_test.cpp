// Exactness under concurrency: 4 threads allocate mixed sizes, then each frees another thread's
// blocks. Totals must equal the test's own bookkeeping to the byte, and the peak must be the exact
// known maximum (every allocation happens before any free).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <thread>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/thread_counters.hpp"  // the record registry, to count records
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
  std::atomic<int> finished{0};
  std::atomic<bool> go{false};
  std::atomic<bool> release{false};
};

struct Worker {
  Shared* shared;
  int thread;
};

void work(const Worker& worker) {
  Shared& shared = *worker.shared;
  while (!shared.go.load()) std::this_thread::yield();
  for (int index = 0; index < kAllocationsPerThread; ++index) {
    // Alternate plain and array forms; free with sized and unsized forms below.
    const std::size_t size = size_of(worker.thread, index);
    shared.blocks[worker.thread][index] =
        index % 2 == 0 ? ::operator new(size) : ::operator new[](size);
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
  ++shared.finished;
  while (!shared.release.load()) std::this_thread::yield();  // the thread ends after the result
}

struct PatternOutcome {
  alloc_hooks::WindowResult result;
  std::uint64_t expected_bytes = 0;
};

// std::thread allocates its state in the starting thread and frees it when the thread ends, which
// this test cannot book: the threads start before the window opens and end after its result.
PatternOutcome run_four_thread_pattern() {
  Shared shared;
  shared.blocks.assign(kThreads, std::vector<void*>(kAllocationsPerThread));
  PatternOutcome outcome;
  for (int thread = 0; thread < kThreads; ++thread) {
    for (int index = 0; index < kAllocationsPerThread; ++index)
      outcome.expected_bytes += size_of(thread, index);
  }
  Worker workers[kThreads];
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int thread = 0; thread < kThreads; ++thread) {
    workers[thread] = {&shared, thread};
    threads.emplace_back(work, std::cref(workers[thread]));
  }
  {
    alloc_hooks::Window window;
    shared.go.store(true);
    wait_for(shared.finished, kThreads);
    outcome.result = window.result();
  }
  shared.release.store(true);
  for (std::thread& thread : threads) thread.join();
  return outcome;
}

void expect_exact_totals(const PatternOutcome& outcome) {
  const alloc_hooks::WindowResult& result = outcome.result;
  EXPECT_EQ(result.allocations, std::uint64_t{kThreads} * kAllocationsPerThread);
  EXPECT_EQ(result.frees, std::uint64_t{kThreads} * kAllocationsPerThread);
  EXPECT_EQ(result.bytes_allocated, outcome.expected_bytes);
  EXPECT_EQ(result.bytes_freed, outcome.expected_bytes);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(result.live_reserved_bytes_delta, 0);
}

TEST(Threads, FourThreadsWithCrossThreadFreesAreExactToTheByte) {
  const PatternOutcome outcome = run_four_thread_pattern();
  expect_exact_totals(outcome);
  EXPECT_EQ(outcome.result.peak_live_bytes, outcome.expected_bytes);
}

constexpr std::uint64_t kBatch = 64 * 1024;

class BatchedLiveBytes : public ::testing::Test {
 protected:
  void SetUp() override { alloc_hooks::set_live_batch_bytes(kBatch); }
  void TearDown() override { alloc_hooks::set_live_batch_bytes(0); }
};

TEST_F(BatchedLiveBytes, FourThreadsKeepExactTotalsAndAPeakWithinTheBound) {
  const PatternOutcome outcome = run_four_thread_pattern();
  expect_exact_totals(outcome);
  // The thread that reached the peak misses at most kBatch bytes of each of the other three.
  const auto peak = static_cast<std::int64_t>(outcome.result.peak_live_bytes);
  const auto expected = static_cast<std::int64_t>(outcome.expected_bytes);
  EXPECT_LE(std::llabs(peak - expected), static_cast<std::int64_t>((kThreads - 1) * kBatch));
}

// Thread B frees a block whose allocation thread A still holds back, then allocates a byte: B's
// view of live bytes (shared + its own) is below zero. The peaks must not read that as ~2^64 and
// a generous limit must not refuse the byte. Fresh threads start with nothing held back, and the
// block is larger than everything live in this test program, so the view is negative for sure.
TEST_F(BatchedLiveBytes, AFreeOfBytesAnotherThreadHoldsBackNeitherWrapsPeaksNorTripsTheLimit) {
  constexpr std::size_t kBlock = 64u << 20;
  alloc_hooks::set_live_batch_bytes(std::uint64_t{1} << 30);  // nothing is passed on
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  alloc_hooks::set_live_bytes_limit(
      static_cast<std::uint64_t>(alloc_hooks::read_counters().live_bytes) +
      (std::uint64_t{1} << 30));
  std::atomic<void*> block{nullptr};
  std::atomic<bool> done{false};
  void* byte = nullptr;
  bool threw = false;
  std::thread holder, freer;
  {
    alloc_hooks::Window window;
    holder = std::thread([&] {
      block.store(::operator new(kBlock));
      while (!done.load()) std::this_thread::yield();  // keeps its bytes held back until then
    });
    freer = std::thread([&] {
      while (block.load() == nullptr) std::this_thread::yield();
      ::operator delete(block.load());
      try {
        byte = ::operator new(1);
        test_support::keep(byte);
      } catch (const std::bad_alloc&) {
        threw = true;
      }
    });
    freer.join();
    // The block and the byte, plus the two threads' std::thread states (a few dozen bytes).
    EXPECT_LE(window.result().peak_live_bytes, kBlock + 4096);
  }
  done.store(true);
  holder.join();
  alloc_hooks::set_live_bytes_limit(0);
  ::operator delete(byte);
  EXPECT_FALSE(threw);
  EXPECT_EQ(alloc_hooks::budget_report().limit_refusals, before.limit_refusals);
  EXPECT_LT(alloc_hooks::read_counters().peak_live_bytes, std::uint64_t{1} << 40);
}

TEST_F(BatchedLiveBytes, OneThreadStaysExact) {
  alloc_hooks::Window window;
  std::vector<void*> blocks;
  blocks.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    blocks.push_back(::operator new(1000 + i));
    test_support::keep(blocks.back());
  }
  for (void* block : blocks) ::operator delete(block);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.peak_live_bytes,
            1000u * 1000u + 999u * 1000u / 2u + 8000u);  // + the pointer vector
  EXPECT_EQ(result.live_bytes_delta, 8000);
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

std::size_t counter_records() {
  std::size_t records = 0;
  for (const alloc_hooks::detail::ThreadCounters* counters =
           alloc_hooks::detail::first_thread_counters();
       counters != nullptr; counters = counters->next) {
    ++records;
  }
  return records;
}

// Each thread ends (and hands its record back) before the next starts, so 200 threads need at
// most one record more than the process had: without reuse they would take 200 (~36 KB each).
TEST(Threads, ManyShortLivedThreadsReuseCounterRecords) {
  const std::size_t records_before = counter_records();
  alloc_hooks::Window window;
  for (int round = 0; round < 200; ++round) {
    std::thread([] {
      void* block = ::operator new(100);
      test_support::keep(block);
      ::operator delete(block);
    }).join();
  }
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_LE(counter_records(), records_before + 1);
  // Per round: the std::thread state (allocated here, freed by the thread) and the 100 bytes.
  EXPECT_EQ(result.allocations, 400u);
  EXPECT_EQ(result.frees, 400u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

// A record whose slowest list is left mid-write (its sequence odd: the thread a fatal signal
// interrupted inside the write, whose handler then reads the list for the report) does not hold
// the reader forever. Before, this test did not return.
TEST(Threads, AWriteThatNeverEndsDoesNotHoldTheSlowestListsReader) {
  alloc_hooks::detail::ThreadCounters* record = alloc_hooks::detail::acquire_thread_counters();
  const std::uint64_t sequence = record->slow_sequence.load();
  record->slow_sequence.store(sequence | 1);
  const alloc_hooks::SlowestAllocations slowest = alloc_hooks::slowest_allocations(4);
  EXPECT_LE(slowest.size, 4u);
  record->slow_sequence.store((sequence | 1) + 1);
  alloc_hooks::detail::release_thread_counters(record);
}

}  // namespace
