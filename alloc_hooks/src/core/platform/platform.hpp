// The operating-system services alloc_hooks needs, one implementation file per OS. Nothing here may
// call operator new: these run inside the hooks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::platform {

// Zero-filled memory straight from the OS, never returned (holds per-thread counters).
void* map_zeroed_pages(std::size_t bytes);

// Zero-filled memory the OS backs only where it is written; given back with unmap_pages.
void* map_lazy_zeroed_pages(std::size_t bytes);
void unmap_pages(void* pages, std::size_t bytes);
// Has the OS back every page of [pages, pages + bytes) of a zero-filled mapping now, as if each
// were written (the pages around the range's ends too).
void make_resident(void* pages, std::size_t bytes);

std::uint64_t current_thread_id();

// Calls `on_exit(arg)` when the calling thread exits (not for the main thread at process exit).
// Returns false if the OS refused.
bool call_at_thread_exit(void (*on_exit)(void*), void* arg);

#if defined(_WIN32)
// The calling thread's block of kThreadBlockBytes zero-filled bytes, reached through native TLS:
// made on first use from the hooks' own pages (never with malloc), kept to the thread's very end,
// then given to a later thread. (mingw's thread_local is emulated TLS, made and freed with
// malloc, which the hooks count on Windows.)
inline constexpr std::size_t kThreadBlockBytes = 128;
void* this_thread_block() noexcept;
#endif

// The environment variable's value, or nullptr; must not allocate.
const char* environment(const char* name);

// A file for writing, created or truncated, without allocating; -1 when it cannot be. `path` is
// UTF-8 on Windows too.
std::intptr_t create_file(const char* path);
// Writes all of [data, data + size); false when it could not.
bool write_file(std::intptr_t file, const char* data, std::size_t size);
bool close_file(std::intptr_t file);

// Writes "alloc_hooks: MESSAGE" as one line to stderr without allocating.
void say(const char* message);
// say(message), then ends the process with `status`.
[[noreturn]] void fail_fast(const char* message, int status);

#if !defined(_WIN32)
// A shared library kept loaded for the process lifetime with its symbols local to it, so that a
// library exporting malloc (Debian's libmimalloc does) does not replace malloc for the process.
// (Windows links mimalloc instead: see mimalloc_linked.cpp.)
void* open_local_library(const char* file);
void* find_symbol(void* library, const char* name);
// Why the last open_local_library failed, in the loader's words.
const char* library_load_error();
#endif

// The calling thread's return addresses, innermost first, at most `capacity`; the count taken.
// prime_stack_walker runs once at start-up: it picks the walker (the saved frame pointers, where
// the program says it keeps them everywhere, else the unwind tables) and makes its first call,
// which may load code and allocate, while the hooks hand out start-up memory. A walk takes nothing
// from the program's heap: what one allocates is the hooks' own (start_up_arena.cpp).
void prime_stack_walker(bool frame_pointers);
int capture_stack(void** frames, int capacity);
const char* stack_walker_name();

// The C runtime's allocator: the "system" backend. bind_system_allocator runs once at start-up and
// returns the functions the backend calls directly (no wrapper in between on the hot path).
// Aligned blocks are released and measured by the *_aligned functions with the alignment they
// were allocated with.
struct SystemFunctions {
  void* (*allocate)(std::size_t size);
  void* (*allocate_zeroed)(std::size_t count, std::size_t size);
  void* (*reallocate)(void* block, std::size_t size);
  void (*release)(void* block);
  void* (*allocate_aligned)(std::size_t alignment, std::size_t size);
};
SystemFunctions bind_system_allocator();
std::size_t system_usable_size(const void* block);
// operator new(size, alignment) as the platform's C++ runtime makes it.
void* system_allocate_aligned_new(std::size_t alignment, std::size_t size);
void system_release_aligned(void* block, std::size_t alignment);
std::size_t system_usable_size_aligned(const void* block, std::size_t alignment);
// Writes e.g. "glibc 2.36" into `out`.
void describe_system_allocator(char* out, std::size_t capacity);

}  // namespace alloc_hooks::platform
ALLOC_HOOKS_INTERNAL_END
