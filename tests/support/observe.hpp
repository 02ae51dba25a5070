// Helpers that keep allocations observable: GCC removes unused new/delete pairs at -O2.
#pragma once

namespace test_support {

inline void keep(const void* pointer) {
  asm volatile("" : : "g"(pointer) : "memory");
}

}  // namespace test_support
