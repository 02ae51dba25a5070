// The C malloc family, replaced for the whole process: malloc, free, calloc, realloc,
// reallocarray, posix_memalign, aligned_alloc, memalign, valloc, pvalloc and malloc_usable_size
// feed the same counters as the operator new/delete forms, under Source::malloc. Each follows the
// C standard and POSIX, and where those leave a choice, glibc: errno ENOMEM on failure, free keeps
// errno, realloc(p, 0) does what the backend does (glibc frees and returns nullptr),
// posix_memalign leaves *out alone on failure. The backend gets exactly the call the program made,
// so usable sizes equal the raw backend's (tests/alloc_hooks/no_perturbation_test.cpp).
//
// Linux only (glibc): the target alloc_hooks::alloc_hooks_malloc and the preload library. Not under
// AddressSanitizer or ThreadSanitizer: they replace malloc themselves and call it while they start,
// before instrumented code (these functions) can run.
#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "core/accounting.hpp"
#include "core/platform/linux_allocator.hpp"
#include "core/platform/platform.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#error "the malloc family cannot be replaced under a sanitizer, which replaces malloc itself"
#endif

extern "C" {
// glibc's allocator under its own names: forwarding to these needs no dlsym at start-up.
void* __libc_malloc(std::size_t size);
void __libc_free(void* block);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {

using alloc_hooks::Source;
using alloc_hooks::detail::Allocation;
using alloc_hooks::detail::count_failed_allocation;
using alloc_hooks::detail::counted_allocate;
using alloc_hooks::detail::counted_allocate_zeroed;
using alloc_hooks::detail::counted_reallocate;
using alloc_hooks::detail::counted_release;

void* fail(bool refused_by_limit, int error) {
  count_failed_allocation(Source::malloc, refused_by_limit);
  errno = error;
  return nullptr;
}

// `alignment` 0: the backend's malloc; else its memalign, which applies the backend's own rule to
// small alignments (glibc: a plain malloc up to 16; mimalloc: a block of at least that alignment).
void* allocate(std::size_t size, std::size_t alignment) {
  const Allocation attempt = counted_allocate(Source::malloc, size, alignment);
  return attempt.block != nullptr ? attempt.block : fail(attempt.refused_by_limit, ENOMEM);
}

bool is_power_of_two(std::size_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}

// Read each time: sysconf answers from the auxiliary vector (no system call), and a function-local
// static would take the C++ runtime's initialisation guard inside an allocation.
std::size_t page_size() {
  return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

extern "C" {

// Chosen by the system backend at start-up (core/platform/linux.cpp): with malloc replaced here,
// the system allocator is glibc's behind it.
alloc_hooks::platform::SystemAllocator alloc_hooks_bind_libc_allocator() {
  void* const libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  void* const usable_size = libc != nullptr ? dlsym(libc, "malloc_usable_size") : nullptr;
  if (usable_size == nullptr) {
    alloc_hooks::platform::fail_fast("cannot find glibc's malloc_usable_size (libc.so.6)", 2);
  }
  return {__libc_malloc,  __libc_free,     __libc_calloc,
          __libc_realloc, __libc_memalign, reinterpret_cast<std::size_t (*)(void*)>(usable_size)};
}

void* malloc(std::size_t size) noexcept {
  return allocate(size, 0);
}

void free(void* block) noexcept {
  const int saved_errno = errno;
  counted_release(Source::malloc, block, 0);
  errno = saved_errno;
}

void* calloc(std::size_t count, std::size_t size) noexcept {
  if (size != 0 && count > SIZE_MAX / size) return fail(false, ENOMEM);
  const Allocation attempt = counted_allocate_zeroed(count, size);
  return attempt.block != nullptr ? attempt.block : fail(attempt.refused_by_limit, ENOMEM);
}

void* realloc(void* block, std::size_t size) noexcept {
  if (block == nullptr) return allocate(size, 0);
  const auto attempt = counted_reallocate(block, size);
  if (attempt.result.block != nullptr || attempt.freed) return attempt.result.block;
  return fail(attempt.result.refused_by_limit, ENOMEM);  // the block stays as it was
}

void* reallocarray(void* block, std::size_t count, std::size_t size) noexcept {
  if (size != 0 && count > SIZE_MAX / size) return fail(false, ENOMEM);
  return realloc(block, count * size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (!is_power_of_two(alignment) || alignment % sizeof(void*) != 0) {
    count_failed_allocation(Source::malloc, false);
    return EINVAL;
  }
  const int saved_errno = errno;
  void* block = allocate(size, alignment);
  const int error = errno;
  errno = saved_errno;  // posix_memalign reports by its result only
  if (block == nullptr) return error;
  *out = block;
  return 0;
}

// C17 (DR 460): any size; an alignment that is not a power of two fails with EINVAL (glibc 2.38
// and later; 2.36 would round it up).
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  if (!is_power_of_two(alignment)) return fail(false, EINVAL);
  return allocate(size, alignment);
}

// glibc's rule: an alignment that is not a power of two is rounded up to the next one.
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  if (alignment > (std::size_t{1} << 62)) return fail(false, EINVAL);
  std::size_t power = 1;
  while (power < alignment) power <<= 1;
  return allocate(size, power);
}

void* valloc(std::size_t size) noexcept {
  return allocate(size, page_size());
}

// The request is the size rounded up to whole pages: that much the program may use.
void* pvalloc(std::size_t size) noexcept {
  const std::size_t page = page_size();
  if (size > SIZE_MAX - (page - 1)) return fail(false, ENOMEM);
  return allocate((size + page - 1) & ~(page - 1), page);
}

std::size_t malloc_usable_size(void* block) noexcept {
  return alloc_hooks::detail::usable_size_of(block);
}

// A library opened with RTLD_DEEPBIND would bind glibc's malloc ahead of these, and its blocks
// would reach free() here uncounted: the flag is dropped, as heaptrack does (docs/alloc_hooks.md).
void* dlopen(const char* file, int mode) noexcept {
  using Dlopen = void* (*)(const char*, int);
  static const auto next = reinterpret_cast<Dlopen>(dlsym(RTLD_NEXT, "dlopen"));
  return next(file, mode & ~RTLD_DEEPBIND);
}

}  // extern "C"
