// Test helpers that take the CPU away from the calling thread, or keep it busy, for a while, so
// that a test can tell preemption from slowness (Linux only; nothing here calls operator new, so
// they may run inside an allocation).
#pragma once

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <ctime>

namespace test_support {

inline std::uint64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(now.tv_nsec);
}

inline double monotonic_ms() {
  return static_cast<double>(monotonic_ns()) / 1e6;
}

// Keeps the CPU busy for `ms` milliseconds.
inline void spin_for(double ms) {
  const double end = monotonic_ms() + ms;
  while (monotonic_ms() < end) {
  }
}

// Preempts the calling thread for about `ms` milliseconds: a thread pinned to the caller's CPU
// spins that long while the caller, pinned there too, yields to it. A yield that hands the CPU to
// another runnable task is an involuntary context switch, as a scheduler's preemption is.
inline void be_preempted_for(double ms) {
  cpu_set_t before, one;
  sched_getaffinity(0, sizeof before, &before);
  CPU_ZERO(&one);
  CPU_SET(sched_getcpu(), &one);
  sched_setaffinity(0, sizeof one, &one);
  struct Hog {
    double ms;
    std::atomic<bool> done{false};
  } hog{ms};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setaffinity_np(&attributes, sizeof one, &one);
  pthread_t thread;
  pthread_create(
      &thread, &attributes,
      [](void* argument) -> void* {
        auto* state = static_cast<Hog*>(argument);
        spin_for(state->ms);
        state->done.store(true);
        return nullptr;
      },
      &hog);
  pthread_attr_destroy(&attributes);
  // Yields until the hog has ended (no blocking join: this thread must not give the CPU up
  // voluntarily, or it would be blocked rather than preempted).
  while (pthread_tryjoin_np(thread, nullptr) != 0) sched_yield();
  sched_setaffinity(0, sizeof before, &before);
}

}  // namespace test_support
#endif
