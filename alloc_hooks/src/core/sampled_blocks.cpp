// The sampled-block table (sampled_blocks.hpp).
#include "core/sampled_blocks.hpp"

#include <atomic>

#include "core/platform/platform.hpp"

namespace alloc_hooks::detail::sampled_blocks {

namespace {

constexpr unsigned kLevels = 14;  // 4 Ki to 32 Mi slots: 64 Mi blocks in all
constexpr std::size_t kFirstLevelSlots = std::size_t{1} << 12;
constexpr std::size_t kProbes = 32;  // a block sits this close to its home slot, or elsewhere
constexpr std::uintptr_t kEmpty = 0;
constexpr std::uintptr_t kTombstone = 1;  // no block starts at address 1

struct Slot {
  std::atomic<std::uintptr_t> address;
  std::atomic<std::uint64_t> requested;
  std::atomic<std::int64_t> weight;
  std::atomic<std::uint32_t> stack_id;
};

struct Level {
  std::atomic<Slot*> slots;
  std::atomic<std::size_t> live;
};
Level levels[kLevels];

constexpr std::size_t slots_in(unsigned level) {
  return kFirstLevelSlots << level;
}

// The level's slots, mapped on first use (or taken from the thread that mapped them first).
Slot* slots_of(unsigned level) noexcept {
  Slot* slots = levels[level].slots.load(std::memory_order_acquire);
  if (slots != nullptr) [[likely]]
    return slots;
  const std::size_t bytes = slots_in(level) * sizeof(Slot);
  auto* mapped = static_cast<Slot*>(platform::map_lazy_zeroed_pages(bytes));
  if (mapped == nullptr) return nullptr;
  if (levels[level].slots.compare_exchange_strong(slots, mapped, std::memory_order_acq_rel))
    return mapped;
  platform::unmap_pages(mapped, bytes);
  return slots;
}

std::size_t home_slot(std::uintptr_t address, unsigned level) noexcept {
  address ^= address >> 17;
  address *= 0xed5ad4bbU;
  address ^= address >> 11;
  return address & (slots_in(level) - 1);
}

// The block's slot and its level, or nullptr.
Slot* slot_of(const void* block, unsigned& level) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  for (level = 0; level < kLevels; ++level) {
    Slot* slots = levels[level].slots.load(std::memory_order_acquire);
    if (slots == nullptr) break;  // levels are made in order
    const std::size_t mask = slots_in(level) - 1;
    for (std::size_t probe = 0, slot = home_slot(address, level); probe < kProbes;
         ++probe, slot = (slot + 1) & mask) {
      const std::uintptr_t found = slots[slot].address.load(std::memory_order_acquire);
      if (found == address) return &slots[slot];
      if (found == kEmpty) break;  // slots never go back to empty: it is not in this level
    }
  }
  return nullptr;
}

Record record_of(const Slot& slot) noexcept {
  return {slot.requested.load(std::memory_order_relaxed),
          slot.stack_id.load(std::memory_order_relaxed),
          slot.weight.load(std::memory_order_relaxed)};
}

}  // namespace

// The slot is claimed first, then filled: only this thread holds the block until its allocation
// returns, so no one looks its fields up before they are written.
bool insert(const void* block, const Record& record) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(block);
  for (unsigned level = 0; level < kLevels; ++level) {
    if (levels[level].live.load(std::memory_order_relaxed) >= slots_in(level) / 2) continue;
    Slot* slots = slots_of(level);
    if (slots == nullptr) return false;
    const std::size_t mask = slots_in(level) - 1;
    for (std::size_t probe = 0, slot = home_slot(address, level); probe < kProbes;
         ++probe, slot = (slot + 1) & mask) {
      std::uintptr_t found = slots[slot].address.load(std::memory_order_relaxed);
      if (found != kEmpty && found != kTombstone) continue;
      if (!slots[slot].address.compare_exchange_strong(found, address, std::memory_order_acq_rel))
        continue;
      slots[slot].requested.store(record.requested, std::memory_order_relaxed);
      slots[slot].weight.store(record.weight, std::memory_order_relaxed);
      slots[slot].stack_id.store(record.stack_id, std::memory_order_relaxed);
      levels[level].live.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void prepare() noexcept {
  // Level 0 (128 KiB) made resident at start-up: the pages a sample touches at random never show
  // as the program's RSS growth while few sampled blocks are live.
  Slot* slots = slots_of(0);
  if (slots == nullptr) platform::fail_fast("cannot map the sampled-block table", 2);
  platform::make_resident(slots, slots_in(0) * sizeof(Slot));
}

Record find(const void* block) noexcept {
  unsigned level = 0;
  const Slot* slot = slot_of(block, level);
  return slot != nullptr ? record_of(*slot) : Record{0, 0, 0};
}

Record remove(const void* block) noexcept {
  unsigned level = 0;
  Slot* slot = slot_of(block, level);
  if (slot == nullptr) return {0, 0, 0};
  const Record record = record_of(*slot);
  slot->address.store(kTombstone, std::memory_order_release);
  levels[level].live.fetch_sub(1, std::memory_order_relaxed);
  return record;
}

}  // namespace alloc_hooks::detail::sampled_blocks
