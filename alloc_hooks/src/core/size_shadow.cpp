// Slow paths of the size shadow (size_shadow.hpp): mapping a chunk's shadow, and the sizes whose
// slack does not fit in one byte.
#include "core/size_shadow.hpp"

#include <cstring>

#include "core/platform/platform.hpp"

namespace alloc_hooks::detail::size_shadow {

// Zero-initialised, so only the pages of the address space the heap uses are ever backed.
constinit std::atomic<std::uint8_t*> chunks[kChunkCount]{};

std::uint8_t* create_chunk(std::uintptr_t address) {
  if ((address >> kAddressBits) != 0) {
    platform::fail_fast("a heap block lies above the 48-bit address space the size shadow covers",
                        2);
  }
  std::atomic<std::uint8_t*>& slot = chunks[address >> kChunkShift];
  auto* created = static_cast<std::uint8_t*>(platform::map_lazy_zeroed_pages(kChunkShadowBytes));
  if (created == nullptr) platform::fail_fast("cannot map the size shadow (out of memory)", 2);
  std::uint8_t* existing = nullptr;
  if (slot.compare_exchange_strong(existing, created, std::memory_order_acq_rel)) return created;
  platform::unmap_pages(created, kChunkShadowBytes);  // another thread mapped it first
  return existing;
}

namespace {

// The 8 shadow bytes after the block's own, when they lie in the same mapping (all but the last
// 8 granules of each 64 MiB), else nullptr.
std::uint8_t* bytes_after(const void* block) {
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  const std::uintptr_t granule =
      (address & ((std::uintptr_t{1} << kChunkShift) - 1)) >> kGranuleShift;
  if (granule + 1 + sizeof(std::uint64_t) > kChunkShadowBytes) return nullptr;
  return &shadow_byte(block) + 1;
}

std::uint8_t& byte_after(const void* block, unsigned index) {
  return shadow_byte(static_cast<const unsigned char*>(block) +
                     (std::size_t{index + 1} << kGranuleShift));
}

}  // namespace

void write_size_after(const void* block, std::uint64_t requested) {
  if (std::uint8_t* bytes = bytes_after(block)) {
    std::memcpy(bytes, &requested, sizeof requested);
    return;
  }
  unsigned char copy[sizeof requested];  // across two mappings: byte by byte
  std::memcpy(copy, &requested, sizeof requested);
  for (unsigned i = 0; i < sizeof requested; ++i) byte_after(block, i) = copy[i];
}

std::uint64_t read_size_after(const void* block) {
  std::uint64_t requested = 0;
  if (const std::uint8_t* bytes = bytes_after(block)) {
    std::memcpy(&requested, bytes, sizeof requested);
    return requested;
  }
  unsigned char copy[sizeof requested];
  for (unsigned i = 0; i < sizeof requested; ++i) copy[i] = byte_after(block, i);
  std::memcpy(&requested, copy, sizeof requested);
  return requested;
}

}  // namespace alloc_hooks::detail::size_shadow
