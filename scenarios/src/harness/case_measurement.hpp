// One attempt at a case: its iterations, each inside an alloc_hooks window, with the scheduler's
// figures of the thread running it read around each, so that a time budget broken in an
// iteration is known to have broken because the CPU was taken away, or not.
#pragma once

#include <alloc_hooks/sites.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "scenarios/harness.hpp"
#include "scenarios/scenario.hpp"

namespace scenarios {

// The time budgets in the units the iterations are measured in.
struct TimeLimits {
  std::uint64_t alloc_ns;
  std::optional<std::uint64_t> iteration_ns;
};
TimeLimits time_limits(const Budgets& budgets);

// What the scheduler did to the thread running one iteration, read around it (outside its window).
struct IterationSchedule {
  std::uint64_t off_cpu_ns = 0;  // wall time minus the thread's CPU time
  bool switched_out = false;     // the CPU was taken from it at least once
  bool blocked = false;          // it gave the CPU up itself (a lock, I/O, a sleep)

  // The CPU was taken from the thread, which never gave it up itself: all its time off the CPU
  // was taken from it.
  bool taken_away() const { return switched_out && !blocked; }
  // Whether that explains `excess_ns` over a budget: at least that long off the CPU. Slow work on
  // the CPU, or waiting for a lock, is not preemption.
  bool preempted_for(std::uint64_t excess_ns) const {
    return taken_away() && off_cpu_ns >= excess_ns;
  }
};
// The schedule between two readings.
IterationSchedule schedule_between(const ScheduleReading& start, const ScheduleReading& end);

// The harness's own reading: the scheduler's figures of the calling thread, then the clock.
ScheduleReading read_schedule();

// The live-bytes change an iteration must leave, unless any is allowed.
struct AllowedDelta {
  bool any = false;
  std::int64_t bytes = 0;
};

// Room for the sites' figures, made before the first case and kept to the end of the run. Freed
// after each attempt, it changed the allocator the next attempt measured: glibc mmaps blocks of
// this size, and freeing an mmapped block raises its mmap and trim thresholds, so a later attempt
// of the concepts case never trimmed the heap where the first did (docs/scenarios.md). It grows
// only when the stacks outgrow it, at the start of a case.
struct SiteRoom {
  std::vector<alloc_hooks::SiteFigures> before, at_peak, after;
  void make_room();
};

// One attempt at a case: `iterations` iterations, the schedule read by `read` (read_schedule, or
// a test scenario's own). Only the thread running the iterations is watched: a workload that
// allocates on threads of its own (concurrent) has its breaches never taken for preemption.
CaseResult measure_case(const Case& workload, std::uint64_t iterations, const TimeLimits& limits,
                        AllowedDelta allowed_delta, const std::function<ScheduleReading()>& read,
                        SiteRoom& sites);

}  // namespace scenarios
