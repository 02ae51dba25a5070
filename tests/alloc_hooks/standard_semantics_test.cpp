// The standard's contract for the replaced forms: new_handler, nothrow, size 0, impossible sizes,
// deleting nullptr.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"

namespace {

using test_support::keep;

constexpr std::size_t kImpossible = SIZE_MAX / 2;

TEST(StandardSemantics, ZeroSizeGivesUniqueNonNullPointers) {
  alloc_hooks::Window window;
  void* first = ::operator new(0);
  void* second = ::operator new(0);
  keep(first);
  keep(second);
  const bool distinct = first != second;
  ::operator delete(first);
  ::operator delete(second);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_NE(first, nullptr);
  EXPECT_TRUE(distinct);
  EXPECT_EQ(result.allocations, 2u);
  EXPECT_EQ(result.bytes_allocated, 0u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

TEST(StandardSemantics, ImpossibleSizeThrowsBadAllocCountsFailureAndLeaksNothing) {
  alloc_hooks::Window window;
  bool threw = false;
  try {
    keep(::operator new(kImpossible));
  } catch (const std::bad_alloc&) {
    threw = true;
  }
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_TRUE(threw);
  EXPECT_EQ(result.failed_allocations, 1u);
  EXPECT_EQ(result.allocations, 0u);
  EXPECT_EQ(result.live_bytes_delta, 0);
  EXPECT_EQ(result.peak_live_bytes, 0u);
}

TEST(StandardSemantics, ImpossibleAlignedSizeThrowsBadAlloc) {
  alloc_hooks::Window window;
  EXPECT_THROW(keep(::operator new[](kImpossible, std::align_val_t{64})), std::bad_alloc);
  EXPECT_EQ(window.result().failed_allocations, 1u);
}

TEST(StandardSemantics, NothrowFormsReturnNullWithoutThrowing) {
  alloc_hooks::Window window;
  void* plain = ::operator new(kImpossible, std::nothrow);
  void* array = ::operator new[](kImpossible, std::nothrow);
  void* aligned = ::operator new (kImpossible, std::align_val_t{128}, std::nothrow);
  void* aligned_array = ::operator new[](kImpossible, std::align_val_t{128}, std::nothrow);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(plain, nullptr);
  EXPECT_EQ(array, nullptr);
  EXPECT_EQ(aligned, nullptr);
  EXPECT_EQ(aligned_array, nullptr);
  EXPECT_EQ(result.failed_allocations, 4u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

// A handler that releases a reserve once, then uninstalls itself.
int handler_calls = 0;
void release_reserve_once() {
  ++handler_calls;
  alloc_hooks::set_live_bytes_limit(0);
  std::set_new_handler(nullptr);
}

TEST(StandardSemantics, NewHandlerIsCalledAndItsReleaseLetsTheRetrySucceed) {
  // The live-bytes limit stands in for exhausted memory; the handler lifts it.
  handler_calls = 0;
  const auto live = static_cast<std::uint64_t>(alloc_hooks::read_counters().live_bytes);
  alloc_hooks::set_live_bytes_limit(live + 100);
  std::set_new_handler(release_reserve_once);
  alloc_hooks::Window window;
  void* block = ::operator new(1000);
  keep(block);
  ::operator delete(block);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(handler_calls, 1);
  EXPECT_NE(block, nullptr);
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.failed_allocations, 0u);
}

void always_throw() {
  throw std::bad_alloc();
}

TEST(StandardSemantics, NothrowFormReturnsNullWhenTheHandlerThrows) {
  std::set_new_handler(always_throw);
  void* block = ::operator new(kImpossible, std::nothrow);
  std::set_new_handler(nullptr);
  EXPECT_EQ(block, nullptr);
}

// A failure that ends in the handler's bad_alloc is a failed allocation like any other: each
// form counts exactly one, refused by the backend (not the limit).
TEST(StandardSemantics, FailureEndingInTheHandlersBadAllocIsCountedOnce) {
  const alloc_hooks::BudgetReport before = alloc_hooks::budget_report();
  std::set_new_handler(always_throw);
  alloc_hooks::Window window;
  EXPECT_THROW(keep(::operator new(kImpossible)), std::bad_alloc);
  void* nothrow = ::operator new(kImpossible, std::nothrow);
  void* aligned_nothrow = ::operator new[](kImpossible, std::align_val_t{64}, std::nothrow);
  const alloc_hooks::WindowResult result = window.result();
  std::set_new_handler(nullptr);
  EXPECT_EQ(nothrow, nullptr);
  EXPECT_EQ(aligned_nothrow, nullptr);
  EXPECT_EQ(result.failed_allocations, 3u);
  EXPECT_EQ(result.allocations, 0u);
  EXPECT_EQ(alloc_hooks::budget_report().limit_refusals, before.limit_refusals);
}

// The handler's own exception type is passed on unchanged, and the failure is still counted.
TEST(StandardSemantics, OtherExceptionsFromTheHandlerPassThroughAndAreCounted) {
  std::set_new_handler([] { throw 42; });
  alloc_hooks::Window window;
  int caught = 0;
  try {
    keep(::operator new(kImpossible));
  } catch (int value) {
    caught = value;
  }
  const alloc_hooks::WindowResult result = window.result();
  std::set_new_handler(nullptr);
  EXPECT_EQ(caught, 42);
  EXPECT_EQ(result.failed_allocations, 1u);
}

TEST(StandardSemantics, DeletingNullIsANoOp) {
  alloc_hooks::Window window;
  ::operator delete(nullptr);
  ::operator delete[](nullptr);
  ::operator delete (nullptr, std::size_t{8});
  ::operator delete (nullptr, std::align_val_t{64});
  ::operator delete[](nullptr, std::size_t{8}, std::align_val_t{64});
  ::operator delete(nullptr, std::nothrow);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.frees, 0u);
  EXPECT_EQ(result.live_bytes_delta, 0);
}

}  // namespace
