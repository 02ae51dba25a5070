// Windows: no kernel events are counted (ETW could give page faults and VirtualAlloc calls, but
// only to an elevated trace session); the watch says so and the hot path never reads a ring.
#include "core/kernel_events.hpp"

namespace alloc_hooks {

namespace detail {
void count_kernel_events(KernelEventRing&, std::uint64_t, std::uint64_t, AtomicKernelEventCounts&) {
}
}  // namespace detail

KernelEventWatch watch_kernel_events_on_this_thread() {
  return {false, false, "kernel events not counted: only on Linux"};
}

void unwatch_kernel_events_on_this_thread() {}

}  // namespace alloc_hooks
