// GoogleTest checks on the memory a statement uses, whose failure names the figure, the limit and
// the call sites that hold the memory (target alloc_hooks::gtest):
//
//   EXPECT_NO_ALLOCATIONS(statement);            no allocation at all
//   EXPECT_NO_LEAKS(statement);                  live bytes back where they started
//   EXPECT_PEAK_BELOW(bytes, statement);         peak live bytes above the start < bytes
//   EXPECT_ALLOC_LATENCY_BELOW(ns, statement);   every allocation faster than ns
//   (and the ASSERT_ forms)
//
// A failure reads e.g. "peak 1.21 GiB > 1.00 GiB; top: 0.80 GiB hnswlib::HierarchicalNSW<float>::
// HierarchicalNSW (hnswalg.h:57); ...". The no-allocation and no-leak checks record the stack of
// every allocation of the statement (sample interval 1), so their culprits are exact; the peak
// check names the sites of the sampled peak snapshot at the process's interval; the latency check
// names the slowest allocation's own stack. Figures count every thread of the process.
//
// ScopedMemoryLimit holds the rest of a scope to a peak; limit_every_test(bytes) holds every test
// of the binary to one (pytest-memray's limit_memory).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/site_report.hpp"
#include "alloc_hooks/sites.hpp"

namespace alloc_hooks::testing {

// What a statement did: its window's figures, and the sites' figures over the same span.
class Measurement {
 public:
  Measurement(WindowResult window, SlowAllocation slowest, std::vector<SiteFigures> sites_before,
              std::vector<SiteFigures> sites_after);
  ::testing::AssertionResult no_allocations() const;
  ::testing::AssertionResult no_leaks() const;
  ::testing::AssertionResult peak_below(std::uint64_t bytes) const;
  ::testing::AssertionResult alloc_latency_below(std::uint64_t ns) const;
  const WindowResult& window() const { return window_; }

 private:
  WindowResult window_;
  SlowAllocation slowest_;
  std::vector<SiteFigures> sites_before_;
  std::vector<SiteFigures> sites_after_;
};

// Sets the calling thread's sample interval for a scope and puts the old one back.
class ScopedSampleBytes {
 public:
  explicit ScopedSampleBytes(std::uint64_t bytes) : saved_(sample_bytes()) {
    set_sample_bytes(bytes);
  }
  ~ScopedSampleBytes() { set_sample_bytes(saved_); }
  ScopedSampleBytes(const ScopedSampleBytes&) = delete;
  ScopedSampleBytes& operator=(const ScopedSampleBytes&) = delete;

 private:
  std::uint64_t saved_;
};

// Runs `statement` in a window. `exact_sites`: with every allocation's stack recorded.
template <typename Statement>
Measurement measure(Statement&& statement, bool exact_sites) {
  std::vector<SiteFigures> after;  // room made first: reading the end allocates nothing
  after.reserve(stack_count() + kRoomForNewStacks);
  std::vector<SiteFigures> before = read_site_figures();
  WindowResult result;
  SlowAllocation slowest;
  {
    std::optional<ScopedSampleBytes> every_allocation;
    if (exact_sites) every_allocation.emplace(1);
    reset_slowest_allocations();
    Window window;
    std::forward<Statement>(statement)();
    result = window.result();
    slowest = slowest_allocations(1).items[0];
    read_site_figures(after);
  }
  return Measurement(std::move(result), slowest, std::move(before), std::move(after));
}

// Fails the current test with the figure, the limit and the top sites when the rest of the scope
// peaks at `bytes` or more above its start.
class ScopedMemoryLimit {
 public:
  explicit ScopedMemoryLimit(std::uint64_t bytes);
  ~ScopedMemoryLimit();
  ScopedMemoryLimit(const ScopedMemoryLimit&) = delete;
  ScopedMemoryLimit& operator=(const ScopedMemoryLimit&) = delete;

 private:
  std::uint64_t limit_;
  std::vector<SiteFigures> after_;  // room made first: reading the end allocates nothing
  std::vector<SiteFigures> before_;
  Window window_;  // last: it opens after the figures before it were read
};

// Holds every test of the binary to `bytes` of peak above the test's start: a test that goes over
// fails with the figure and its top sites. Call once, after InitGoogleTest.
void limit_every_test(std::uint64_t bytes);

}  // namespace alloc_hooks::testing

#define ALLOC_HOOKS_MEASURE_(exact, statement) \
  ::alloc_hooks::testing::measure([&]() { statement; }, exact)

#define EXPECT_NO_ALLOCATIONS(statement) \
  EXPECT_TRUE(ALLOC_HOOKS_MEASURE_(true, statement).no_allocations())
#define ASSERT_NO_ALLOCATIONS(statement) \
  ASSERT_TRUE(ALLOC_HOOKS_MEASURE_(true, statement).no_allocations())
#define EXPECT_NO_LEAKS(statement) EXPECT_TRUE(ALLOC_HOOKS_MEASURE_(true, statement).no_leaks())
#define ASSERT_NO_LEAKS(statement) ASSERT_TRUE(ALLOC_HOOKS_MEASURE_(true, statement).no_leaks())
#define EXPECT_PEAK_BELOW(bytes, statement) \
  EXPECT_TRUE(ALLOC_HOOKS_MEASURE_(false, statement).peak_below(bytes))
#define ASSERT_PEAK_BELOW(bytes, statement) \
  ASSERT_TRUE(ALLOC_HOOKS_MEASURE_(false, statement).peak_below(bytes))
#define EXPECT_ALLOC_LATENCY_BELOW(ns, statement) \
  EXPECT_TRUE(ALLOC_HOOKS_MEASURE_(false, statement).alloc_latency_below(ns))
#define ASSERT_ALLOC_LATENCY_BELOW(ns, statement) \
  ASSERT_TRUE(ALLOC_HOOKS_MEASURE_(false, statement).alloc_latency_below(ns))
