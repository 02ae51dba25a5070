// The profile report's lines (profile_report.hpp); parsed by the runner's parse_preload_report.
#include "profile_report.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/sites.hpp"
#include "backend.hpp"
#include "clock.hpp"
#include "platform/platform.hpp"

namespace alloc_hooks::detail {

namespace {

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
  void latency(const char* prefix, const LatencySummary& latency) {
    line("%s %llu %llu %llu %llu %llu %llu %llu\n", prefix,
         static_cast<unsigned long long>(latency.count),
         static_cast<unsigned long long>(latency.p50_ns),
         static_cast<unsigned long long>(latency.p90_ns),
         static_cast<unsigned long long>(latency.p99_ns),
         static_cast<unsigned long long>(latency.p999_ns),
         static_cast<unsigned long long>(latency.max_ns),
         static_cast<unsigned long long>(latency.mean_ns));
  }
  // A stack's figures and return addresses on one line.
  void stack(std::uint32_t id, const SiteFigures& figures) {
    const Stack frames = alloc_hooks::stack(id);
    line("stack %u %lld %lld %llu %llu %llu", id, static_cast<long long>(figures.live_bytes),
         static_cast<long long>(figures.peak_snapshot_bytes),
         static_cast<unsigned long long>(figures.allocated_bytes),
         static_cast<unsigned long long>(figures.allocations),
         static_cast<unsigned long long>(figures.alloc_latency_ns));
    for (std::size_t i = 0; i < frames.depth; ++i) line(" %p", frames.frames[i]);
    line("\n");
  }
  bool close_file() {
    flush();
    return platform::close_file(file_) && !failed_;
  }

 private:
  static constexpr std::size_t kLongestLine = 8192;  // a path, or 64 frames of a stack
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

// The sampler and every stack with a figure or a slow allocation.
void report_sites(const SlowestAllocations& slowest, const BudgetReport& budgets,
                  void (*list_modules)(ModuleLine line)) {
  const SamplingReport sampling = sampling_report();
  report.line("sampling %llu %llu %llu %llu %s\n",
              static_cast<unsigned long long>(sampling.sample_bytes),
              static_cast<unsigned long long>(sampling.samples),
              static_cast<unsigned long long>(sampling.snapshot_live_bytes),
              static_cast<unsigned long long>(sampling.unrecorded_samples), sampling.stack_walker);
  list_modules([](std::uintptr_t base, const char* path) {
    report.line("module %llx %s\n", static_cast<unsigned long long>(base), path);
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

bool write_profile_report(const char* path, void (*list_modules)(ModuleLine line)) {
  if (!report.open_file(path)) return false;
  const Counters counters = read_counters();
  const BackendInfo active = backend();
  const ClockInfo clock = clock_info();
  report.line("alloc_hooks_profile 1\n");
  report.line("backend %s\n", active.name);
  report.line("backend_version %s\n", active.version);
  report.line("clock %s %.6f\n", clock.name, clock.ns_per_tick);
  report.counters("total", counters);
  for (std::size_t source = 0; source < kSourceCount; ++source)
    report.counters(source_name(static_cast<Source>(source)), counters.by_source[source]);
  report.line("live_bytes %lld\n", static_cast<long long>(counters.live_bytes));
  report.line("peak_live_bytes %llu\n", static_cast<unsigned long long>(counters.peak_live_bytes));
  report.line("live_reserved_bytes %lld\n", static_cast<long long>(counters.live_reserved_bytes));
  report.latency("alloc_latency", summarize(counters.alloc_latency));
  report.latency("free_latency", summarize(counters.free_latency));
  const LatencyHistogram& histogram = counters.alloc_latency;
  for (std::size_t bucket = 0; bucket < LatencyHistogram::kBucketCount; ++bucket) {
    if (histogram.counts[bucket] == 0) continue;
    report.line(
        "alloc_histogram %llu %llu %llu\n",
        static_cast<unsigned long long>(ticks_to_ns(LatencyHistogram::bucket_lowest(bucket))),
        static_cast<unsigned long long>(ticks_to_ns(LatencyHistogram::bucket_highest(bucket))),
        static_cast<unsigned long long>(histogram.counts[bucket]));
  }
  const SlowestAllocations slowest = slowest_allocations(SlowestAllocations::kCapacity);
  for (std::size_t i = 0; i < slowest.size; ++i) {
    report.line(
        "slowest %llu %llu %llu %u\n", static_cast<unsigned long long>(slowest.items[i].latency_ns),
        static_cast<unsigned long long>(slowest.items[i].size),
        static_cast<unsigned long long>(slowest.items[i].thread_id), slowest.items[i].stack_id);
  }
  const BudgetReport budgets = budget_report();
  report.line("budget %llu %llu %llu %llu %llu %u\n",
              static_cast<unsigned long long>(budgets.live_bytes_limit),
              static_cast<unsigned long long>(budgets.alloc_latency_budget_ns),
              static_cast<unsigned long long>(budgets.worst_violation.latency_ns),
              static_cast<unsigned long long>(budgets.worst_violation.size),
              static_cast<unsigned long long>(budgets.worst_violation.thread_id),
              budgets.worst_violation.stack_id);
  const SizedDeleteMismatches mismatches = sized_delete_mismatches();
  for (std::size_t i = 0; i < mismatches.size; ++i) {
    report.line("sized_delete_mismatch %llu %llu %llu\n",
                static_cast<unsigned long long>(mismatches.first[i].requested_size),
                static_cast<unsigned long long>(mismatches.first[i].delete_size),
                static_cast<unsigned long long>(mismatches.first[i].thread_id));
  }
  report_sites(slowest, budgets, list_modules);
  report.line("end\n");
  return report.close_file();
}

}  // namespace alloc_hooks::detail
