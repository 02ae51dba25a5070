// Each of the 20 replaceable forms: counted once, exact bytes, alignment honoured, freed by its
// matching delete form.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/exact_pair.hpp"
#include "support/observe.hpp"

namespace {

using test_support::keep;

constexpr std::size_t kSize = 1000;
constexpr std::align_val_t kAlign{256};

bool aligned_to(const void* pointer, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(pointer) % alignment == 0;
}

// Allocates with `allocate`, frees with `release`, and checks the window saw exactly that.
template <typename Allocate, typename Release>
void expect_one_exact_pair(Allocate allocate, Release release, std::size_t alignment) {
  alloc_hooks::Window window;
  void* block = allocate();
  keep(block);
  const bool is_aligned = aligned_to(block, alignment);
  release(block);
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_NE(block, nullptr);
  EXPECT_TRUE(is_aligned);
  test_support::expect_one_pair(result, kSize, alloc_hooks::Source::operator_new);
  EXPECT_GE(result.reserved_bytes_allocated, kSize);
  EXPECT_EQ(result.live_reserved_bytes_delta, 0);
}

const auto plain_new = [] { return ::operator new(kSize); };
const auto array_new = [] { return ::operator new[](kSize); };
const auto aligned_new = [] { return ::operator new(kSize, kAlign); };
const auto aligned_array_new = [] { return ::operator new[](kSize, kAlign); };
constexpr std::size_t kDefault = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
constexpr std::size_t kAligned = static_cast<std::size_t>(kAlign);

TEST(ReplaceNewDelete, NewWithDelete) {
  expect_one_exact_pair(
      plain_new, [](void* p) { ::operator delete(p); }, kDefault);
}
TEST(ReplaceNewDelete, NewWithSizedDelete) {
  expect_one_exact_pair(
      plain_new, [](void* p) { ::operator delete(p, kSize); }, kDefault);
}
TEST(ReplaceNewDelete, ArrayNewWithArrayDelete) {
  expect_one_exact_pair(
      array_new, [](void* p) { ::operator delete[](p); }, kDefault);
}
TEST(ReplaceNewDelete, ArrayNewWithSizedArrayDelete) {
  expect_one_exact_pair(
      array_new, [](void* p) { ::operator delete[](p, kSize); }, kDefault);
}
TEST(ReplaceNewDelete, NothrowNewWithNothrowDelete) {
  expect_one_exact_pair([] { return ::operator new(kSize, std::nothrow); },
                        [](void* p) { ::operator delete(p, std::nothrow); }, kDefault);
}
TEST(ReplaceNewDelete, NothrowArrayNewWithNothrowArrayDelete) {
  expect_one_exact_pair([] { return ::operator new[](kSize, std::nothrow); },
                        [](void* p) { ::operator delete[](p, std::nothrow); }, kDefault);
}
TEST(ReplaceNewDelete, AlignedNewWithAlignedDelete) {
  expect_one_exact_pair(
      aligned_new, [](void* p) { ::operator delete(p, kAlign); }, kAligned);
}
TEST(ReplaceNewDelete, AlignedNewWithSizedAlignedDelete) {
  expect_one_exact_pair(
      aligned_new, [](void* p) { ::operator delete(p, kSize, kAlign); }, kAligned);
}
TEST(ReplaceNewDelete, AlignedArrayNewWithAlignedArrayDelete) {
  expect_one_exact_pair(
      aligned_array_new, [](void* p) { ::operator delete[](p, kAlign); }, kAligned);
}
TEST(ReplaceNewDelete, AlignedArrayNewWithSizedAlignedArrayDelete) {
  expect_one_exact_pair(
      aligned_array_new, [](void* p) { ::operator delete[](p, kSize, kAlign); }, kAligned);
}
TEST(ReplaceNewDelete, AlignedNothrowNewWithAlignedNothrowDelete) {
  expect_one_exact_pair([] { return ::operator new(kSize, kAlign, std::nothrow); },
                        [](void* p) { ::operator delete(p, kAlign, std::nothrow); }, kAligned);
}
TEST(ReplaceNewDelete, AlignedNothrowArrayNewWithAlignedNothrowArrayDelete) {
  expect_one_exact_pair([] { return ::operator new[](kSize, kAlign, std::nothrow); },
                        [](void* p) { ::operator delete[](p, kAlign, std::nothrow); }, kAligned);
}

// Expressions, as a compiler emits them: unsized delete[] for a trivially destructible array,
// sized delete for a class, aligned new for an over-aligned type.
struct alignas(128) OverAligned {
  char payload[kSize];  // sizeof is kSize rounded up to the alignment: 1024
};

TEST(ReplaceNewDelete, ArrayExpressionOfFloatsFreesExactBytes) {
  alloc_hooks::Window window;
  float* floats = new float[250];
  keep(floats);
  delete[] floats;
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.bytes_allocated, 1000u);
  EXPECT_EQ(result.bytes_freed, 1000u);
}

TEST(ReplaceNewDelete, OverAlignedExpressionUsesAlignedForms) {
  alloc_hooks::Window window;
  auto* object = new OverAligned;
  keep(object);
  const bool is_aligned = aligned_to(object, alignof(OverAligned));
  delete object;
  const alloc_hooks::WindowResult result = window.result();
  EXPECT_TRUE(is_aligned);
  EXPECT_EQ(result.allocations, 1u);
  EXPECT_EQ(result.bytes_allocated, sizeof(OverAligned));
  EXPECT_EQ(result.bytes_freed, sizeof(OverAligned));
}

// Unsized delete of aligned blocks must subtract the exact size for every alignment up to 64 KiB.
TEST(ReplaceNewDelete, AlignmentsFrom16To64KiBAreHonouredAndFreedExactly) {
  for (std::size_t alignment = 16; alignment <= 65536; alignment *= 2) {
    for (const std::size_t size : {std::size_t{1}, std::size_t{24}, alignment, alignment * 3 + 5}) {
      alloc_hooks::Window window;
      void* block = ::operator new (size, std::align_val_t{alignment});
      keep(block);
      const bool is_aligned = aligned_to(block, alignment);
      ::operator delete (block, std::align_val_t{alignment});
      const alloc_hooks::WindowResult result = window.result();
      EXPECT_TRUE(is_aligned) << alignment;
      EXPECT_EQ(result.bytes_allocated, size) << alignment;
      EXPECT_EQ(result.bytes_freed, size) << alignment;
      EXPECT_EQ(result.live_bytes_delta, 0) << alignment;
    }
  }
}

}  // namespace
