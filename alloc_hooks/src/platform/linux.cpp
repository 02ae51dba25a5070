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
}  // namespace

void prime_stack_walker() {
  // libunwind's unw_backtrace reads the unwind tables (no frame pointers needed) in a few hundred
  // nanoseconds. It is loaded local to the hooks: Debian's libunwind also exports _Unwind_Backtrace
  // and backtrace, which would replace the C++ runtime's if it were linked. Without it, glibc's
  // backtrace() (microseconds per stack) walks.
  if (void* library = open_local_library("libunwind.so.8")) {
    stack_walker = reinterpret_cast<int (*)(void**, int)>(find_symbol(library, "unw_backtrace"));
    walker_name = "libunwind";
  }
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
