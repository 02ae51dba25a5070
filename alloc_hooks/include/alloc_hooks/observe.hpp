// Keeps an allocation observable to the optimiser: GCC removes a new/delete pair whose memory is
// never used at -O2, which would hide it from the counters.
#pragma once

namespace alloc_hooks {

inline void keep_observable(const void* pointer) {
#if defined(__GNUC__)
  asm volatile("" : : "g"(pointer) : "memory");
#else
  static const void* volatile sink;
  sink = pointer;
#endif
}

}  // namespace alloc_hooks
