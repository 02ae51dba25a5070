// What the scheduler did to the calling thread: readings cheap enough to take around every
// iteration of a workload (two system calls), to tell a time budget that broke because the CPU
// was taken away from one that broke because the work was slow.
#pragma once

#include <cstdint>

namespace monitor {

struct ThreadSchedule {
  std::uint64_t cpu_ns = 0;  // CPU time of the thread so far
  // Times the thread gave up the CPU itself: it blocked on a lock, I/O or a sleep.
  std::uint64_t voluntary_switches = 0;
  // Times the scheduler took the CPU from it while it could have run on: another task's turn,
  // a woken thread, the end of its time slice.
  std::uint64_t involuntary_switches = 0;
};

// The calling thread's figures so far. Windows gives no switch counts (0): there preemption is
// never recognised.
ThreadSchedule read_thread_schedule();

}  // namespace monitor
