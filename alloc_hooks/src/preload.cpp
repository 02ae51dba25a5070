// The preload library's own part (liballoc_hooks_preload.so, Linux): the hooks and the malloc
// family are the same objects as in the static targets; this adds what a program that was never
// linked with them needs: a start before main, children left alone, and the figures written to a
// file when the program exits, for `memory_baseline profile` (docs/profile.md).
//
// - ALLOC_HOOKS_PROFILE_OUT names the file. The report is written by this library's destructor,
//   which the dynamic loader runs after the program's exit handlers and static destructors, so
//   allocations made while the program exits are in it; frees glibc makes after that are not.
// - The library takes itself out of LD_PRELOAD at start: programs this one starts with exec (a
//   shell command, posix_spawn) are not measured, as under heaptrack.
// - A fork child keeps the hooks (they hold no lock, so fork cannot deadlock them) but writes no
//   report: only the process that started writes one.
// Nothing here allocates: the report is formatted into a fixed buffer and written with write(2);
// the stacks are raw addresses with the module list, symbolized by the runner.
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/sites.hpp"
#include "backend.hpp"
#include "clock.hpp"
#include "platform/platform.hpp"

namespace alloc_hooks::detail {

namespace {

char report_path[4096];
pid_t starting_process = 0;

// Removes the entry naming this library from LD_PRELOAD, in place (the string only shrinks).
void leave_children_alone() {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&leave_children_alone), &self) == 0 ||
      self.dli_fname == nullptr)
    return;
  const char* own_name = std::strrchr(self.dli_fname, '/');
  own_name = own_name != nullptr ? own_name + 1 : self.dli_fname;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "LD_PRELOAD=", 11) != 0) continue;
    char* write = *entry + 11;
    const char* read = write;
    bool first = true;
    while (*read != '\0') {
      const char* end = read + std::strcspn(read, ": ");
      const char* base = end;
      while (base > read && base[-1] != '/') --base;
      const bool own = static_cast<std::size_t>(end - base) == std::strlen(own_name) &&
                       std::strncmp(base, own_name, static_cast<std::size_t>(end - base)) == 0;
      if (!own && end > read) {
        if (!first) *write++ = ':';
        std::memmove(write, read, static_cast<std::size_t>(end - read));
        write += end - read;
        first = false;
      }
      read = *end != '\0' ? end + 1 : end;
    }
    *write = '\0';
  }
}

__attribute__((constructor)) void start_preloaded() {
  (void)active_backend();
  starting_process = getpid();
  if (const char* path = platform::environment("ALLOC_HOOKS_PROFILE_OUT")) {
    std::snprintf(report_path, sizeof report_path, "%s", path);
  }
  leave_children_alone();
}

// "key value" lines through a fixed buffer, written out whenever it fills: the figures are a few
// kilobytes, the stacks of the sites up to some megabytes.
class Report {
 public:
  bool open_file(const char* path) {
    file_ = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
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
    return close(file_) == 0 && !failed_;
  }

 private:
  static constexpr std::size_t kLongestLine = 8192;  // a path, or 64 frames of a stack
  void flush() {
    std::size_t done = 0;
    while (done < length_) {
      const ssize_t written = write(file_, text_ + done, length_ - done);
      if (written <= 0) break;
      done += static_cast<std::size_t>(written);
    }
    failed_ = failed_ || done != length_;
    length_ = 0;
  }

  char text_[64 * 1024];
  std::size_t length_ = 0;
  int file_ = -1;
  bool failed_ = false;
};

Report report;

// The modules, for symbolizing the stacks after the process is gone: "module BIAS PATH".
int report_module(dl_phdr_info* info, std::size_t, void* first) {
  const char* path = info->dlpi_name;
  static char executable[4096];
  if (*static_cast<bool*>(first) && (path == nullptr || *path == '\0')) {
    const ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
    executable[length > 0 ? length : 0] = '\0';
    path = executable;
  }
  *static_cast<bool*>(first) = false;
  if (path != nullptr && path[0] == '/')
    report.line("module %llx %s\n", static_cast<unsigned long long>(info->dlpi_addr), path);
  return 0;
}

// The sampler and every stack with a figure or a slow allocation.
void report_sites(const SlowestAllocations& slowest, const BudgetReport& budgets) {
  const SamplingReport sampling = sampling_report();
  report.line("sampling %llu %llu %llu %llu %s\n",
              static_cast<unsigned long long>(sampling.sample_bytes),
              static_cast<unsigned long long>(sampling.samples),
              static_cast<unsigned long long>(sampling.snapshot_live_bytes),
              static_cast<unsigned long long>(sampling.unrecorded_samples), sampling.stack_walker);
  bool first = true;
  dl_iterate_phdr(report_module, &first);
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

__attribute__((destructor)) void write_report() {
  if (report_path[0] == '\0' || getpid() != starting_process) return;
  if (!report.open_file(report_path))
    platform::fail_fast("cannot write ALLOC_HOOKS_PROFILE_OUT", 2);
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
  report_sites(slowest, budgets);
  report.line("end\n");
  if (!report.close_file()) platform::fail_fast("cannot write ALLOC_HOOKS_PROFILE_OUT", 2);
}

}  // namespace

}  // namespace alloc_hooks::detail
