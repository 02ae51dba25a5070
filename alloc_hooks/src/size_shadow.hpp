// The requested size of every counted block, kept beside the heap rather than in it, so that the
// hooks ask the backend for exactly what the program asked for (its size classes, slack and
// latencies stay the program's own) and still know the requested size at an unsized delete or
// free.
//
// One shadow byte per 8-byte granule of address space, at the granule where a block starts:
//   0..252   the block's usable size minus its requested size (the usual case: one byte);
//   253      the block is sampled: its requested size is in the sampled-block table
//            (sampler.hpp), which a free must visit anyway;
//   254      the block is not counted (handed out while the thread was inside the hooks);
//   255      the slack does not fit: the requested size is in the next 8 shadow bytes. Those
//            belong to granules inside the same block (its usable size is then at least 254
//            bytes), which no other block can start in.
// The shadow of 64 MiB of address space is one 8 MiB mapping, made on first use and never
// unmapped; the operating system backs only the pages written, at most one byte per 8 bytes of
// heap (docs/alloc_hooks.md). Nothing is written into the program's blocks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace alloc_hooks::detail::size_shadow {

inline constexpr unsigned kGranuleShift = 3;
inline constexpr unsigned kChunkShift = 26;   // 64 MiB of address space per mapping
inline constexpr unsigned kAddressBits = 48;  // user space on x86-64 and AArch64
inline constexpr std::size_t kChunkCount = std::size_t{1} << (kAddressBits - kChunkShift);
inline constexpr std::size_t kChunkShadowBytes = std::size_t{1} << (kChunkShift - kGranuleShift);
inline constexpr std::uint8_t kLargestInlineSlack = 252;
inline constexpr std::uint8_t kSampled = 253;
inline constexpr std::uint8_t kUncounted = 254;
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
    shadow_byte(block) = static_cast<std::uint8_t>(slack);
  } else {
    shadow_byte(block) = kSizeFollows;
    write_size_after(block, requested);
  }
}

inline void record_uncounted(const void* block) {
  shadow_byte(block) = kUncounted;
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
  if (value <= kLargestInlineSlack) [[likely]]
    return {true, false, usable - value};
  if (value == kUncounted) return {false, false, 0};
  if (value == kSampled) return {true, true, 0};
  return {true, false, read_size_after(block)};
}

}  // namespace alloc_hooks::detail::size_shadow
