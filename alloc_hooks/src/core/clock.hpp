// The tick source that times each allocation: rdtsc on x86-64, the virtual counter on arm64,
// steady_clock elsewhere or when the TSC is not invariant. Ticks become nanoseconds only when read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(_MSC_VER) && defined(_M_X64)
#include <intrin.h>
#elif defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

extern std::atomic<bool> use_cycle_counter;

inline std::uint64_t steady_ticks() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

inline std::uint64_t read_ticks() {
#if defined(__x86_64__) || defined(_M_X64)
  if (use_cycle_counter.load(std::memory_order_relaxed)) return __rdtsc();
#elif defined(__aarch64__)
  if (use_cycle_counter.load(std::memory_order_relaxed)) {
    std::uint64_t ticks;
    asm volatile("mrs %0, cntvct_el0" : "=r"(ticks));
    return ticks;
  }
#endif
  return steady_ticks();
}

// Picks the tick source and records the calibration anchor; called once at start-up.
void start_clock();
// Nanoseconds per tick, calibrated against steady_clock over at least 20 ms on first use.
double ns_per_tick();
std::uint64_t ticks_to_ns(std::uint64_t ticks);
std::uint64_t ns_to_ticks(std::uint64_t ns);

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
