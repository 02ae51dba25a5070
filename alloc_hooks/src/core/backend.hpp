// The allocator the hooks hand requests to: the C runtime's ("system"), mimalloc, jemalloc or
// tcmalloc (alloc_hooks/backends.hpp lists them). Chosen once,
// from ALLOC_HOOKS_BACKEND, at start-up: before any library's constructor where the platform has
// such a point (platform/linux_start_up.cpp), else on the first allocation of the process.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Blocks from allocate_aligned go back through the *_aligned functions with the same alignment:
// on Windows the C runtime's free() cannot take them (platform/windows.cpp).
struct Backend {
  const char* name;
  void* (*allocate)(std::size_t size);
  void* (*allocate_zeroed)(std::size_t count, std::size_t size);  // calloc: checks count * size
  void* (*reallocate)(void* block, std::size_t size);             // realloc, block not aligned
  void (*release)(void* block);
  std::size_t (*usable_size)(const void* block);
  void* (*allocate_aligned)(std::size_t alignment, std::size_t size);
  // operator new(size, alignment) as the C++ runtime does it with this allocator: libstdc++ rounds
  // the size up to a multiple of the alignment for aligned_alloc; mimalloc takes it as it is.
  void* (*allocate_aligned_new)(std::size_t alignment, std::size_t size);
  void (*release_aligned)(void* block, std::size_t alignment);
  std::size_t (*usable_size_aligned)(const void* block, std::size_t alignment);
  const char* version;
};

extern std::atomic<const Backend*> active_backend_pointer;
const Backend& start_up();
// Bind their allocator on the first call (mimalloc_loaded.cpp or mimalloc_linked.cpp by OS,
// jemalloc_loaded.cpp, tcmalloc_loaded.cpp); fail fast with a one-line message if they cannot.
const Backend& mimalloc_backend();
const Backend& jemalloc_backend();
const Backend& tcmalloc_backend();
// Writes "mimalloc 2.0.9" for mi_version()'s 209 into `out`.
void describe_mimalloc_version(int version, char* out, std::size_t capacity);

// The mimalloc Backend from mimalloc's functions, named by the functions themselves (linked) or
// by the pointers they were loaded into; the adapters fix the argument order of aligned
// allocation and drop the alignment mimalloc does not need to free or measure a block.
// mimalloc 2.0.9's mi_malloc_aligned returns a misaligned block when the size equals an alignment
// of 256, 512 or 1024 (its small-block fast path; docs/alloc_hooks.md): such a block is given back
// and the request made again through mi_malloc_aligned_at, which honours the alignment. Every
// other request gets exactly mi_malloc_aligned's block.
template <auto& malloc_function, auto& calloc_function, auto& realloc_function, auto& free_function,
          auto& usable_size_function, auto& malloc_aligned_function,
          auto& malloc_aligned_at_function>
Backend make_mimalloc_backend(const char* version) {
  constexpr auto allocate_aligned = [](std::size_t alignment, std::size_t size) {
    void* block = malloc_aligned_function(size, alignment);
    if (block != nullptr && reinterpret_cast<std::uintptr_t>(block) % alignment != 0) {
      free_function(block);
      block = malloc_aligned_at_function(size, alignment, 0);
    }
    return block;
  };
  return {"mimalloc",
          malloc_function,
          calloc_function,
          realloc_function,
          free_function,
          usable_size_function,
          allocate_aligned,
          allocate_aligned,  // mimalloc's operator new takes the size as it is
          [](void* block, std::size_t) { free_function(block); },
          [](const void* block, std::size_t) { return usable_size_function(block); },
          version};
}

inline const Backend& active_backend() {
  const Backend* backend = active_backend_pointer.load(std::memory_order_acquire);
  return backend != nullptr ? *backend : start_up();
}

// The hooks' own heap (start_up_arena.cpp): what start_up() hands to allocations that the
// start-up itself causes (failing fast when full), and, through own_work_arena_backend (nullptr
// when full), what a thread asks for while `doing_own_work` is set (its stack walk, inside an
// allocation). Its blocks are freed through start_up_arena_backend, whichever served them.
inline constexpr std::size_t kStartUpArenaBytes = std::size_t{1} << 20;
extern unsigned char start_up_arena[kStartUpArenaBytes];
extern const Backend start_up_arena_backend;
extern const Backend own_work_arena_backend;
extern constinit thread_local bool doing_own_work;

// The backend that gave out `block`: the active one, or the start-up arena.
inline const Backend& backend_of(const void* block) {
  const auto* byte = static_cast<const unsigned char*>(block);
  if (byte >= start_up_arena && byte < start_up_arena + kStartUpArenaBytes) [[unlikely]]
    return start_up_arena_backend;
  return active_backend();
}

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
