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

}  // namespace

std::string format_summary(const Counters& counters) {
  return fmt::format(
      "allocations={} frees={} failed={} bytes_allocated={} live_bytes={} peak_live_bytes={} "
      "live_reserved_bytes={}\n{}\n{}",
      counters.allocations, counters.frees, counters.failed_allocations, counters.bytes_allocated,
      counters.live_bytes, counters.peak_live_bytes, counters.live_reserved_bytes,
      format_latency("alloc", summarize(counters.alloc_latency)),
      format_latency("free", summarize(counters.free_latency)));
}

std::string format_summary(const WindowResult& result) {
  return fmt::format(
      "allocations={} frees={} failed={} bytes_allocated={} live_bytes_delta={} peak_live_bytes={} "
      "reserved_bytes_allocated={}\n{}\n{}",
      result.allocations, result.frees, result.failed_allocations, result.bytes_allocated,
      result.live_bytes_delta, result.peak_live_bytes, result.reserved_bytes_allocated,
      format_latency("alloc", result.alloc_latency), format_latency("free", result.free_latency));
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
