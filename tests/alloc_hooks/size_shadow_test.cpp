// The size shadow on its own: the one-byte slack, the uncounted mark, and a size that follows in
// the next shadow bytes, also where those cross from one 64 MiB mapping into the next.
#include <gtest/gtest.h>

#include <cstdint>

#include "size_shadow.hpp"

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

TEST(SizeShadow, ASizeThatFollowsMayCrossIntoTheNextMapping) {
  for (std::uintptr_t from_end = 8; from_end <= 96; from_end += 8) {
    const void* block = at(kBase + 3 * kChunk - from_end);
    const std::uint64_t requested = (std::uint64_t{1} << 40) + from_end;  // every byte counts
    shadow::record(block, requested + 1000, requested);
    EXPECT_EQ(shadow::read(block, requested + 1000).requested, requested) << from_end;
  }
}

}  // namespace
