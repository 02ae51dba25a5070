// The C runtime's malloc family and the Win32 heap, counted on Windows through patched imports
// (alloc_hooks::alloc_hooks_malloc, src/malloc_family/platform/windows.cpp): each counted function
// once, exact bytes, under the outermost source; growth; a block from before the hooks; a DLL
// loaded later; GetProcAddress; 8 threads; the runtime's sizes unchanged. Run under wine in the
// cross build. Each expected figure is derived in the comment beside it.
#include <gtest/gtest.h>
#include <malloc.h>
#include <windows.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/exact_pair.hpp"
#include "support/observe.hpp"

namespace {

using alloc_hooks::Source;
using alloc_hooks::WindowResult;
using test_support::keep;

using test_support::expect_one_pair;
using test_support::from;

template <typename Allocate, typename Free>
void expect_exact_pair(std::size_t size, Source source, Allocate allocate, Free free_block) {
  alloc_hooks::Window window;
  void* block = allocate();
  keep(block);
  ASSERT_NE(block, nullptr);
  free_block(block);
  expect_one_pair(window.result(), size, source);
}

// Made by constructors that run before the hooks are installed (priority 101).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wprio-ctor-dtor"
void* block_from_before = nullptr;
void* heap_block_from_before = nullptr;
__attribute__((constructor(100))) void allocate_before_the_hooks() {
  block_from_before = std::malloc(777);
  heap_block_from_before = HeapAlloc(GetProcessHeap(), 0, 555);
}
#pragma GCC diagnostic pop

TEST(WindowsMallocFamily, EachRuntimeFunctionCountsOneExactPairUnderMalloc) {
  // Every pair: one allocation of 1000 bytes and its free; the runtime's own HeapAlloc inside
  // malloc is not counted again (win32_heap stays 0: expect_one_pair's totals are 1 and 1).
  const auto free_it = [](void* block) { std::free(block); };
  const auto aligned_free = [](void* block) { _aligned_free(block); };
  expect_exact_pair(
      1000, Source::malloc, [] { return std::malloc(1000); }, free_it);
  expect_exact_pair(
      1000, Source::malloc, [] { return std::calloc(10, 100); }, free_it);
  expect_exact_pair(
      1000, Source::malloc, [] { return std::realloc(nullptr, 1000); }, free_it);
  expect_exact_pair(
      1000, Source::malloc, [] { return _aligned_malloc(1000, 64); }, aligned_free);
  expect_exact_pair(
      1000, Source::malloc, [] { return _aligned_offset_malloc(1000, 64, 8); }, aligned_free);
  expect_exact_pair(
      1000, Source::malloc, [] { return _aligned_realloc(nullptr, 1000, 64); }, aligned_free);
}

// An export as the function type it has (through void*: FARPROC is a placeholder type).
template <typename Function>
Function export_of(HMODULE module, const char* name) {
  return reinterpret_cast<Function>(reinterpret_cast<void*>(GetProcAddress(module, name)));
}

TEST(WindowsMallocFamily, ASecondRuntimeLoadedLaterAndTheDebugRuntimeAreCounted) {
  // ucrtbase has what msvcrt lacks (_recalloc); found through GetProcAddress,
  // its functions are the counting ones, and its blocks go back to it.
  const HMODULE ucrt = LoadLibraryA("ucrtbase.dll");
  ASSERT_NE(ucrt, nullptr);
  using Free = void (*)(void*);
  const auto ucrt_recalloc =
      export_of<void* (*)(void*, std::size_t, std::size_t)>(ucrt, "_recalloc");
  const auto ucrt_free = export_of<Free>(ucrt, "free");
  const auto ucrt_aligned_malloc =
      export_of<void* (*)(std::size_t, std::size_t)>(ucrt, "_aligned_malloc");
  const auto ucrt_aligned_free = export_of<Free>(ucrt, "_aligned_free");
  ASSERT_TRUE(ucrt_recalloc && ucrt_free && ucrt_aligned_malloc && ucrt_aligned_free);
  expect_exact_pair(
      1000, Source::malloc, [&] { return ucrt_recalloc(nullptr, 10, 100); }, ucrt_free);
  // (Wine's ucrtbase has _aligned_recalloc as a stub that ends the process: not called here.)
  expect_exact_pair(
      1000, Source::malloc, [&] { return ucrt_aligned_malloc(1000, 128); }, ucrt_aligned_free);
  // _recalloc growth: 1,000 bytes, then 3,000 for them.
  alloc_hooks::Window window;
  void* block = ucrt_recalloc(nullptr, 10, 100);
  block = ucrt_recalloc(block, 30, 100);
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(static_cast<unsigned char*>(block)[2999], 0);  // the grown part is zeroed
  ucrt_free(block);
  const WindowResult result = window.result();
  EXPECT_EQ(result.allocations, 2u);
  EXPECT_EQ(result.frees, 2u);
  EXPECT_EQ(result.bytes_allocated, 4000u);
  EXPECT_EQ(result.peak_live_bytes, 3000u);

  // The debug runtime's _malloc_dbg family (Wine's msvcrtd); 1 is _NORMAL_BLOCK.
  const HMODULE debug = LoadLibraryA("msvcrtd.dll");
  ASSERT_NE(debug, nullptr);
  const auto malloc_dbg =
      export_of<void* (*)(std::size_t, int, const char*, int)>(debug, "_malloc_dbg");
  const auto calloc_dbg =
      export_of<void* (*)(std::size_t, std::size_t, int, const char*, int)>(debug, "_calloc_dbg");
  const auto free_dbg = export_of<void (*)(void*, int)>(debug, "_free_dbg");
  ASSERT_TRUE(malloc_dbg && calloc_dbg && free_dbg);
  const auto free_normal = [&](void* released) { free_dbg(released, 1); };
  expect_exact_pair(
      700, Source::malloc, [&] { return malloc_dbg(700, 1, __FILE__, __LINE__); }, free_normal);
  expect_exact_pair(
      700, Source::malloc, [&] { return calloc_dbg(7, 100, 1, __FILE__, __LINE__); }, free_normal);

  // The runtime's operator new and delete exports count under operator_new.
  const HMODULE msvcrt = GetModuleHandleA("msvcrt.dll");
  const auto runtime_new = export_of<void* (*)(std::size_t)>(msvcrt, "??2@YAPEAX_K@Z");
  const auto runtime_delete = export_of<Free>(msvcrt, "??3@YAXPEAX@Z");
  ASSERT_TRUE(runtime_new && runtime_delete);
  expect_exact_pair(
      48, Source::operator_new, [&] { return runtime_new(48); }, runtime_delete);
}

TEST(WindowsMallocFamily, TheProcessHeapAndAPrivateHeapCountUnderWin32Heap) {
  // The static runtime's path (/MT): memory only from HeapAlloc on GetProcessHeap().
  expect_exact_pair(
      500, Source::win32_heap, [] { return HeapAlloc(GetProcessHeap(), 0, 500); },
      [](void* block) { EXPECT_TRUE(HeapFree(GetProcessHeap(), 0, block)); });
  const HANDLE heap = HeapCreate(0, 0, 0);
  ASSERT_NE(heap, nullptr);
  expect_exact_pair(
      300, Source::win32_heap, [heap] { return HeapAlloc(heap, HEAP_ZERO_MEMORY, 300); },
      [heap](void* block) { EXPECT_TRUE(HeapFree(heap, 0, block)); });
  HeapDestroy(heap);
}

TEST(WindowsMallocFamily, ReallocGrowthCountsAnAllocationAndAFreeEach) {
  alloc_hooks::Window window;
  auto* block = static_cast<char*>(std::malloc(100));
  std::memset(block, 7, 100);
  block = static_cast<char*>(std::realloc(block, 200000));  // likely moves: any way one pair
  ASSERT_NE(block, nullptr);
  EXPECT_EQ(block[99], 7);
  std::free(block);
  const WindowResult result = window.result();
  // malloc 100; realloc: an allocation of 200,000 and a free of 100; free of 200,000.
  EXPECT_EQ(result.allocations, 2u);
  EXPECT_EQ(result.frees, 2u);
  EXPECT_EQ(result.bytes_allocated, 200100u);
  EXPECT_EQ(result.bytes_freed, 200100u);
  // Live bytes: 100, then 100 - 100 + 200,000.
  EXPECT_EQ(result.peak_live_bytes, 200000u);
  EXPECT_EQ(result.live_bytes_delta, 0);

  alloc_hooks::Window aligned_window;
  void* aligned = _aligned_malloc(64, 256);
  aligned = _aligned_realloc(aligned, 70000, 256);
  ASSERT_NE(aligned, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(aligned) % 256, 0u);
  _aligned_free(aligned);
  const WindowResult aligned_result = aligned_window.result();
  // 64, then 70,000 for 64: two allocations, two frees, 70,064 bytes each way.
  EXPECT_EQ(aligned_result.allocations, 2u);
  EXPECT_EQ(aligned_result.frees, 2u);
  EXPECT_EQ(aligned_result.bytes_allocated, 70064u);
  EXPECT_EQ(aligned_result.bytes_freed, 70064u);
  EXPECT_EQ(aligned_result.peak_live_bytes, 70000u);
}

TEST(WindowsMallocFamily, ReallocToZeroFreesAndHeapReAllocGrows) {
  alloc_hooks::Window window;
  void* block = std::malloc(300);
  keep(block);
  EXPECT_EQ(std::realloc(block, 0), nullptr);  // the runtime frees it
  const WindowResult result = window.result();
  // malloc 300, then realloc to 0: one free of 300 and no allocation.
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.frees, 1u);
  EXPECT_EQ(result.bytes_freed, 300u);
  EXPECT_EQ(result.failed_allocations, 0u);

  alloc_hooks::Window heap_window;
  void* heap_block = HeapAlloc(GetProcessHeap(), 0, 100);
  heap_block = HeapReAlloc(GetProcessHeap(), 0, heap_block, 5000);
  ASSERT_NE(heap_block, nullptr);
  EXPECT_TRUE(HeapFree(GetProcessHeap(), 0, heap_block));
  const WindowResult heap_result = heap_window.result();
  // 100, then 5,000 for 100: two allocations and two frees of 5,100 bytes, peak 5,000.
  EXPECT_EQ(from(heap_result, Source::win32_heap).allocations, 2u);
  EXPECT_EQ(from(heap_result, Source::win32_heap).frees, 2u);
  EXPECT_EQ(heap_result.bytes_allocated, 5100u);
  EXPECT_EQ(heap_result.bytes_freed, 5100u);
  EXPECT_EQ(heap_result.peak_live_bytes, 5000u);
  EXPECT_EQ(heap_result.allocations, 2u);  // the heap's own work is not counted again
}

TEST(WindowsMallocFamily, InPlaceResizesKeepTheBlockWhenTheyFail) {
  const HANDLE heap = GetProcessHeap();
  alloc_hooks::Window window;
  void* block = HeapAlloc(heap, 0, 64);
  void* neighbour = HeapAlloc(heap, 0, 64);
  // 64 bytes cannot become 1 MiB where they lie: the call fails and the block stays, counted.
  EXPECT_EQ(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, block, 1 << 20), nullptr);
  EXPECT_EQ(HeapSize(heap, 0, block), 64u);
  // A size of 0 is a block of 0 bytes, not a free: 64 freed, 0 allocated.
  void* empty = HeapReAlloc(heap, 0, neighbour, 0);
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(HeapFree(heap, 0, block));
  EXPECT_TRUE(HeapFree(heap, 0, empty));
  // _expand shrinks where the block lies: an allocation of 100 and a free of 1,000.
  void* shrunk = std::malloc(1000);
  EXPECT_EQ(_expand(shrunk, 100), shrunk);
  std::free(shrunk);
  const WindowResult result = window.result();
  // 64 + 64 + 0 (the empty block) + 1,000 + 100 allocated; the same freed; one failed resize.
  EXPECT_EQ(result.allocations, 5u);
  EXPECT_EQ(result.frees, 5u);
  EXPECT_EQ(result.bytes_allocated, 1228u);
  EXPECT_EQ(result.bytes_freed, 1228u);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(result.failed_allocations, 1u);
}

TEST(WindowsMallocFamily, BlocksFromBeforeTheHooksAreFreedUncounted) {
  static bool freed_already = false;  // by an earlier repetition (--gtest_repeat)
  if (freed_already) GTEST_SKIP() << "the blocks from before the hooks are freed once";
  freed_already = true;
  ASSERT_NE(block_from_before, nullptr);
  ASSERT_NE(heap_block_from_before, nullptr);
  alloc_hooks::Window window;
  std::free(block_from_before);
  EXPECT_TRUE(HeapFree(GetProcessHeap(), 0, heap_block_from_before));
  block_from_before = heap_block_from_before = nullptr;
  const WindowResult result = window.result();
  // Neither block was counted when made, so neither free is.
  EXPECT_EQ(result.frees, 0u);
  EXPECT_EQ(result.bytes_freed, 0u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

TEST(WindowsMallocFamily, ADllLoadedLaterAndGetProcAddressAreCounted) {
  const HMODULE library = LoadLibraryA(ALLOCATING_LIBRARY);
  ASSERT_NE(library, nullptr) << ALLOCATING_LIBRARY;
  using Allocate = void* (*)(std::size_t);
  using Free = void (*)(void*);
  using HeapFreeFunction = int (*)(void*);
  const auto library_malloc = export_of<Allocate>(library, "library_malloc");
  const auto library_free = export_of<Free>(library, "library_free");
  const auto library_heap_alloc = export_of<Allocate>(library, "library_heap_alloc");
  const auto library_heap_free = export_of<HeapFreeFunction>(library, "library_heap_free");
  ASSERT_TRUE(library_malloc && library_free && library_heap_alloc && library_heap_free);
  expect_exact_pair(
      2000, Source::malloc, [&] { return library_malloc(2000); }, library_free);
  expect_exact_pair(
      3000, Source::win32_heap, [&] { return library_heap_alloc(3000); },
      [&](void* block) { EXPECT_TRUE(library_heap_free(block)); });

  // A runtime's malloc found by name is the counting one.
  const HMODULE runtime = GetModuleHandleA("msvcrt.dll");
  ASSERT_NE(runtime, nullptr);
  const auto found_malloc = export_of<Allocate>(runtime, "malloc");
  const auto found_free = export_of<Free>(runtime, "free");
  expect_exact_pair(
      4000, Source::malloc, [&] { return found_malloc(4000); }, found_free);
  FreeLibrary(library);
}

TEST(WindowsMallocFamily, EightThreadsCountExactly) {
  constexpr int kThreads = 8, kPairs = 1000;
  std::atomic<bool> go{false};
  std::atomic<int> running{0}, finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&go, &running, &finished] {
      running.fetch_add(1);
      while (!go.load()) SwitchToThread();
      for (int i = 0; i < kPairs; ++i) {
        void* block = std::malloc(64);
        keep(block);
        std::free(block);
      }
      finished.fetch_add(1);
      while (go.load()) SwitchToThread();  // no exit (and its frees) inside the window
    });
  }
  // A thread's start (the runtime's per-thread data, made with malloc and HeapAlloc) is over
  // before the window opens.
  while (running.load() != kThreads) SwitchToThread();
  alloc_hooks::Window window;
  go.store(true);
  while (finished.load() != kThreads) SwitchToThread();
  const WindowResult result = window.result();
  go.store(false);
  for (std::thread& thread : threads) thread.join();
  // 8 threads x 1,000 pairs of 64 bytes: 8,000 of each, 512,000 bytes each way.
  EXPECT_EQ(from(result, Source::malloc).allocations, 8000u);
  EXPECT_EQ(from(result, Source::malloc).frees, 8000u);
  EXPECT_EQ(from(result, Source::malloc).bytes_allocated, 512000u);
  EXPECT_EQ(from(result, Source::malloc).bytes_freed, 512000u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

TEST(WindowsMallocFamily, TheRuntimesSizesAreUnchanged) {
  // The runtime and the heap report the size asked for (_msize is HeapSize of the block); the
  // hooks pass each call through as made, so both still do.
  for (std::size_t size = 1; size <= 70000; size += (size < 4096 ? 1 : 997)) {
    void* block = std::malloc(size);
    ASSERT_EQ(_msize(block), size);
    std::free(block);
    void* heap_block = HeapAlloc(GetProcessHeap(), 0, size);
    ASSERT_EQ(HeapSize(GetProcessHeap(), 0, heap_block), size);
    HeapFree(GetProcessHeap(), 0, heap_block);
  }
}

}  // namespace
