// The profile report: what the preload library (Linux) or the hooks' DLL (Windows) writes at the
// end of a profiled program, for `memory_baseline profile` to read. A text file of lines "KEY
// VALUES...", values separated by one space. The writer
// (alloc_hooks/src/preload/profile_report.cpp) and the reader
// (tools/memory_baseline/src/profile_document.cpp) both take the version, the keys and each line's
// values from here; the reader refuses a report of another version.
#pragma once

namespace alloc_hooks::profile_format {

// Raised on any change to a line below.
inline constexpr int kVersion = 4;

// The first line: "alloc_hooks_profile VERSION".
inline constexpr char kFirst[] = "alloc_hooks_profile";
// The last line: a report without it was cut short (the process ended while it was written).
inline constexpr char kEnd[] = "end";

// How the program ended, which is as far as the figures go: "exit" (its exit handlers and static
// destructors ran first), "_exit" (none ran: _exit or _Exit), "signal NUMBER" (a fatal signal) or
// "exec" (the process went on as another program).
inline constexpr char kEndedBy[] = "ended_by";
// Which process image wrote the report: "PID IMAGE PARENT_PID PARENT_IMAGE INHERITED_LIVE_BYTES
// STARTED_NS ENDED_NS". IMAGE counts the programs the process ran before this one (an exec starts
// the next); the parent is the image that forked or spawned it, or for IMAGE > 0 the one that
// exec'd it; -1 -1 for the process the runner started. INHERITED_LIVE_BYTES: the live bytes a fork
// child held at its fork (its figures start there), else 0. STARTED_NS and ENDED_NS: when its
// figures start and end on the system's monotonic clock (Linux CLOCK_MONOTONIC), 0 where unknown.
inline constexpr char kProcess[] = "process";
// One per argument of the program, in order (ARGUMENT: the rest of the line, a backslash written
// as "\\" and a newline as "\n").
inline constexpr char kArgument[] = "argument";
// Where the process keeps its live bytes (hex): a std::int64_t the runner may read while it runs
// (process_vm_readv), for live bytes over time. In the report's start.
inline constexpr char kLiveBytesAddress[] = "live_bytes_address";
// The first line of a snapshot (a file of its own, REPORT.snapshot.INDEX): "INDEX TIME_NS
// TRIGGER", TIME_NS on the monotonic clock, TRIGGER "signal" or "growth"; then its live_bytes and
// peak_live_bytes lines, the stack lines of every stack holding live bytes (their frames; no
// modules: the report's), and kEnd.
inline constexpr char kSnapshot[] = "snapshot";
// "signal NAME": snapshots are taken on signal NAME; "taken NAME": the program set its own action
// for it, and snapshots by signal stopped there; "unavailable NAME": it was not at its default
// action when the program started (ignored or handled), so none were taken by signal.
inline constexpr char kSnapshotSignal[] = "snapshot_signal";
inline constexpr char kBackend[] = "backend";                 // NAME
inline constexpr char kBackendVersion[] = "backend_version";  // VERSION, the rest of the line
inline constexpr char kClock[] = "clock";                     // NAME NS_PER_TICK
// Counters: "SOURCE.FIELD VALUE", one line per field of ALLOC_HOOKS_SOURCE_COUNTER_FIELDS, for
// SOURCE kTotal and each source's name (ALLOC_HOOKS_SOURCES).
inline constexpr char kTotal[] = "total";
inline constexpr char kLiveBytes[] = "live_bytes";                   // BYTES (signed)
inline constexpr char kPeakLiveBytes[] = "peak_live_bytes";          // BYTES
inline constexpr char kLiveReservedBytes[] = "live_reserved_bytes";  // BYTES (signed)
// The latency summaries: the fields of ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS, in its order.
inline constexpr char kAllocLatency[] = "alloc_latency";
inline constexpr char kFreeLatency[] = "free_latency";
inline constexpr char kAllocHistogram[] = "alloc_histogram";  // LOWEST_NS HIGHEST_NS COUNT
inline constexpr char kSlowest[] = "slowest";                 // LATENCY_NS SIZE THREAD_ID STACK_ID
// LIVE_BYTES_LIMIT ALLOC_BUDGET_NS, then the worst violation: LATENCY_NS SIZE THREAD_ID STACK_ID
inline constexpr char kBudget[] = "budget";
// REQUESTED_SIZE DELETE_SIZE THREAD_ID
inline constexpr char kSizedDeleteMismatch[] = "sized_delete_mismatch";
// SAMPLE_BYTES SAMPLES SNAPSHOT_LIVE_BYTES UNRECORDED_SAMPLES STACK_WALKER
inline constexpr char kSampling[] = "sampling";
inline constexpr char kModule[] = "module";  // BASE (hex) PATH (the rest of the line)
// ID LIVE_BYTES PEAK_SNAPSHOT_BYTES ALLOCATED_BYTES ALLOCATIONS ALLOC_LATENCY_NS, then the
// stack's return addresses (hex), innermost first
inline constexpr char kStack[] = "stack";

}  // namespace alloc_hooks::profile_format
