// The stack store: records appended by an atomic index, frames appended to one array, and an
// open-addressing index from a stack's hash to its record. Insertion claims a record, writes it,
// then publishes it in the index with one compare-and-swap; a reader follows only published
// entries, so it never sees a record half written. All of it lives in pages mapped on first use
// and kept for the life of the process.
#include "core/stack_table.hpp"

#include <cstring>

#include "core/platform/platform.hpp"

namespace alloc_hooks::detail::stack_table {

namespace {

constexpr std::uint32_t kCapacity = std::uint32_t{1} << 20;  // stacks
// The index is touched at random: made resident at start-up (1 MiB), so that the pages a new stack
// touches never show as the program's RSS growth. Probing ends at a full index (no room).
constexpr std::size_t kIndexSize = std::size_t{1} << 18;
constexpr std::size_t kFrameCapacity = std::size_t{1} << 24;  // frames of all stacks together

struct Record {
  std::atomic<std::uint64_t> hash;
  std::atomic<std::uint32_t> first_frame;
  std::atomic<std::uint32_t> depth;
  SiteCounters figures;
};

struct Store {
  Record records[kCapacity];
  std::atomic<std::uint32_t> index[kIndexSize];  // record id + 1; 0 is empty
  void* frames[kFrameCapacity];
};

std::atomic<Store*> store{nullptr};
std::atomic<std::uint32_t> records_used{1};  // record 0 is kNoRoom's
std::atomic<std::size_t> frames_used{0};

Store& the_store() noexcept {
  Store* current = store.load(std::memory_order_acquire);
  if (current != nullptr) [[likely]]
    return *current;
  auto* mapped = static_cast<Store*>(platform::map_lazy_zeroed_pages(sizeof(Store)));
  if (mapped == nullptr) platform::fail_fast("cannot map the stack table", 2);
  if (store.compare_exchange_strong(current, mapped, std::memory_order_acq_rel)) {
    platform::make_resident(mapped->index, sizeof mapped->index);
    return *mapped;
  }
  platform::unmap_pages(mapped, sizeof(Store));
  return *current;
}

std::uint64_t hash_frames(void* const* frames, std::size_t depth) noexcept {
  std::uint64_t hash = 0xcbf29ce484222325ULL ^ depth;
  for (std::size_t i = 0; i < depth; ++i) {
    hash ^= reinterpret_cast<std::uintptr_t>(frames[i]);
    hash *= 0x100000001b3ULL;
    hash ^= hash >> 29;
  }
  return hash;
}

bool same_stack(const Store& table, const Record& record, void* const* frames,
                std::size_t depth) noexcept {
  return record.depth.load(std::memory_order_relaxed) == depth &&
         std::memcmp(&table.frames[record.first_frame.load(std::memory_order_relaxed)], frames,
                     depth * sizeof(void*)) == 0;
}

}  // namespace

std::uint32_t intern(void* const* frames, std::size_t depth) noexcept {
  Store& table = the_store();
  const std::uint64_t hash = hash_frames(frames, depth);
  std::uint32_t claimed = kNoRoom;  // a record this call wrote but has not published yet
  for (std::size_t probe = 0; probe < kIndexSize; ++probe) {
    std::atomic<std::uint32_t>& slot = table.index[(hash + probe) & (kIndexSize - 1)];
    std::uint32_t entry = slot.load(std::memory_order_acquire);
    if (entry == 0) {
      if (claimed == kNoRoom) {
        const std::size_t first = frames_used.fetch_add(depth, std::memory_order_relaxed);
        const std::uint32_t id = records_used.fetch_add(1, std::memory_order_relaxed);
        if (id >= kCapacity || first + depth > kFrameCapacity) return kNoRoom;
        std::memcpy(&table.frames[first], frames, depth * sizeof(void*));
        table.records[id].hash.store(hash, std::memory_order_relaxed);
        table.records[id].first_frame.store(static_cast<std::uint32_t>(first),
                                            std::memory_order_relaxed);
        table.records[id].depth.store(static_cast<std::uint32_t>(depth), std::memory_order_relaxed);
        claimed = id;
      }
      if (slot.compare_exchange_strong(entry, claimed + 1, std::memory_order_acq_rel))
        return claimed;
      // Another thread published here first: `entry` is now its record.
    }
    const Record& record = table.records[entry - 1];
    if (record.hash.load(std::memory_order_relaxed) == hash &&
        same_stack(table, record, frames, depth))
      return entry - 1;  // a record claimed here stays unused, with zero figures
  }
  return kNoRoom;
}

void prepare() noexcept {
  (void)the_store();
}

std::uint32_t count() noexcept {
  const std::uint32_t used = records_used.load(std::memory_order_acquire);
  return used < kCapacity ? used : kCapacity;
}

SiteCounters& counters(std::uint32_t id) noexcept {
  return the_store().records[id].figures;
}

Stack frames_of(std::uint32_t id) noexcept {
  const Store& table = the_store();
  if (id == kNoRoom || id >= count()) return {};
  const Record& record = table.records[id];
  return {&table.frames[record.first_frame.load(std::memory_order_relaxed)],
          record.depth.load(std::memory_order_relaxed)};
}

}  // namespace alloc_hooks::detail::stack_table
