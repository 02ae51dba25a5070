// Text summaries of the figures, logged through spdlog; used by tools and demos, never by the
// hooks.
#include "alloc_hooks/summary.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace alloc_hooks {

namespace {

std::string format_latency(const char* what, const LatencySummary& latency) {
  return fmt::format(
      "{} latency: n={} p50={} ns p90={} ns p99={} ns p99.9={} ns max={} ns mean={} ns", what,
      latency.count, latency.p50_ns, latency.p90_ns, latency.p99_ns, latency.p999_ns,
      latency.max_ns, latency.mean_ns);
}

// What process counters and window results have in common, under the names each uses.
struct Figures {
  std::uint64_t allocations, frees, failed_allocations, bytes_allocated;
  const char* live_name;
  std::int64_t live;
  std::uint64_t peak_live_bytes;
  const char* reserved_name;
  std::int64_t reserved;
  LatencySummary alloc_latency, free_latency;
};

std::string format_figures(const Figures& figures) {
  return fmt::format(
      "allocations={} frees={} failed={} bytes_allocated={} {}={} peak_live_bytes={} {}={}\n{}\n{}",
      figures.allocations, figures.frees, figures.failed_allocations, figures.bytes_allocated,
      figures.live_name, figures.live, figures.peak_live_bytes, figures.reserved_name,
      figures.reserved, format_latency("alloc", figures.alloc_latency),
      format_latency("free", figures.free_latency));
}

}  // namespace

std::string format_summary(const Counters& counters) {
  return format_figures({counters.allocations, counters.frees, counters.failed_allocations,
                         counters.bytes_allocated, "live_bytes", counters.live_bytes,
                         counters.peak_live_bytes, "live_reserved_bytes",
                         counters.live_reserved_bytes, summarize(counters.alloc_latency),
                         summarize(counters.free_latency)});
}

std::string format_summary(const WindowResult& result) {
  return format_figures({result.allocations, result.frees, result.failed_allocations,
                         result.bytes_allocated, "live_bytes_delta", result.live_bytes_delta,
                         result.peak_live_bytes, "reserved_bytes_allocated",
                         static_cast<std::int64_t>(result.reserved_bytes_allocated),
                         result.alloc_latency, result.free_latency});
}

void log_summary() {
  const BackendInfo active = backend();
  const ClockInfo clock = clock_info();
  spdlog::info("backend {} ({}), clock {} ({:.4f} ns/tick)", active.name, active.version,
               clock.name, clock.ns_per_tick);
  spdlog::info("{}", format_summary(read_counters()));
  const SlowestAllocations slowest = slowest_allocations();
  for (std::size_t i = 0; i < slowest.size; ++i) {
    spdlog::info("slow allocation #{}: {} ns, {} bytes, thread {}", i + 1,
                 slowest.items[i].latency_ns, slowest.items[i].size, slowest.items[i].thread_id);
  }
}

}  // namespace alloc_hooks
