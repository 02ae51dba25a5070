// Linux (glibc) implementation of the platform services.
#include <dlfcn.h>
#include <execinfo.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/linux_allocator.hpp"
#include "platform/platform.hpp"

namespace alloc_hooks::platform {

void* map_zeroed_pages(std::size_t bytes) {
  // Populated up front: the hooks' own pages must not show up later as RSS growth of the program.
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return pages == MAP_FAILED ? nullptr : pages;
}

void* map_lazy_zeroed_pages(std::size_t bytes) {
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return pages == MAP_FAILED ? nullptr : pages;
}

void unmap_pages(void* pages, std::size_t bytes) {
  munmap(pages, bytes);
}

std::uint64_t current_thread_id() {
  return static_cast<std::uint64_t>(syscall(SYS_gettid));
}

bool call_at_thread_exit(void (*on_exit)(void*), void* arg) {
  // One key for the process. pthread key destructors run after C++ thread_local destructors, so
  // allocations made by those are still counted on the thread's own counters.
  static pthread_key_t key;
  static const bool key_created = pthread_key_create(&key, on_exit) == 0;
  return key_created && pthread_setspecific(key, arg) == 0;
}

const char* environment(const char* name) {
  return std::getenv(name);
}

void fail_fast(const char* message, int status) {
  const char prefix[] = "alloc_hooks: ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
  ignored = write(STDERR_FILENO, message, std::strlen(message));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
  _exit(status);
}

void* open_local_library(const char* file) {
  return dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

void* find_symbol(void* library, const char* name) {
  return dlsym(library, name);
}

const char* library_load_error() {
  const char* error = dlerror();
  return error != nullptr ? error : "unknown error";
}

namespace {

int (*stack_walker)(void**, int) = nullptr;
const char* walker_name = "none";

// The calling thread's stack, [low, high): the frame-pointer walk stays inside it.
struct StackBounds {
  std::uintptr_t low;
  std::uintptr_t high;
};
constinit thread_local StackBounds stack_bounds{0, 0};

StackBounds this_thread_stack() {
  if (stack_bounds.high == 0) {
    pthread_attr_t attributes;
    void* low = nullptr;
    std::size_t size = 0;
    // Reads /proc/self/maps for the main thread (it allocates: this runs inside the hooks, where
    // an allocation is handed out uncounted).
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
      if (pthread_attr_getstack(&attributes, &low, &size) == 0) {
        stack_bounds.low = reinterpret_cast<std::uintptr_t>(low);
        stack_bounds.high = stack_bounds.low + size;
      }
      pthread_attr_destroy(&attributes);
    }
  }
  return stack_bounds;
}

// Follows the chain of saved frame pointers: each frame holds its caller's frame pointer and,
// above it, the return address. Right only where every function on the stack keeps a frame
// pointer (built with -fno-omit-frame-pointer); a frame without one is skipped silently, its
// caller with it. Stops at a pointer outside the thread's stack or not above the last.
__attribute__((noinline)) int walk_frame_pointers(void** frames, int capacity) {
  const StackBounds bounds = this_thread_stack();
  // Where the stack's extent cannot be read (ThreadSanitizer's threads), the unwind tables walk.
  if (bounds.high == 0) return ::backtrace(frames, capacity);
  auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  int depth = 0;
  while (depth < capacity && frame >= bounds.low && frame + 2 * sizeof(void*) <= bounds.high &&
         frame % sizeof(void*) == 0) {
    void* const* saved = reinterpret_cast<void* const*>(frame);
    if (saved[1] == nullptr) break;
    frames[depth++] = saved[1];
    const auto caller = reinterpret_cast<std::uintptr_t>(saved[0]);
    if (caller <= frame) break;
    frame = caller;
  }
  return depth;
}

}  // namespace

void prime_stack_walker(bool frame_pointers) {
  if (frame_pointers) {
    stack_walker = walk_frame_pointers;
    walker_name = "frame_pointers";
    void* frames[4];
    (void)::backtrace(frames, 4);  // the fallback's first call loads libgcc's unwinder
    (void)stack_walker(frames, 4);
    return;
  }
  // libunwind's unw_backtrace reads the unwind tables (no frame pointers needed) in a few hundred
  // nanoseconds. It is loaded local to the hooks: Debian's libunwind also exports _Unwind_Backtrace
  // and backtrace, which would replace the C++ runtime's if it were linked. Without it, glibc's
  // backtrace() (microseconds per stack) walks.
#if !defined(ALLOC_HOOKS_WITHOUT_LIBUNWIND)
  if (void* library = open_local_library("libunwind.so.8")) {
    stack_walker = reinterpret_cast<int (*)(void**, int)>(find_symbol(library, "unw_backtrace"));
    walker_name = "libunwind";
  }
#endif
  if (stack_walker == nullptr) {
    stack_walker = ::backtrace;
    walker_name = "backtrace";
  }
  void* frames[4];
  (void)stack_walker(frames, 4);
}

int capture_stack(void** frames, int capacity) {
  return stack_walker != nullptr ? stack_walker(frames, capacity) : 0;
}

const char* stack_walker_name() {
  return walker_name;
}

// Which malloc the system backend calls. Without the hooks' own malloc family, the process's
// malloc: glibc's, or that of a tool that replaces it (heaptrack, valgrind, a sanitizer), which
// then sees the program's operator new as it would without the hooks. With the hooks' malloc
// family (malloc_family.cpp defines alloc_hooks_bind_libc_allocator), the process's malloc is the
// hooks' own, so the backend must be glibc's behind it: that function binds it.
namespace {
SystemAllocator process_allocator() {
  return {std::malloc, std::free, std::calloc, std::realloc, memalign, malloc_usable_size};
}
SystemAllocator bound = {};
}  // namespace

SystemFunctions bind_system_allocator() {
  bound = alloc_hooks_bind_libc_allocator != nullptr ? alloc_hooks_bind_libc_allocator()
                                                     : process_allocator();
  return {bound.malloc, bound.calloc, bound.realloc, bound.free, bound.memalign};
}

std::size_t system_usable_size(const void* block) {
  return bound.usable_size(const_cast<void*>(block));
}
// libstdc++ asks aligned_alloc for the size rounded up to a multiple of the alignment (C11 required
// it), and glibc serves that as memalign.
void* system_allocate_aligned_new(std::size_t alignment, std::size_t size) {
  const std::size_t rounded = (size + alignment - 1) & ~(alignment - 1);
  return rounded < size ? nullptr : bound.memalign(alignment, rounded);
}
void system_release_aligned(void* block, std::size_t) {
  bound.free(block);
}
std::size_t system_usable_size_aligned(const void* block, std::size_t) {
  return bound.usable_size(const_cast<void*>(block));
}

void describe_system_allocator(char* out, std::size_t capacity) {
  std::snprintf(out, capacity, "glibc %s", gnu_get_libc_version());
}

}  // namespace alloc_hooks::platform
