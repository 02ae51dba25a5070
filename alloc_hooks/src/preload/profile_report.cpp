// The profile report's lines, as alloc_hooks/profile_format.hpp defines them.
#include "preload/profile_report.hpp"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/profile_format.hpp"
#include "alloc_hooks/sites.hpp"
#include "core/accounting.hpp"
#include "core/backend.hpp"
#include "core/clock.hpp"
#include "core/platform/platform.hpp"
#include "core/restart.hpp"

namespace alloc_hooks::detail {

namespace {

namespace format = profile_format;

// "key value" lines through a fixed buffer, written out whenever it fills: the figures are a few
// kilobytes, the stacks of the sites up to some megabytes.
class Report {
 public:
  bool open_file(const char* path) {
    file_ = platform::create_file(path);
    return file_ >= 0;
  }
  void line(const char* format, ...) __attribute__((format(printf, 2, 3))) {
    if (sizeof text_ - length_ < kLongestLine) flush();
    va_list arguments;
    va_start(arguments, format);
    const int written = std::vsnprintf(text_ + length_, sizeof text_ - length_, format, arguments);
    va_end(arguments);
    if (written > 0)
      length_ = std::min(sizeof text_ - 1, length_ + static_cast<std::size_t>(written));
  }
  void counters(const char* prefix, const SourceCounters& counters) {
#define ALLOC_HOOKS_REPORT_FIELD(name) \
  line("%s.%s %llu\n", prefix, #name, static_cast<unsigned long long>(counters.name));
    ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_REPORT_FIELD)
#undef ALLOC_HOOKS_REPORT_FIELD
  }
  // The summary's fields in the list's order (ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS).
  void latency(const char* prefix, const LatencySummary& latency) {
    line("%s", prefix);
#define ALLOC_HOOKS_REPORT_LATENCY(member, name) \
  line(" %llu", static_cast<unsigned long long>(latency.member));
    ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(ALLOC_HOOKS_REPORT_LATENCY)
#undef ALLOC_HOOKS_REPORT_LATENCY
    line("\n");
  }
  // A stack's figures and return addresses on one line.
  void stack(std::uint32_t id, const SiteFigures& figures) {
    const Stack frames = alloc_hooks::stack(id);
    line("%s %u %lld %lld %llu %llu %llu", format::kStack, id,
         static_cast<long long>(figures.live_bytes),
         static_cast<long long>(figures.peak_snapshot_bytes),
         static_cast<unsigned long long>(figures.allocated_bytes),
         static_cast<unsigned long long>(figures.allocations),
         static_cast<unsigned long long>(figures.alloc_latency_ns));
    for (std::size_t i = 0; i < frames.depth; ++i) line(" %p", frames.frames[i]);
    line("\n");
  }
  static constexpr std::size_t kLongestLine = 8192;  // a path, an argument, or 64 stack frames
  bool close_file() {
    flush();
    return platform::close_file(file_) && !failed_;
  }

 private:
  void flush() {
    failed_ = failed_ || !platform::write_file(file_, text_, length_);
    length_ = 0;
  }

  char text_[64 * 1024];
  std::size_t length_ = 0;
  std::intptr_t file_ = -1;
  bool failed_ = false;
};

Report report;
Report snapshot_report;
std::atomic<bool> snapshot_being_written{false};

void argument_line(const char* argument, std::size_t length) {
  char escaped[Report::kLongestLine / 2];
  std::size_t used = 0;
  for (std::size_t i = 0; i < length && used + 2 < sizeof escaped; ++i) {
    const char c = argument[i];
    if (c == '\\' || c == '\n') escaped[used++] = '\\';
    escaped[used++] = c == '\n' ? 'n' : c;
  }
  report.line("%s %.*s\n", format::kArgument, static_cast<int>(used), escaped);
}

// The first line, who wrote the report and its arguments.
void report_start(const ProcessIdentity& process) {
  report.line("%s %d\n", format::kFirst, format::kVersion);
  report.line("%s %lld %lld %lld %lld %lld %lld %lld\n", format::kProcess, process.pid,
              process.image, process.parent_pid, process.parent_image,
              static_cast<long long>(live_bytes_at_restart()), process.started_ns,
              process.ended_ns);
  if (process.list_arguments != nullptr) process.list_arguments(argument_line);
  report.line("%s %llx\n", format::kLiveBytesAddress,
              static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(&live_bytes)));
}

// The sampler and every stack with a figure or a slow allocation.
void report_sites(const SlowestAllocations& slowest, const BudgetReport& budgets,
                  void (*list_modules)(ModuleLine line)) {
  const SamplingReport sampling = sampling_report();
  report.line("%s %llu %llu %llu %llu %s\n", format::kSampling,
              static_cast<unsigned long long>(sampling.sample_bytes),
              static_cast<unsigned long long>(sampling.samples),
              static_cast<unsigned long long>(sampling.snapshot_live_bytes),
              static_cast<unsigned long long>(sampling.unrecorded_samples), sampling.stack_walker);
  list_modules([](std::uintptr_t base, const char* path) {
    report.line("%s %llx %s\n", format::kModule, static_cast<unsigned long long>(base), path);
  });
  const std::uint32_t stacks = stack_count();
  for (std::uint32_t id = 1; id < stacks; ++id) {
    const SiteFigures figures = site_figures(id);
    bool slow = budgets.worst_violation.stack_id == id;
    for (std::size_t i = 0; i < slowest.size; ++i) slow = slow || slowest.items[i].stack_id == id;
    if (slow || figures.allocations != 0 || figures.live_bytes != 0 ||
        figures.peak_snapshot_bytes != 0)
      report.stack(id, figures);
  }
}

}  // namespace

bool write_profile_report_start(const char* path, const ProcessIdentity& process) {
  if (!report.open_file(path)) return false;
  report_start(process);
  return report.close_file();
}

void restart_profile_snapshots() {
  snapshot_being_written.store(false, std::memory_order_relaxed);
}

bool write_profile_snapshot(const char* path, unsigned index, long long time_ns,
                            const char* trigger) {
  if (snapshot_being_written.exchange(true, std::memory_order_acquire)) return false;
  bool written = snapshot_report.open_file(path);
  if (written) {
    const Counters counters = counters_since_restart();
    snapshot_report.line("%s %d\n", format::kFirst, format::kVersion);
    snapshot_report.line("%s %u %lld %s\n", format::kSnapshot, index, time_ns, trigger);
    snapshot_report.line("%s %lld\n", format::kLiveBytes,
                         static_cast<long long>(counters.live_bytes));
    snapshot_report.line("%s %llu\n", format::kPeakLiveBytes,
                         static_cast<unsigned long long>(counters.peak_live_bytes));
    const std::uint32_t stacks = stack_count();
    for (std::uint32_t id = 1; id < stacks; ++id) {
      const SiteFigures figures = site_figures(id);
      if (figures.live_bytes != 0) snapshot_report.stack(id, figures);
    }
    snapshot_report.line("%s\n", format::kEnd);
    written = snapshot_report.close_file();
  }
  snapshot_being_written.store(false, std::memory_order_release);
  return written;
}

bool write_profile_report(const char* path, const char* ended_by, const ProcessIdentity& process,
                          const char* snapshot_signal, void (*list_modules)(ModuleLine line)) {
  if (!report.open_file(path)) return false;
  const Counters counters = counters_since_restart();
  const BackendInfo active = backend();
  const ClockInfo clock = clock_info();
  report_start(process);
  report.line("%s %s\n", format::kEndedBy, ended_by);
  if (snapshot_signal != nullptr) report.line("%s %s\n", format::kSnapshotSignal, snapshot_signal);
  report.line("%s %s\n", format::kBackend, active.name);
  report.line("%s %s\n", format::kBackendVersion, active.version);
  report.line("%s %s %.6f\n", format::kClock, clock.name, clock.ns_per_tick);
  report.counters(format::kTotal, counters);
  for (std::size_t source = 0; source < kSourceCount; ++source)
    report.counters(source_name(static_cast<Source>(source)), counters.by_source[source]);
  report.line("%s %lld\n", format::kLiveBytes, static_cast<long long>(counters.live_bytes));
  report.line("%s %llu\n", format::kPeakLiveBytes,
              static_cast<unsigned long long>(counters.peak_live_bytes));
  report.line("%s %lld\n", format::kLiveReservedBytes,
              static_cast<long long>(counters.live_reserved_bytes));
  report.latency(format::kAllocLatency, summarize(counters.alloc_latency));
  report.latency(format::kFreeLatency, summarize(counters.free_latency));
  const LatencyHistogram& histogram = counters.alloc_latency;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::kBucketCount; ++bucket) {
    if (histogram.counts[bucket] == 0) continue;
    report.line(
        "%s %llu %llu %llu\n", format::kAllocHistogram,
        static_cast<unsigned long long>(ticks_to_ns(LatencyHistogram::bucket_lowest(bucket))),
        static_cast<unsigned long long>(ticks_to_ns(LatencyHistogram::bucket_highest(bucket))),
        static_cast<unsigned long long>(histogram.counts[bucket]));
  }
  const SlowestAllocations slowest = slowest_allocations(SlowestAllocations::kCapacity);
  for (std::size_t i = 0; i < slowest.size; ++i) {
    report.line("%s %llu %llu %llu %u\n", format::kSlowest,
                static_cast<unsigned long long>(slowest.items[i].latency_ns),
                static_cast<unsigned long long>(slowest.items[i].size),
                static_cast<unsigned long long>(slowest.items[i].thread_id),
                slowest.items[i].stack_id);
  }
  const BudgetReport budgets = budget_report();
  report.line("%s %llu %llu %llu %llu %llu %u\n", format::kBudget,
              static_cast<unsigned long long>(budgets.live_bytes_limit),
              static_cast<unsigned long long>(budgets.alloc_latency_budget_ns),
              static_cast<unsigned long long>(budgets.worst_violation.latency_ns),
              static_cast<unsigned long long>(budgets.worst_violation.size),
              static_cast<unsigned long long>(budgets.worst_violation.thread_id),
              budgets.worst_violation.stack_id);
  const SizedDeleteMismatches mismatches = sized_delete_mismatches();
  for (std::size_t i = 0; i < mismatches.size; ++i) {
    report.line("%s %llu %llu %llu\n", format::kSizedDeleteMismatch,
                static_cast<unsigned long long>(mismatches.first[i].requested_size),
                static_cast<unsigned long long>(mismatches.first[i].delete_size),
                static_cast<unsigned long long>(mismatches.first[i].thread_id));
  }
  report_sites(slowest, budgets, list_modules);
  report.line("%s\n", format::kEnd);
  return report.close_file();
}

}  // namespace alloc_hooks::detail
