// The size shadow on its own: the one-byte slack, the uncounted mark, a size that follows in the
// next shadow bytes (also where those cross from one 64 MiB mapping into the next), and a forgotten
// block's shadow reading as no counted block, its following bytes included.
#include <gtest/gtest.h>

#include <cstdint>

#include "core/size_shadow.hpp"

namespace {

namespace shadow = alloc_hooks::detail::size_shadow;

// Addresses of no real block: the shadow only maps its own pages for them.
const void* at(std::uintptr_t address) {
  return reinterpret_cast<const void*>(address);
}
constexpr std::uintptr_t kChunk = std::uintptr_t{1} << shadow::kChunkShift;
constexpr std::uintptr_t kBase = std::uintptr_t{0x5a} << 36;  // a 64 MiB boundary

TEST(SizeShadow, KeepsEachWayOfRecordingASize) {
  shadow::record(at(kBase + 64), 48, 40);  // slack 8: one byte
  EXPECT_TRUE(shadow::read(at(kBase + 64), 48).counted);
  EXPECT_EQ(shadow::read(at(kBase + 64), 48).requested, 40u);

  shadow::record(at(kBase + 4096), 4096 + 252, 4096);  // the largest slack of one byte
  EXPECT_EQ(shadow::read(at(kBase + 4096), 4096 + 252).requested, 4096u);

  shadow::record(at(kBase + 8192), 5120, 4097);  // slack 1023: the size follows
  EXPECT_EQ(shadow::read(at(kBase + 8192), 5120).requested, 4097u);

  shadow::record_uncounted(at(kBase + 16384));
  EXPECT_FALSE(shadow::read(at(kBase + 16384), 100).counted);
}

TEST(SizeShadow, AnAddressNeverRecordedOrForgottenIsNotCounted) {
  EXPECT_FALSE(shadow::read(at(kBase + kChunk + 64), 48).counted);  // never recorded

  shadow::record(at(kBase + 128), 64, 64);  // slack 0 is counted, not the empty mark
  EXPECT_TRUE(shadow::read(at(kBase + 128), 64).counted);
  EXPECT_EQ(shadow::read(at(kBase + 128), 64).requested, 64u);
  shadow::forget(at(kBase + 128));
  EXPECT_FALSE(shadow::read(at(kBase + 128), 64).counted);

  // A size that follows lies in the shadow of granules inside the block, where blocks start once
  // it is freed: those read as not counted again.
  const std::uintptr_t large = kBase + 32768;
  shadow::record(at(large), 8192, 4000);
  ASSERT_EQ(shadow::read(at(large), 8192).requested, 4000u);
  shadow::forget(at(large));
  EXPECT_FALSE(shadow::read(at(large), 8192).counted);
  for (std::uintptr_t granule = 1; granule <= 8; ++granule)
    EXPECT_FALSE(shadow::read(at(large + 8 * granule), 16).counted) << granule;
}

TEST(SizeShadow, ASizeThatFollowsMayCrossIntoTheNextMapping) {
  for (std::uintptr_t from_end = 8; from_end <= 96; from_end += 8) {
    const void* block = at(kBase + 3 * kChunk - from_end);
    const std::uint64_t requested = (std::uint64_t{1} << 40) + from_end;  // every byte counts
    shadow::record(block, requested + 1000, requested);
    EXPECT_EQ(shadow::read(block, requested + 1000).requested, requested) << from_end;
  }
}

}  // namespace
