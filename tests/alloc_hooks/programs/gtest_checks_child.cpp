// A GoogleTest program of the alloc_hooks checks, run by gtest_checks_test.cpp one test at a time:
// the Fail.* tests must fail and name the sites below, the Pass.* tests must pass. With
// --limit-every-test=BYTES every test is held to that peak (limit_every_test).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "alloc_hooks/gtest.hpp"
#include "alloc_hooks/observe.hpp"

namespace {

constexpr std::size_t kBig = 16 << 20;  // sampled at any interval up to 1 MiB: P > 1 - e^-16

__attribute__((noipa)) char* allocate_here(std::size_t bytes) {
  char* block = new char[bytes];  // site: allocate_here
  alloc_hooks::keep_observable(block);
  return block;
}

__attribute__((noipa)) char* big_block(std::size_t bytes) {
  char* block = new char[bytes];  // site: big_block
  alloc_hooks::keep_observable(block);
  return block;
}

char* kept = nullptr;

TEST(Fail, NoAllocations) {
  EXPECT_NO_ALLOCATIONS(kept = allocate_here(64));
  delete[] kept;
}
TEST(Fail, AssertNoAllocations) {
  ASSERT_NO_ALLOCATIONS(kept = allocate_here(64));
  std::puts("REACHED after a failed ASSERT");
}
TEST(Pass, NoAllocations) {
  int value = 7;
  EXPECT_NO_ALLOCATIONS(alloc_hooks::keep_observable(&value));
}

TEST(Fail, NoLeaks) {
  EXPECT_NO_LEAKS(kept = allocate_here(100));
  delete[] kept;
}
TEST(Fail, AssertNoLeaks) {
  ASSERT_NO_LEAKS(kept = allocate_here(100));
  std::puts("REACHED after a failed ASSERT");
}
TEST(Pass, NoLeaks) {
  EXPECT_NO_LEAKS(delete[] allocate_here(100));
}

TEST(Fail, PeakBelow) {
  EXPECT_PEAK_BELOW(1 << 20, delete[] big_block(kBig));
}
TEST(Fail, AssertPeakBelow) {
  ASSERT_PEAK_BELOW(1 << 20, delete[] big_block(kBig));
  std::puts("REACHED after a failed ASSERT");
}
TEST(Pass, PeakBelow) {
  EXPECT_PEAK_BELOW(kBig + 1, delete[] big_block(kBig));
}

TEST(Fail, AllocLatencyBelow) {
  EXPECT_ALLOC_LATENCY_BELOW(1, delete[] allocate_here(64));
}
TEST(Fail, AssertAllocLatencyBelow) {
  ASSERT_ALLOC_LATENCY_BELOW(1, delete[] allocate_here(64));
  std::puts("REACHED after a failed ASSERT");
}
// An hour, longer than the test's own timeout: no stall of a loaded machine can fail it.
TEST(Pass, AllocLatencyBelow) {
  EXPECT_ALLOC_LATENCY_BELOW(3'600'000'000'000, delete[] allocate_here(64));
}

TEST(Fail, ScopedMemoryLimit) {
  alloc_hooks::testing::ScopedMemoryLimit limit(1 << 20);
  delete[] big_block(kBig);
}
TEST(Pass, ScopedMemoryLimit) {
  alloc_hooks::testing::ScopedMemoryLimit limit(kBig + 1);
  delete[] big_block(kBig);
}

TEST(Limited, Big) {
  delete[] big_block(kBig);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--limit-every-test=", 19) == 0)
      alloc_hooks::testing::limit_every_test(std::strtoull(argv[i] + 19, nullptr, 10));
  }
  return RUN_ALL_TESTS();
}
