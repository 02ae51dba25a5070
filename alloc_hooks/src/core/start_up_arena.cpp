// The hooks' own heap ("the start-up arena"): an allocator over static storage, the backend of the
// allocations that are the hooks' own rather than the program's, so that none of them takes memory
// from the program's heap. With the system backend that heap is glibc's, and where glibc puts a
// request (its top chunk's room, its dynamic mmap threshold) depends on all allocated before it.
// - The allocations the start-up causes on its thread while the real backend is being chosen and
//   loaded: the loader's, for dlopen (of libunwind, mimalloc, ...), and an intercepting tool's
//   operator new (heaptrack's, from inside that dlopen). None can wait for a backend that is not
//   there yet.
// - The allocations a thread's stack walk makes from inside an allocation (doing_own_work):
//   libunwind's thread-local block, which glibc allocates at a thread's first walk and frees when
//   the thread exits.
// Neither kind is counted (accounting.cpp). Freed blocks are reused, so that threads coming and
// going do not use the arena up: a request is served from a size class (powers of two from
// 16 bytes), each class with a lock-free list of its free blocks (no lock: a fork cannot leave one
// held); a block with an alignment above 16 is carved apart and kept when freed (such requests are
// rare, and reusing them would take a list per alignment). Untouched pages of the arena cost
// nothing. Full, the arena fails the start-up (there is no backend yet to turn to); a stack walk's
// request then goes to the backend.
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

#include "core/backend.hpp"
#include "core/platform/platform.hpp"

namespace alloc_hooks::detail {

alignas(64) unsigned char start_up_arena[kStartUpArenaBytes];
constinit thread_local bool doing_own_work = false;

namespace {

// Each block's requested size is in the 8 bytes before it, marked when the block was carved for
// an alignment above 16 (and so belongs to no size class). Blocks start at multiples of 16.
constexpr std::uint64_t kOverAligned = std::uint64_t{1} << 63;
constexpr unsigned kSmallestClassShift = 4;
constexpr unsigned kClassCount =
    static_cast<unsigned>(std::bit_width(kStartUpArenaBytes)) - kSmallestClassShift;

// Bytes of the arena carved so far, from its start.
std::atomic<std::size_t> carved{0};

// One free list per size class. A list's head is the slot of its first block (its offset in the
// arena / 16, + 1; 0: empty) in the low 32 bits, and a count of changes in the high 32 bits, so
// that a pop racing with a pop and push of the same block fails its compare-and-swap instead of
// linking a block that is in use (ABA). A free block holds the next block's slot in its first
// 4 bytes.
std::atomic<std::uint64_t> free_lists[kClassCount];

unsigned class_of(std::size_t size) {
  const unsigned shift =
      size <= 16 ? kSmallestClassShift : static_cast<unsigned>(std::bit_width(size - 1));
  return shift - kSmallestClassShift;
}

std::size_t class_bytes(unsigned size_class) {
  return std::size_t{1} << (size_class + kSmallestClassShift);
}

std::uint32_t slot_of(const unsigned char* block) {
  return static_cast<std::uint32_t>((block - start_up_arena) / 16 + 1);
}

unsigned char* block_at(std::uint32_t slot) {
  return start_up_arena + std::size_t{slot - 1} * 16;
}

// The link word of a free block. Another thread may be popping the block and handing it out
// while a pop that lost the race reads it: atomic, so that such a read is merely stale (the list
// head's count then fails that pop's compare-and-swap).
std::atomic_ref<std::uint32_t> link_of(unsigned char* block) {
  return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(block));
}

void write_header(unsigned char* block, std::uint64_t header) {
  std::memcpy(block - sizeof header, &header, sizeof header);
}

std::uint64_t header_of(const void* block) {
  std::uint64_t header = 0;
  std::memcpy(&header, static_cast<const unsigned char*>(block) - sizeof header, sizeof header);
  return header;
}

unsigned char* pop(unsigned size_class) {
  std::atomic<std::uint64_t>& list = free_lists[size_class];
  std::uint64_t head = list.load(std::memory_order_acquire);
  while (static_cast<std::uint32_t>(head) != 0) {
    unsigned char* block = block_at(static_cast<std::uint32_t>(head));
    const std::uint32_t next = link_of(block).load(std::memory_order_relaxed);
    const std::uint64_t popped = ((head >> 32) + 1) << 32 | next;
    if (list.compare_exchange_weak(head, popped, std::memory_order_acquire,
                                   std::memory_order_acquire))
      return block;
  }
  return nullptr;
}

void push(unsigned size_class, unsigned char* block) {
  std::atomic<std::uint64_t>& list = free_lists[size_class];
  std::uint64_t head = list.load(std::memory_order_relaxed);
  std::uint64_t pushed;
  do {
    link_of(block).store(static_cast<std::uint32_t>(head), std::memory_order_relaxed);
    pushed = ((head >> 32) + 1) << 32 | slot_of(block);
  } while (!list.compare_exchange_weak(head, pushed, std::memory_order_release,
                                       std::memory_order_relaxed));
}

// `bytes` at `alignment` (16 at least) from the uncarved rest, with room for the header before.
unsigned char* carve(std::size_t alignment, std::size_t bytes) {
  const auto base = reinterpret_cast<std::uintptr_t>(start_up_arena);
  std::size_t used = carved.load(std::memory_order_relaxed);
  std::uintptr_t start;
  do {
    start = (base + used + sizeof(std::uint64_t) + alignment - 1) & ~(alignment - 1);
    if (bytes > kStartUpArenaBytes || start - base > kStartUpArenaBytes - bytes) return nullptr;
  } while (!carved.compare_exchange_weak(used, start - base + bytes, std::memory_order_relaxed));
  return reinterpret_cast<unsigned char*>(start);
}

// nullptr when the arena has no room.
void* take(std::size_t alignment, std::size_t size) {
  if (size > kStartUpArenaBytes) return nullptr;
  unsigned char* block;
  if (alignment <= 16) {
    const unsigned size_class = class_of(size);
    block = pop(size_class);
    if (block == nullptr) block = carve(16, class_bytes(size_class));
    if (block != nullptr) write_header(block, size);
  } else {
    block = carve(alignment, size);
    if (block != nullptr) write_header(block, size | kOverAligned);
  }
  return block;
}

void* take_zeroed(std::size_t count, std::size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return nullptr;
  void* block = take(16, count * size);
  if (block != nullptr) std::memset(block, 0, count * size);
  return block;
}

std::size_t arena_usable_size(const void* block) {
  return header_of(block) & ~kOverAligned;
}

void arena_release(void* block) {
  const std::uint64_t header = header_of(block);
  if ((header & kOverAligned) == 0) push(class_of(header), static_cast<unsigned char*>(block));
}

void* take_moved(void* block, std::size_t size) {
  void* moved = take(16, size);
  if (moved != nullptr && block != nullptr) {
    const std::size_t old_size = arena_usable_size(block);
    std::memcpy(moved, block, old_size < size ? old_size : size);
    arena_release(block);
  }
  return moved;
}

void arena_release_aligned(void* block, std::size_t) {
  arena_release(block);
}
std::size_t arena_usable_size_aligned(const void* block, std::size_t) {
  return arena_usable_size(block);
}

// The start-up's functions: there is no other backend to turn to yet.
void* sure(void* block) {
  if (block == nullptr)
    platform::fail_fast("the start-up arena is exhausted (allocations while loading the backend)",
                        2);
  return block;
}
void* start_up_allocate(std::size_t size) {
  return sure(take(16, size));
}
void* start_up_allocate_zeroed(std::size_t count, std::size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return nullptr;
  return sure(take_zeroed(count, size));
}
void* start_up_reallocate(void* block, std::size_t size) {
  return sure(take_moved(block, size));
}
void* start_up_allocate_aligned(std::size_t alignment, std::size_t size) {
  return sure(take(alignment, size));
}

// The own work's functions: nullptr when full.
void* own_allocate(std::size_t size) {
  return take(16, size);
}
void* own_allocate_aligned(std::size_t alignment, std::size_t size) {
  return take(alignment, size);
}

}  // namespace

const Backend start_up_arena_backend{"start-up arena",
                                     start_up_allocate,
                                     start_up_allocate_zeroed,
                                     start_up_reallocate,
                                     arena_release,
                                     arena_usable_size,
                                     start_up_allocate_aligned,
                                     start_up_allocate_aligned,
                                     arena_release_aligned,
                                     arena_usable_size_aligned,
                                     ""};

const Backend own_work_arena_backend{"start-up arena",
                                     own_allocate,
                                     take_zeroed,
                                     take_moved,
                                     arena_release,
                                     arena_usable_size,
                                     own_allocate_aligned,
                                     own_allocate_aligned,
                                     arena_release_aligned,
                                     arena_usable_size_aligned,
                                     ""};

}  // namespace alloc_hooks::detail
