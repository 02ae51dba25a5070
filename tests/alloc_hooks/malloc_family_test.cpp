// Each function of the C malloc family: counted once under Source::malloc, exact bytes, the
// standard's semantics to the letter, and what the C library allocates on a program's behalf.
#include <gtest/gtest.h>
#include <malloc.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/raw_backend.hpp"
#include "support/exact_pair.hpp"
#include "support/observe.hpp"

namespace {

using alloc_hooks::Source;
using alloc_hooks::WindowResult;
using test_support::keep;

const alloc_hooks::SourceCounters& from_malloc(const WindowResult& result) {
  return test_support::from(result, Source::malloc);
}
const alloc_hooks::SourceCounters& from_operator_new(const WindowResult& result) {
  return test_support::from(result, Source::operator_new);
}

// One allocation of `size` bytes and its free, both under Source::malloc, nothing else.
void expect_one_malloc_pair(const WindowResult& result, std::size_t size) {
  test_support::expect_one_pair(result, size, Source::malloc);
}

template <typename Allocate>
void expect_exact_pair(std::size_t size, Allocate allocate) {
  alloc_hooks::Window window;
  void* block = allocate();
  keep(block);
  ASSERT_NE(block, nullptr);
  EXPECT_GE(malloc_usable_size(block), size);
  std::free(block);
  expect_one_malloc_pair(window.result(), size);
}

TEST(MallocFamily, EachAllocatingFunctionCountsOneExactPair) {
  expect_exact_pair(1000, [] { return std::malloc(1000); });
  expect_exact_pair(1000, [] { return std::calloc(10, 100); });
  expect_exact_pair(1000, [] { return aligned_alloc(256, 1000); });  // not a multiple: fine (C17)
  expect_exact_pair(1000, [] { return memalign(4096, 1000); });
  expect_exact_pair(1000, [] { return valloc(1000); });
  expect_exact_pair(4096, [] { return pvalloc(1000); });  // the request is whole pages
  expect_exact_pair(1000, [] {
    void* block = nullptr;
    return posix_memalign(&block, 64, 1000) == 0 ? block : nullptr;
  });
  expect_exact_pair(1000, [] { return std::realloc(nullptr, 1000); });  // realloc(NULL) = malloc
  expect_exact_pair(1000, [] { return reallocarray(nullptr, 10, 100); });
}

// A block the backend made past the hooks (as a block made before the hooks were installed, or by a
// runtime's internal call, looks to them) is freed uncounted, also at an address where a counted
// block lived before: a counted block's shadow goes with its free.
TEST(MallocFamily, ABlockTheHooksNeverSawIsFreedUncounted) {
  const test_support::RawBackend raw = test_support::raw_backend();
  void* counted = std::malloc(200);
  keep(counted);
  std::free(counted);
  alloc_hooks::Window window;
  // Blocks of that size until the backend hands the freed one back (glibc, jemalloc and tcmalloc
  // at once; mimalloc once the page's other free blocks are taken).
  static void* unseen[4096];
  std::size_t made = 0;
  while (made < std::size(unseen) && (made == 0 || unseen[made - 1] != counted))
    unseen[made++] = raw.malloc(200);
  ASSERT_EQ(unseen[made - 1], counted);
  for (std::size_t i = 0; i < made; ++i) std::free(unseen[i]);
  const WindowResult result = window.result();
  EXPECT_EQ(result.allocations, 0u);
  EXPECT_EQ(result.frees, 0u);
  EXPECT_EQ(result.bytes_freed, 0u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

TEST(MallocFamily, AlignmentsAreHonoured) {
  for (std::size_t alignment = 16; alignment <= 65536; alignment <<= 1) {
    void* aligned = aligned_alloc(alignment, 24);
    void* by_memalign = memalign(alignment, 24);
    void* by_posix = nullptr;
    ASSERT_EQ(posix_memalign(&by_posix, alignment, 24), 0);
    for (void* block : {aligned, by_memalign, by_posix}) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % alignment, 0u) << alignment;
      std::free(block);
    }
  }
  void* page = valloc(1);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(page) % 4096, 0u);
  std::free(page);
}

TEST(MallocFamily, ReallocCountsOneAllocationAndOneFreeAndKeepsTheContents) {
  char* block = static_cast<char*>(std::malloc(100));
  std::memset(block, 'x', 100);
  alloc_hooks::Window window;
  char* grown = static_cast<char*>(std::realloc(block, 100000));
  ASSERT_NE(grown, nullptr);
  keep(grown);
  const WindowResult result = window.result();
  EXPECT_EQ(grown[0], 'x');
  EXPECT_EQ(grown[99], 'x');
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.frees, 1u);
  EXPECT_EQ(result.bytes_allocated, 100000u);
  EXPECT_EQ(result.bytes_freed, 100u);
  EXPECT_EQ(result.live_bytes_delta, 100000 - 100);
  EXPECT_EQ(result.peak_live_bytes, 100000u - 100u);
  alloc_hooks::Window shrink_window;
  char* shrunk = static_cast<char*>(std::realloc(grown, 10));
  keep(shrunk);
  std::free(shrunk);
  const WindowResult shrink = shrink_window.result();
  EXPECT_EQ(shrink.bytes_freed, 100000u + 10u);
  EXPECT_EQ(shrink.live_bytes_delta, -100000);
}

// C leaves realloc(p, 0) to the implementation; the hooks do what the backend does: glibc frees
// the block and returns nullptr (one free, no allocation), mimalloc returns a new empty block.
TEST(MallocFamily, ReallocToZeroDoesWhatTheBackendDoes) {
  void* block = std::malloc(100);
  keep(block);
  alloc_hooks::Window window;
  errno = 0;
  void* result_block = std::realloc(block, 0);
  keep(result_block);
  const int error = errno;
  std::free(result_block);
  const WindowResult result = window.result();
  EXPECT_EQ(error, 0);
  EXPECT_EQ(result.failed_allocations, 0u);
  EXPECT_EQ(result.bytes_freed, 100u);
  EXPECT_EQ(result.live_bytes_delta, -100);
  // What the backend does itself: glibc and tcmalloc free the block and return nullptr,
  // mimalloc and jemalloc return a new minimal block.
  const test_support::RawBackend raw = test_support::raw_backend();
  void* raw_result = raw.realloc(raw.malloc(100), 0);
  const bool raw_returns_a_block = raw_result != nullptr;
  raw.free(raw_result);
  if (!raw_returns_a_block) {
    EXPECT_EQ(result_block, nullptr);
    EXPECT_EQ(result.allocations, 0u);
    EXPECT_EQ(result.frees, 1u);
  } else {
    EXPECT_NE(result_block, nullptr);
    EXPECT_EQ(result.allocations, 1u);
    EXPECT_EQ(result.frees, 2u);  // the realloc's, then free(result_block)
  }
}

// Through volatile, so that the compiler neither rejects the sizes nor assumes a failed realloc
// freed the block.
volatile std::size_t half_of_everything = SIZE_MAX / 2;
volatile std::size_t nearly_everything = SIZE_MAX - 4096;

TEST(MallocFamily, OverflowingProductsFailWithEnomemAndLeaveTheBlock) {
  alloc_hooks::Window window;
  errno = 0;
  EXPECT_EQ(std::calloc(half_of_everything, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  void* volatile block = std::malloc(10);
  errno = 0;
  EXPECT_EQ(reallocarray(block, half_of_everything, 3), nullptr);
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(std::realloc(block, nearly_everything), nullptr);  // the old block stays
  EXPECT_EQ(errno, ENOMEM);
  std::free(block);
  const WindowResult result = window.result();
  EXPECT_EQ(result.failed_allocations, 3u);
  EXPECT_EQ(from_malloc(result).failed_allocations, 3u);
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.frees, 1u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

TEST(MallocFamily, BadAlignmentsFailWithoutTouchingTheOutPointer) {
  void* untouched = reinterpret_cast<void*>(0x1234);
  for (const std::size_t alignment :
       {std::size_t{0}, std::size_t{4}, std::size_t{24}, std::size_t{48}, std::size_t{1000}}) {
    void* out = untouched;
    EXPECT_EQ(posix_memalign(&out, alignment, 100), EINVAL) << alignment;
    EXPECT_EQ(out, untouched);
  }
  errno = 0;
  EXPECT_EQ(aligned_alloc(24, 100), nullptr);
  EXPECT_EQ(errno, EINVAL);
  void* out = untouched;
  EXPECT_EQ(posix_memalign(&out, 64, nearly_everything), ENOMEM);
  EXPECT_EQ(out, untouched);
}

TEST(MallocFamily, MemalignRoundsAnAlignmentUpToAPowerOfTwo) {
  void* block = memalign(48, 100);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % 64, 0u);
  std::free(block);
}

TEST(MallocFamily, FreeKeepsErrnoAndFreeOfNullIsNothing) {
  void* block = std::malloc(10);
  alloc_hooks::Window window;
  errno = 12345;
  std::free(block);
  EXPECT_EQ(errno, 12345);
  std::free(nullptr);
  EXPECT_EQ(errno, 12345);
  const WindowResult result = window.result();
  EXPECT_EQ(result.frees, 1u);
  EXPECT_EQ(result.bytes_freed, 10u);
}

TEST(MallocFamily, UsableSizeIsTheBackendsAndZeroForNull) {
  void* block = std::malloc(100);
  EXPECT_GE(malloc_usable_size(block), 100u);
  EXPECT_LT(malloc_usable_size(block), 100u + 64u);
  EXPECT_EQ(malloc_usable_size(nullptr), 0u);
  std::free(block);
}

TEST(MallocFamily, TheLiveBytesLimitRefusesWithEnomem) {
  const std::int64_t live = alloc_hooks::live_bytes();
  alloc_hooks::set_live_bytes_limit(static_cast<std::uint64_t>(live) + 4096);
  alloc_hooks::Window window;
  errno = 0;
  void* refused = std::malloc(8192);
  const int error = errno;
  void* volatile block = std::malloc(100);
  void* grown = std::realloc(block, 8192);  // refused: the old block stays
  alloc_hooks::set_live_bytes_limit(0);
  std::free(block);
  const WindowResult result = window.result();
  EXPECT_EQ(refused, nullptr);
  EXPECT_EQ(grown, nullptr);
  EXPECT_EQ(error, ENOMEM);
  EXPECT_EQ(result.failed_allocations, 2u);
  EXPECT_EQ(result.limit_refusals, 2u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

// What the C and C++ runtimes allocate for a program goes through malloc and is counted there.
TEST(MallocFamily, WhatTheRuntimesAllocateIsCounted) {
  {
    alloc_hooks::Window window;
    char* copy = strdup("hello");
    keep(copy);
    std::free(copy);
    expect_one_malloc_pair(window.result(), 6);
  }
  {
    alloc_hooks::Window window;
    char* text = nullptr;
    ASSERT_EQ(asprintf(&text, "%d apples", 42), 9);
    std::free(text);
    const WindowResult result = window.result();
    EXPECT_GE(from_malloc(result).allocations, 1u);
    EXPECT_EQ(result.live_bytes_delta, 0);
  }
  {
    alloc_hooks::Window window;
    try {
      throw std::runtime_error("counted");  // the exception object comes from malloc
    } catch (const std::exception&) {
    }
    const WindowResult result = window.result();
    EXPECT_GE(from_malloc(result).allocations, 1u);
    EXPECT_EQ(result.live_bytes_delta, 0);
  }
  {
    alloc_hooks::Window window;
    std::thread([] {}).join();
    const WindowResult result = window.result();
    EXPECT_GE(from_operator_new(result).allocations, 1u);  // the thread's state
    EXPECT_EQ(from_operator_new(result).frees, from_operator_new(result).allocations);
  }
}

// A sized delete with another size than was asked for: deleting through a base class without a
// virtual destructor.
struct Base {
  std::uint64_t a = 0;
};
struct Derived : Base {
  std::uint64_t b[7] = {};
};

TEST(MallocFamily, ASizedDeleteOfTheWrongSizeIsCountedAndKept) {
  const std::size_t before = alloc_hooks::sized_delete_mismatches().size;
  alloc_hooks::Window window;
  Base* object = new Derived;
  keep(object);
  ::operator delete(object, sizeof(Base));  // what `delete object` does without a virtual dtor
  const WindowResult result = window.result();
  EXPECT_EQ(result.sized_delete_mismatches, 1u);
  EXPECT_EQ(result.bytes_freed, sizeof(Derived));  // the request, not the delete's size
  EXPECT_EQ(result.live_bytes_delta, 0);
  const alloc_hooks::SizedDeleteMismatches mismatches = alloc_hooks::sized_delete_mismatches();
  ASSERT_EQ(mismatches.size, before + 1);
  EXPECT_EQ(mismatches.first[before].requested_size, sizeof(Derived));
  EXPECT_EQ(mismatches.first[before].delete_size, sizeof(Base));
}

}  // namespace
