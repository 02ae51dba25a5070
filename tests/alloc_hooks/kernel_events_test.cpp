// Kernel events inside allocation calls, on a watched thread: counted inside the backend's calls
// only, never between them, never on other threads; exact against what glibc's definition makes a
// large block cost (one mmap, one page fault for its header, one munmap when freed).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <new>
#include <thread>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace {

using test_support::keep;

// Under a sanitizer its own allocator takes the system allocator's place, with a quarantine that
// unmaps and a shadow it maps as it goes: what happens inside a call is then its business.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerAllocator = true;
#else
constexpr bool kSanitizerAllocator = false;
#endif

// Watches the test's thread for its duration; skips a test where the kernel does not allow it.
class KernelEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    watch_ = alloc_hooks::watch_kernel_events_on_this_thread();
#if defined(__linux__)
    if (!watch_.page_faults || !watch_.system_calls) GTEST_SKIP() << watch_.why_not;
#endif
  }
  void TearDown() override {
    alloc_hooks::unwatch_kernel_events_on_this_thread();
  }
  alloc_hooks::KernelEventWatch watch_;
};

#if defined(__linux__)

TEST_F(KernelEvents, WhatHappensBetweenCallsIsNotCounted) {
  if (kSanitizerAllocator) GTEST_SKIP() << "the sanitizer's allocator maps and unmaps as it goes";
  void* first = ::operator new(64);  // the backend's first block of that size, outside the window
  keep(first);
  alloc_hooks::Window window;
  void* small = ::operator new(64);
  keep(small);
  // 256 fresh pages written, and a mapping made and dropped, by the program between two calls.
  const std::size_t bytes = 256 * 4096;
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(pages, MAP_FAILED);
  std::memset(pages, 1, bytes);
  munmap(pages, bytes);
  ::operator delete(small);
  const alloc_hooks::WindowResult result = window.result();
  ::operator delete(first);
  EXPECT_EQ(result.kernel_events_in_allocations.total(), 0u);
  EXPECT_EQ(result.kernel_events_in_frees.total(), 0u);
}

// Beyond glibc's largest mmap threshold (32 MiB on 64-bit) every block is a mapping of its own:
// malloc makes one mmap and writes the chunk's header into its first page (one fault), free
// makes one munmap. The program's own writes into the block are not the allocator's.
TEST_F(KernelEvents, ALargeBlockUnderGlibcIsOneMmapOneFaultOneMunmap) {
  if (std::strcmp(alloc_hooks::backend().name, "system") != 0 || kSanitizerAllocator)
    GTEST_SKIP() << "the figures are glibc's";
  const std::size_t size = 64u << 20;
  alloc_hooks::Window window;
  auto* block = static_cast<unsigned char*>(::operator new(size));
  std::memset(block, 1, 1u << 20);  // 256 faults of the program's
  keep(block);
  ::operator delete(block);
  const alloc_hooks::WindowResult result = window.result();
  const alloc_hooks::KernelEventCounts& in_new = result.kernel_events_in_allocations;
  EXPECT_EQ(in_new.mmap, 1u);
  EXPECT_EQ(in_new.page_faults, 1u);
  EXPECT_EQ(in_new.total(), 2u);
  const alloc_hooks::KernelEventCounts& in_delete = result.kernel_events_in_frees;
  EXPECT_EQ(in_delete.munmap, 1u);
  EXPECT_EQ(in_delete.total(), 1u);
}

// The other thread is made before the window (std::thread allocates its state on the thread that
// makes it, the watched one) and allocates only once the window is open; the watched thread makes
// no allocation call inside the window, so whatever is counted would be the other thread's.
TEST_F(KernelEvents, OnlyTheWatchedThreadIsCounted) {
  const std::size_t size = 64u << 20;
  std::atomic<bool> go{false}, done{false};
  std::thread other([&] {
    while (!go.load()) std::this_thread::yield();
    void* block = ::operator new(size);
    keep(block);
    ::operator delete(block);
    done.store(true);
  });
  alloc_hooks::Window window;
  go.store(true);
  while (!done.load()) std::this_thread::yield();
  const alloc_hooks::WindowResult result = window.result();
  other.join();
  EXPECT_GE(result.bytes_allocated, size);  // the other thread's block was counted
  EXPECT_EQ(result.kernel_events_in_allocations.total(), 0u);
  EXPECT_EQ(result.kernel_events_in_frees.total(), 0u);
}

TEST_F(KernelEvents, NothingIsCountedOnceUnwatched) {
  alloc_hooks::unwatch_kernel_events_on_this_thread();
  alloc_hooks::Window window;
  void* block = ::operator new(64u << 20);
  keep(block);
  ::operator delete(block);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.kernel_events_in_allocations.total(), 0u);
  EXPECT_EQ(result.kernel_events_in_frees.total(), 0u);
}

#else

TEST_F(KernelEvents, AreNotCountedAndTheWatchSaysSo) {
  EXPECT_FALSE(watch_.page_faults);
  EXPECT_FALSE(watch_.system_calls);
  ASSERT_NE(watch_.why_not, nullptr);
  EXPECT_STREQ(watch_.why_not, "kernel events not counted: only on Linux");
}

#endif

}  // namespace
