// The interception point: all 20 replaceable global operator new/delete forms, with the standard's
// semantics (new_handler loop, bad_alloc, nothrow, size 0, deleting nullptr). The counting itself
// is in accounting.cpp, shared with any other interception point.
#include <cstddef>
#include <new>

#include "core/accounting.hpp"

// The linker pulls this object out of the static library through this symbol (see CMakeLists.txt),
// so the replacements are in effect even for a program that never names operator new itself.
extern "C" {
extern const int alloc_hooks_replace_new_delete;
const int alloc_hooks_replace_new_delete = 1;
}

namespace {

using alloc_hooks::Source;
using alloc_hooks::detail::count_failed_allocation;
using alloc_hooks::detail::counted_allocate;
using alloc_hooks::detail::counted_release;
using alloc_hooks::detail::kUnsized;

// A failure is final when no new_handler is installed or the handler throws (bad_alloc, as the
// standard requires, or anything else); either way it is counted once, here.
[[gnu::noinline, gnu::cold]] void* retry_or_throw(std::size_t size, std::size_t alignment,
                                                  bool refused_by_limit) {
  for (;;) {
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) {
      count_failed_allocation(Source::operator_new, refused_by_limit);
      throw std::bad_alloc();
    }
    try {
      handler();  // may free memory, install another handler, or throw
    } catch (...) {
      count_failed_allocation(Source::operator_new, refused_by_limit);
      throw;
    }
    const alloc_hooks::detail::Allocation attempt =
        counted_allocate(Source::operator_new, size, alignment);
    if (attempt.block != nullptr) return attempt.block;
    refused_by_limit = attempt.refused_by_limit;
  }
}

// The usual case inline; the new_handler loop apart (above).
inline void* allocate_or_throw(std::size_t size, std::size_t alignment) {
  const alloc_hooks::detail::Allocation attempt =
      counted_allocate(Source::operator_new, size, alignment);
  if (attempt.block != nullptr) [[likely]]
    return attempt.block;
  return retry_or_throw(size, alignment, attempt.refused_by_limit);
}

void* allocate_or_null(std::size_t size, std::size_t alignment) noexcept {
  try {
    return allocate_or_throw(size, alignment);
  } catch (...) {
    return nullptr;
  }
}

std::size_t bytes(std::align_val_t alignment) {
  return static_cast<std::size_t>(alignment);
}

void release(void* block, std::size_t alignment, std::size_t sized = kUnsized) noexcept {
  counted_release(Source::operator_new, block, alignment, sized);
}

}  // namespace

void* operator new(std::size_t size) {
  return allocate_or_throw(size, 0);
}
void* operator new[](std::size_t size) {
  return allocate_or_throw(size, 0);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return allocate_or_null(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return allocate_or_null(size, 0);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_or_throw(size, bytes(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_or_throw(size, bytes(alignment));
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_or_null(size, bytes(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_or_null(size, bytes(alignment));
}

// The size shadow knows every block's requested size: a sized delete's size is only checked
// against it (sized_delete_mismatches). The alignment picks the backend's aligned release (on
// Windows, free() cannot take aligned blocks).
void operator delete(void* block) noexcept {
  release(block, 0);
}
void operator delete[](void* block) noexcept {
  release(block, 0);
}
void operator delete(void* block, std::size_t size) noexcept {
  release(block, 0, size);
}
void operator delete[](void* block, std::size_t size) noexcept {
  release(block, 0, size);
}
void operator delete(void* block, std::align_val_t alignment) noexcept {
  release(block, bytes(alignment));
}
void operator delete[](void* block, std::align_val_t alignment) noexcept {
  release(block, bytes(alignment));
}
void operator delete(void* block, std::size_t size, std::align_val_t alignment) noexcept {
  release(block, bytes(alignment), size);
}
void operator delete[](void* block, std::size_t size, std::align_val_t alignment) noexcept {
  release(block, bytes(alignment), size);
}
void operator delete(void* block, const std::nothrow_t&) noexcept {
  release(block, 0);
}
void operator delete[](void* block, const std::nothrow_t&) noexcept {
  release(block, 0);
}
void operator delete(void* block, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  release(block, bytes(alignment));
}
void operator delete[](void* block, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  release(block, bytes(alignment));
}
