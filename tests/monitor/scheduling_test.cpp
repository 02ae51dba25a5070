// The scheduler's figures of the calling thread: the CPU taken away counts as involuntary
// switches, blocking as voluntary ones, and CPU time moves only while the thread runs.
#include "monitor/scheduling.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "support/preemption.hpp"

namespace {

#if defined(__linux__)
// Pins the calling thread to the CPU it is on, before anything is measured: a thread that the
// scheduler moved since sched_getcpu() must be moved back by sched_setaffinity, and waiting for
// that move is a voluntary switch (a loaded machine moves threads more often).
class PinnedToThisCpu {
 public:
  PinnedToThisCpu() {
    sched_getaffinity(0, sizeof before_, &before_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof one, &one);
  }
  ~PinnedToThisCpu() { sched_setaffinity(0, sizeof before_, &before_); }
  PinnedToThisCpu(const PinnedToThisCpu&) = delete;
  PinnedToThisCpu& operator=(const PinnedToThisCpu&) = delete;

 private:
  cpu_set_t before_;
};

TEST(Scheduling, TheCpuTakenAwayIsAnInvoluntarySwitchWithoutCpuTime) {
  // be_preempted_for pins the thread where it runs, here where it already is: no move, no wait.
  const PinnedToThisCpu pinned;
  const monitor::ThreadSchedule before = monitor::read_thread_schedule();
  test_support::be_preempted_for(20);
  const monitor::ThreadSchedule after = monitor::read_thread_schedule();
  EXPECT_GT(after.involuntary_switches, before.involuntary_switches);
#if !defined(__SANITIZE_THREAD__)
  // The helper never blocks (ThreadSanitizer's pthread_create does: it waits for the new thread).
  EXPECT_EQ(after.voluntary_switches, before.voluntary_switches);
#endif
}

TEST(Scheduling, BlockingIsAVoluntarySwitch) {
  const monitor::ThreadSchedule before = monitor::read_thread_schedule();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GT(monitor::read_thread_schedule().voluntary_switches, before.voluntary_switches);
}

TEST(Scheduling, CpuTimeGrowsWithWorkOnTheCpu) {
  const monitor::ThreadSchedule before = monitor::read_thread_schedule();
  test_support::spin_for(20);
  // 20 ms of wall time spent spinning: at least some of it on this thread's CPU clock.
  EXPECT_GT(monitor::read_thread_schedule().cpu_ns, before.cpu_ns);
}
#else
// No switch counts: preemption is never recognised, so nothing is retried for it.
TEST(Scheduling, WindowsGivesNoSwitchCounts) {
  const monitor::ThreadSchedule schedule = monitor::read_thread_schedule();
  EXPECT_EQ(schedule.voluntary_switches, 0u);
  EXPECT_EQ(schedule.involuntary_switches, 0u);
}
#endif

}  // namespace
