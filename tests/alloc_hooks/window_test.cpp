// Measurement windows: figures restricted to the window, peaks relative to its start, nesting.
#include <gtest/gtest.h>

#include <new>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"

namespace {

using test_support::keep;

TEST(Window, ReadsNaturallyInATest) {
  auto window = alloc_hooks::Window{};
  {
    std::vector<float> vector(512, 1.0f);
    keep(vector.data());
  }
  auto r = window.result();
  EXPECT_EQ(r.live_bytes_delta, 0);
  EXPECT_EQ(r.peak_live_bytes, 512 * sizeof(float));
  EXPECT_EQ(r.alloc_latency.count, 1u);
  // The one allocation was timed: its latency is the window's maximum, and no clock reads 0
  // between two back-to-back reads (docs/performance.md).
  EXPECT_GT(r.alloc_latency.max_ns, 0u);
  EXPECT_EQ(r.alloc_latency_histogram.count(), 1u);
}

TEST(Window, PeakIsRelativeToTheStartAndIgnoresWhatWasLiveBefore) {
  void* before = ::operator new(10'000);
  keep(before);
  alloc_hooks::Window window;
  void* inside = ::operator new(300);
  keep(inside);
  ::operator delete(inside);
  ::operator delete(before);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.peak_live_bytes, 300u);
  EXPECT_EQ(result.live_bytes_delta, -10'000);
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.frees, 2u);
}

TEST(Window, NestedWindowsEachSeeTheirOwnSpan) {
  alloc_hooks::Window outer;
  void* a = ::operator new(5000);
  keep(a);
  ::operator delete(a);  // outer peak 5000, then back to 0
  alloc_hooks::WindowResult inner_result;
  {
    alloc_hooks::Window inner;
    void* b = ::operator new(1000);
    keep(b);
    void* c = ::operator new(2000);
    keep(c);
    ::operator delete(b);
    ::operator delete(c);
    inner_result = inner.result();
  }
  void* d = ::operator new(700);
  keep(d);
  const alloc_hooks::WindowResult outer_result = outer.result();
  ::operator delete(d);

  EXPECT_EQ(inner_result.allocations, 2u);
  EXPECT_EQ(inner_result.bytes_allocated, 3000u);
  EXPECT_EQ(inner_result.peak_live_bytes, 3000u);
  EXPECT_EQ(inner_result.live_bytes_delta, 0);
  EXPECT_EQ(outer_result.allocations, 4u);
  EXPECT_EQ(outer_result.bytes_allocated, 8700u);
  EXPECT_EQ(outer_result.peak_live_bytes, 5000u);
  EXPECT_EQ(outer_result.live_bytes_delta, 700);
}

TEST(Window, InnerPeakAboveTheOuterOneRaisesTheOuterPeak) {
  alloc_hooks::Window outer;
  void* a = ::operator new(100);
  keep(a);
  {
    alloc_hooks::Window inner;
    void* b = ::operator new(9000);
    keep(b);
    ::operator delete(b);
    EXPECT_EQ(inner.result().peak_live_bytes, 9000u);
  }
  ::operator delete(a);
  EXPECT_EQ(outer.result().peak_live_bytes, 9100u);
}

TEST(Window, ResultIsStableAfterTheFirstCall) {
  alloc_hooks::Window window;
  void* a = ::operator new(64);
  keep(a);
  const alloc_hooks::WindowResult first = window.result();
  ::operator delete(a);
  const alloc_hooks::WindowResult second = window.result();
  EXPECT_EQ(first.allocations, 1u);
  EXPECT_EQ(second.frees, first.frees);
  EXPECT_EQ(second.live_bytes_delta, 64);
}

TEST(Window, AllocationLatencyHistogramHoldsOnlyTheWindowsAllocations) {
  alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations_and_frees);
  alloc_hooks::Window window;
  test_support::allocate_and_free(1000, 128);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.alloc_latency.count, 1000u);
  EXPECT_EQ(result.alloc_latency_histogram.count(), 1000u);
  EXPECT_EQ(result.free_latency.count, 1000u);
  EXPECT_LE(result.alloc_latency.p50_ns, result.alloc_latency.p99_ns);
  EXPECT_LE(result.alloc_latency.p99_ns, result.alloc_latency.p999_ns);
  alloc_hooks::set_timing(alloc_hooks::TimingMode::allocations);
}

}  // namespace
