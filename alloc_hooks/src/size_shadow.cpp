// Slow paths of the size shadow (size_shadow.hpp): mapping a chunk's shadow, and the sizes whose
// slack does not fit in one byte.
#include "size_shadow.hpp"

#include "platform/platform.hpp"

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

void write_size_after(const void* block, std::uint64_t requested) {
  const auto* granule = static_cast<const unsigned char*>(block);
  for (unsigned i = 0; i < sizeof requested; ++i) {
    granule += std::size_t{1} << kGranuleShift;
    shadow_byte(granule) = static_cast<std::uint8_t>(requested >> (8 * i));
  }
}

std::uint64_t read_size_after(const void* block) {
  const auto* granule = static_cast<const unsigned char*>(block);
  std::uint64_t requested = 0;
  for (unsigned i = 0; i < sizeof requested; ++i) {
    granule += std::size_t{1} << kGranuleShift;
    requested |= std::uint64_t{shadow_byte(granule)} << (8 * i);
  }
  return requested;
}

}  // namespace alloc_hooks::detail::size_shadow
