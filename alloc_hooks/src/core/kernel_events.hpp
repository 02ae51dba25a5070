// Kernel events inside the backend's calls, on watched threads: the hot path's side. A watched
// thread's ring (platform/linux_kernel_events.cpp) has a head the kernel advances with every
// event it records; the hooks read it before and after a backend call, and only when it moved
// inside the call are the records read and counted (count_kernel_events). Events between calls
// are skipped by moving the ring's tail, so the kernel never finds it full.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc_hooks/alloc_hooks.hpp"
#include "core/internal.hpp"
#include "core/thread_counters.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

struct KernelEventRing {
  const volatile std::uint64_t* head = nullptr;  // the kernel's write position; null: not watched
  volatile std::uint64_t* tail = nullptr;        // ours: how far the kernel may overwrite
  std::uint64_t read_up_to = 0;                  // the head as last seen
};
extern constinit thread_local KernelEventRing kernel_event_ring;

inline std::uint64_t load_head(const KernelEventRing& ring) {
  return __atomic_load_n(ring.head, __ATOMIC_ACQUIRE);
}

// Before a backend call: the head, after skipping what happened since the last call.
inline std::uint64_t kernel_events_before_call() {
#if !defined(__linux__)
  return 0;  // no rings elsewhere, and mingw's emulated TLS would make the check a call
#endif
  KernelEventRing& ring = kernel_event_ring;
  if (__builtin_expect(ring.head == nullptr, 1)) return 0;
  const std::uint64_t head = load_head(ring);
  if (head != ring.read_up_to) {
    __atomic_store_n(ring.tail, head, __ATOMIC_RELEASE);
    ring.read_up_to = head;
  }
  return head;
}

// Reads the records from `from` to `to` into `into` and frees their room (platform code).
void count_kernel_events(KernelEventRing& ring, std::uint64_t from, std::uint64_t to,
                         AtomicKernelEventCounts& into);

// After the call: counts what the kernel recorded inside it.
inline void kernel_events_after_call(std::uint64_t before, AtomicKernelEventCounts& into) {
#if !defined(__linux__)
  return;
#endif
  KernelEventRing& ring = kernel_event_ring;
  if (__builtin_expect(ring.head == nullptr, 1)) return;
  const std::uint64_t head = load_head(ring);
  if (head != before) count_kernel_events(ring, before, head, into);
}

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
