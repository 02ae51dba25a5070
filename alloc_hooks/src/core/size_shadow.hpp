// The requested size of every counted block, kept beside the heap rather than in it, so that the
// hooks ask the backend for exactly what the program asked for (its size classes, slack and
// latencies stay the program's own) and still know the requested size at an unsized delete or
// free.
//
// One shadow byte per 8-byte granule of address space, at the granule where a block starts:
//   0        no counted block starts here: never recorded, handed out while the thread was
//            inside the hooks, or freed. A block the hooks never saw (made before they were
//            installed, or by a runtime's internal call they cannot see: Windows) reads so, and
//            its free is not counted;
//   1..253   a counted block: its usable size minus its requested size, plus one (the usual
//            case: one byte);
//   254      a counted block that is sampled: its requested size is in the sampled-block table
//            (sampler.hpp), which a free must visit anyway;
//   255      a counted block whose slack does not fit: the requested size is in the next 8
//            shadow bytes. Those belong to granules inside the same block (its usable size is
//            then at least 253 bytes), which no other block can start in while it lives.
// A counted block's shadow is cleared (forget) before it goes back to its allocator, so the
// shadow outside live counted blocks reads 0.
// The shadow of 64 MiB of address space is one 8 MiB mapping, made on first use and never
// unmapped; the operating system backs only the pages written, at most one byte per 8 bytes of
// heap (docs/alloc_hooks.md). Nothing is written into the program's blocks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail::size_shadow {

inline constexpr unsigned kGranuleShift = 3;
inline constexpr unsigned kChunkShift = 26;   // 64 MiB of address space per mapping
inline constexpr unsigned kAddressBits = 48;  // user space on x86-64 and AArch64
inline constexpr std::size_t kChunkCount = std::size_t{1} << (kAddressBits - kChunkShift);
inline constexpr std::size_t kChunkShadowBytes = std::size_t{1} << (kChunkShift - kGranuleShift);
inline constexpr std::uint8_t kNotCounted = 0;
inline constexpr std::uint8_t kLargestInlineSlack = 252;
inline constexpr std::uint8_t kSampled = 254;
inline constexpr std::uint8_t kSizeFollows = 255;

extern std::atomic<std::uint8_t*> chunks[kChunkCount];
// Maps the shadow of chunk `index` (or takes the one another thread mapped first).
std::uint8_t* create_chunk(std::uintptr_t address);
// The slow paths of write and read: the requested size in the 8 shadow bytes after the block's.
void write_size_after(const void* block, std::uint64_t requested);
std::uint64_t read_size_after(const void* block);

inline std::uint8_t& shadow_byte(const void* block) {
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  std::uint8_t* chunk = (address >> kAddressBits) == 0
                            ? chunks[address >> kChunkShift].load(std::memory_order_acquire)
                            : nullptr;
  if (chunk == nullptr) [[unlikely]]
    chunk = create_chunk(address);
  return chunk[(address & ((std::uintptr_t{1} << kChunkShift) - 1)) >> kGranuleShift];
}

// Records a counted block's requested size.
inline void record(const void* block, std::size_t usable, std::size_t requested) {
  const std::size_t slack = usable - requested;
  if (slack <= kLargestInlineSlack) [[likely]] {
    shadow_byte(block) = static_cast<std::uint8_t>(slack + 1);
  } else {
    shadow_byte(block) = kSizeFollows;
    write_size_after(block, requested);
  }
}

inline void record_uncounted(const void* block) {
  shadow_byte(block) = kNotCounted;
}

// Clears a counted block's shadow, before the block goes back to its allocator (after that,
// another thread may be handed the same address and record it).
inline void forget(const void* block) {
  std::uint8_t& value = shadow_byte(block);
  if (value == kSizeFollows) [[unlikely]]
    write_size_after(block, 0);
  value = kNotCounted;
}

// The block's requested size, or nothing when it is not counted (`counted` false). A sampled
// block's requested size is the sampler's (sampler::forget and requested_size return it).
struct Recorded {
  bool counted;
  bool sampled;
  std::size_t requested;
};
inline Recorded read(const void* block, std::size_t usable) {
  const std::uint8_t value = shadow_byte(block);
  if (value - 1u <= kLargestInlineSlack) [[likely]]  // 1..253 (0 wraps around to the top)
    return {true, false, usable - (value - 1u)};
  if (value == kNotCounted) return {false, false, 0};
  if (value == kSampled) return {true, true, 0};
  return {true, false, read_size_after(block)};
}

}  // namespace alloc_hooks::detail::size_shadow
ALLOC_HOOKS_INTERNAL_END
