// Public API of alloc_hooks: exact process-wide allocation counters fed by the replaced global
// operator new/delete, allocation latency, scoped measurement windows, backend and budget control.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "alloc_hooks/latency_histogram.hpp"

namespace alloc_hooks {

// What is timed. Chosen at start-up by ALLOC_HOOKS_TIMING=off|alloc|all (default alloc), and
// switchable at run time. Timing frees too doubles the clock reads per new/delete pair
// (docs/performance.md), so it is asked for, not default.
enum class TimingMode : std::uint8_t { off, allocations, allocations_and_frees };
void set_timing(TimingMode mode);
TimingMode timing();

// Latency percentiles in nanoseconds. Percentiles are bucket upper bounds (at most 1.6 % above
// the true value); max_ns is exact where the source keeps an exact maximum. The fields are listed
// once, X(member, name): the struct, the profile report's lines, the result and profile
// documents (whose keys are the names) and their readers expand the list.
#define ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(X) \
  X(count, "count")                           \
  X(p50_ns, "p50")                            \
  X(p90_ns, "p90")                            \
  X(p99_ns, "p99")                            \
  X(p999_ns, "p999")                          \
  X(max_ns, "max")                            \
  X(mean_ns, "mean")
struct LatencySummary {
#define ALLOC_HOOKS_LATENCY_MEMBER(member, name) std::uint64_t member = 0;
  ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(ALLOC_HOOKS_LATENCY_MEMBER)
#undef ALLOC_HOOKS_LATENCY_MEMBER
};
// The fields' names in the documents, in the list's order.
inline constexpr const char* kLatencySummaryNames[] = {
#define ALLOC_HOOKS_LATENCY_NAME(member, name) name,
    ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(ALLOC_HOOKS_LATENCY_NAME)
#undef ALLOC_HOOKS_LATENCY_NAME
};
LatencySummary summarize(const LatencyHistogram& histogram);

// Where an allocation came from, listed once (the enum, the names and every per-source figure
// expand this list). A free is counted under the source of the function that frees, whatever
// allocated the block; a block is counted once, under the outermost counted function (a malloc
// that calls HeapAlloc is one malloc).
#define ALLOC_HOOKS_SOURCES(X)                                                                     \
  X(operator_new) /* the 20 operator new/delete forms */                                           \
  X(malloc)       /* the C malloc family (alloc_hooks::alloc_hooks_malloc, the preload library) */ \
  X(win32_heap)   /* HeapAlloc, HeapReAlloc, HeapFree of any heap (Windows) */
enum class Source : std::uint8_t {
#define ALLOC_HOOKS_SOURCE_ENUMERATOR(name) name,
  ALLOC_HOOKS_SOURCES(ALLOC_HOOKS_SOURCE_ENUMERATOR)
#undef ALLOC_HOOKS_SOURCE_ENUMERATOR
};
#define ALLOC_HOOKS_COUNT_SOURCE(name) +1
inline constexpr std::size_t kSourceCount = 0 ALLOC_HOOKS_SOURCES(ALLOC_HOOKS_COUNT_SOURCE);
#undef ALLOC_HOOKS_COUNT_SOURCE
const char* source_name(Source source);  // "operator_new", "malloc", "win32_heap"

// The counters kept per source, listed once: every struct that carries them, their merge and
// their difference expand this list (mimalloc's MI_STAT_FIELDS is the model).
#define ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(X)                                              \
  X(allocations)        /* successful allocation calls (a moving realloc: one of each) */ \
  X(frees)              /* frees of counted blocks (free(nullptr) is none) */             \
  X(failed_allocations) /* bad_alloc thrown or nullptr returned */                        \
  X(limit_refusals)     /* of those, refused by the live-bytes limit */                   \
  X(bytes_allocated)    /* cumulative requested bytes */                                  \
  X(bytes_freed)                                                                          \
  X(reserved_bytes_allocated) /* cumulative usable bytes the backend handed out */        \
  X(reserved_bytes_freed)                                                                 \
  X(latency_budget_violations)                                                            \
  X(sized_delete_mismatches) /* a sized delete whose size is not the block's requested size */

struct SourceCounters {
#define ALLOC_HOOKS_DECLARE_FIELD(name) std::uint64_t name = 0;
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_DECLARE_FIELD)
#undef ALLOC_HOOKS_DECLARE_FIELD
  SourceCounters& operator+=(const SourceCounters& other);
  SourceCounters& operator-=(const SourceCounters& other);
};

// The kernel's work that can happen inside an allocator's call: page faults (the allocator
// writing into memory the kernel has not backed yet) and the system calls by which allocators get
// and give back memory. Counted only on threads that asked (watch_kernel_events_on_this_thread),
// and only inside the backend's calls. Listed once: the counts, their merge, the events watched
// and the names results use expand this list.
#define ALLOC_HOOKS_KERNEL_EVENT_KINDS(X) \
  X(page_faults)                          \
  X(brk)                                  \
  X(mmap)                                 \
  X(munmap)                               \
  X(madvise)                              \
  X(mremap)                               \
  X(mprotect)

struct KernelEventCounts {
#define ALLOC_HOOKS_DECLARE_FIELD(name) std::uint64_t name = 0;
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_DECLARE_FIELD)
#undef ALLOC_HOOKS_DECLARE_FIELD
  KernelEventCounts& operator+=(const KernelEventCounts& other);
  KernelEventCounts& operator-=(const KernelEventCounts& other);
  std::uint64_t total() const;
};

// Starts counting the kernel events above inside the calling thread's allocation and free calls
// (Linux: the kernel records the thread's page faults and those system calls into a ring the hooks
// read before and after each backend call; a call in which nothing happened costs two loads).
// Other threads are not watched. The ring is mapped and touched here, so it is in the process's
// RSS from now on, not later. `why_not` says in one line what is not counted and why (no perf
// events for this process, system calls not traceable without privileges, another OS).
struct KernelEventWatch {
  bool page_faults = false;
  bool system_calls = false;
  const char* why_not = nullptr;
};
KernelEventWatch watch_kernel_events_on_this_thread();
void unwatch_kernel_events_on_this_thread();

// Process-wide figures, merged from every thread (exited ones included) when read. The inherited
// fields are the totals over both sources.
struct Counters : SourceCounters {
  std::array<SourceCounters, kSourceCount> by_source{};  // indexed by Source
  std::int64_t live_bytes = 0;                           // requested bytes not yet freed
  std::uint64_t peak_live_bytes = 0;                     // highest live_bytes since start-up
  std::int64_t live_reserved_bytes = 0;
  LatencyHistogram alloc_latency;  // in clock ticks
  LatencyHistogram free_latency;
  KernelEventCounts kernel_events_in_allocations;  // on watched threads only
  KernelEventCounts kernel_events_in_frees;
};
Counters read_counters();
// Just the live bytes, cheaply (no histograms merged): for samplers.
std::int64_t live_bytes();

struct SlowAllocation {
  std::uint64_t latency_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t thread_id = 0;  // the OS thread id
  std::uint32_t stack_id = 0;   // its call stack (alloc_hooks/sites.hpp); 0 when none was taken
};
struct SlowestAllocations {
  static constexpr std::size_t kCapacity = 64;
  std::array<SlowAllocation, kCapacity> items{};  // slowest first
  std::size_t size = 0;
};
// The n slowest allocations (n <= kCapacity) since start-up or the last reset.
SlowestAllocations slowest_allocations(std::size_t n = 16);
void reset_slowest_allocations();

// Figures restricted to what happened between construction and result(). Windows are
// process-wide (all threads count) and nest last-in first-out. The inherited fields are the
// totals over both sources.
struct WindowResult : SourceCounters {
  std::array<SourceCounters, kSourceCount> by_source{};
  std::int64_t live_bytes_delta = 0;
  std::int64_t live_reserved_bytes_delta = 0;
  std::uint64_t peak_live_bytes = 0;  // highest live bytes inside, minus live bytes at the start
  LatencySummary alloc_latency;       // max_ns exact
  LatencySummary free_latency;        // max_ns is the top bucket's bound
  LatencyHistogram alloc_latency_histogram;
  KernelEventCounts kernel_events_in_allocations;  // on watched threads only
  KernelEventCounts kernel_events_in_frees;
};

class Window {
 public:
  Window();
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;
  // Closes the window on the first call; later calls return the same figures.
  WindowResult result();

 private:
  Counters start_;
  std::uint64_t saved_peak_live_bytes_;
  std::uint64_t saved_max_alloc_ticks_;
  bool open_ = true;
  WindowResult result_;
};

// Live-bytes batching, off (0) by default; also set by ALLOC_HOOKS_LIVE_BATCH_BYTES. Off, every
// allocation and free updates one shared counter: live and peak bytes are exact in the order the
// updates happened, but threads contend for that counter. With `bytes` > 0, each thread passes its
// changes on in batches of more than `bytes`: counts, bytes and live bytes read after the threads
// are done stay exact, and a peak is off by at most `bytes` for every thread other than the one
// that reached it (exact with one thread). Set it before threads start allocating.
void set_live_batch_bytes(std::uint64_t bytes);

struct BackendInfo {
  const char* name;     // "system", "mimalloc", "jemalloc" or "tcmalloc" (backends.hpp)
  const char* version;  // e.g. "glibc 2.36", "mimalloc 2.0.9", "jemalloc 5.3.0"
};
// Chosen once, before the first allocation, by ALLOC_HOOKS_BACKEND (default system).
BackendInfo backend();

struct ClockInfo {
  const char* name;  // "rdtsc", "cntvct", or "steady_clock"
  double ns_per_tick;
};
ClockInfo clock_info();

// Optional in-process budgets, off (0) by default; also set by ALLOC_HOOKS_LIVE_BYTES_LIMIT and
// ALLOC_HOOKS_ALLOC_BUDGET_NS. An allocation that would take live bytes above the limit fails as
// the standard says (bad_alloc, or nullptr for nothrow forms). A slower allocation than the latency
// budget is counted, the worst kept.
void set_live_bytes_limit(std::uint64_t bytes);
void set_alloc_latency_budget_ns(std::uint64_t ns);
struct BudgetReport {
  std::uint64_t live_bytes_limit = 0;
  std::uint64_t limit_refusals = 0;
  std::uint64_t alloc_latency_budget_ns = 0;
  std::uint64_t latency_budget_violations = 0;
  SlowAllocation worst_violation;
};
BudgetReport budget_report();

// The first sized deletes whose size was not the block's requested size (deleting through a base
// class without a virtual destructor, or a wrong array length); counted in sized_delete_mismatches.
struct SizedDeleteMismatch {
  std::uint64_t requested_size = 0;  // what the allocation asked for
  std::uint64_t delete_size = 0;     // what the sized delete said
  std::uint64_t thread_id = 0;
};
struct SizedDeleteMismatches {
  static constexpr std::size_t kCapacity = 8;
  std::array<SizedDeleteMismatch, kCapacity> first{};
  std::size_t size = 0;
};
SizedDeleteMismatches sized_delete_mismatches();

}  // namespace alloc_hooks
