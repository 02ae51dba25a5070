// The start-up arena: a bump allocator over static storage, the backend of the allocations made on
// the start-up thread while the real backend is being chosen and loaded. Loading mimalloc calls
// dlopen, which allocates, and a tool that intercepts malloc or dlopen (heaptrack) may call
// operator new from inside it; none of those can wait for a backend that is not there yet. Such
// blocks are the hooks' own, not the program's: they are not counted, and freeing one keeps its
// bytes (a handful of small blocks, once per process).
#include <cstdint>
#include <cstring>

#include "backend.hpp"
#include "platform/platform.hpp"

namespace alloc_hooks::detail {

alignas(64) unsigned char start_up_arena[kStartUpArenaBytes];

namespace {

// Only the start-up thread uses the arena, and only during start-up: no synchronisation needed.
std::size_t arena_used = 0;

// Each block has its size in the 8 bytes before it, at the alignment asked for (16 at least).
void* arena_allocate_aligned(std::size_t alignment, std::size_t size) {
  if (alignment < 16) alignment = 16;
  const auto base = reinterpret_cast<std::uintptr_t>(start_up_arena);
  const std::uintptr_t start =
      (base + arena_used + sizeof(std::size_t) + alignment - 1) & ~(alignment - 1);
  if (size > kStartUpArenaBytes || start - base > kStartUpArenaBytes - size) {
    platform::fail_fast("the start-up arena is exhausted (allocations while loading the backend)",
                        2);
  }
  arena_used = start - base + size;
  *reinterpret_cast<std::size_t*>(start - sizeof(std::size_t)) = size;
  return reinterpret_cast<void*>(start);
}

void* arena_allocate(std::size_t size) {
  return arena_allocate_aligned(16, size);
}

// Arena memory is never reused, so it is still zero.
void* arena_allocate_zeroed(std::size_t count, std::size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return nullptr;
  return arena_allocate(count * size);
}

std::size_t arena_usable_size(const void* block);

void* arena_reallocate(void* block, std::size_t size) {
  void* moved = arena_allocate(size);
  if (block != nullptr) {
    const std::size_t old_size = arena_usable_size(block);
    std::memcpy(moved, block, old_size < size ? old_size : size);
  }
  return moved;
}

void arena_release(void*) {}
void arena_release_aligned(void*, std::size_t) {}

std::size_t arena_usable_size(const void* block) {
  return *(static_cast<const std::size_t*>(block) - 1);
}
std::size_t arena_usable_size_aligned(const void* block, std::size_t) {
  return arena_usable_size(block);
}

}  // namespace

const Backend start_up_arena_backend{"start-up arena",
                                     arena_allocate,
                                     arena_allocate_zeroed,
                                     arena_reallocate,
                                     arena_release,
                                     arena_usable_size,
                                     arena_allocate_aligned,
                                     arena_allocate_aligned,
                                     arena_release_aligned,
                                     arena_usable_size_aligned,
                                     ""};

}  // namespace alloc_hooks::detail
