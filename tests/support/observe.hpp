// Test helpers that keep allocations observable (GCC removes unused new/delete pairs at -O2).
#pragma once

#include <alloc_hooks/observe.hpp>
#include <cstddef>
#include <new>

namespace test_support {

inline void keep(const void* pointer) {
  alloc_hooks::keep_observable(pointer);
}

// `count` new/delete pairs of `size` bytes.
inline void allocate_and_free(int count, std::size_t size) {
  for (int i = 0; i < count; ++i) {
    void* block = ::operator new(size);
    keep(block);
    ::operator delete(block);
  }
}

}  // namespace test_support
