// What the scheduler did to the process: a reading cheap enough to take around every iteration of
// a workload (one system call), to tell a time budget that broke because the CPU was taken away
// from one that broke because the work was slow.
#pragma once

#include <cstdint>

namespace monitor {

// Involuntary context switches of the whole process so far (all threads): times the scheduler
// took the CPU from a thread that could have gone on running, for another task or because its
// time slice ran out. A thread that blocks (a lock, I/O, a sleep) switches voluntarily and is
// not counted. 0 where the OS gives no such count (Windows).
std::uint64_t read_involuntary_context_switches();

}  // namespace monitor
