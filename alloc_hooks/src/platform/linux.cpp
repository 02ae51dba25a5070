// Linux (glibc) implementation of the platform services.
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "platform/platform.hpp"

namespace alloc_hooks::platform {

void* map_zeroed_pages(std::size_t bytes) {
  // Populated up front: the hooks' own pages must not show up later as RSS growth of the program.
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return pages == MAP_FAILED ? nullptr : pages;
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

void* system_allocate(std::size_t size) {
  return std::malloc(size);
}
void system_release(void* block) {
  std::free(block);
}
std::size_t system_usable_size(const void* block) {
  return malloc_usable_size(const_cast<void*>(block));
}
// glibc frees and measures aligned blocks like any other.
void* system_allocate_aligned(std::size_t alignment, std::size_t size) {
  return memalign(alignment, size);
}
void system_release_aligned(void* block, std::size_t) {
  std::free(block);
}
std::size_t system_usable_size_aligned(const void* block, std::size_t) {
  return malloc_usable_size(const_cast<void*>(block));
}

void describe_system_allocator(char* out, std::size_t capacity) {
  std::snprintf(out, capacity, "glibc %s", gnu_get_libc_version());
}

}  // namespace alloc_hooks::platform
