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

// Every counter of the list, "name=value" separated by spaces.
std::string format_fields(const SourceCounters& counters) {
  std::string text;
#define ALLOC_HOOKS_FORMAT_FIELD(name) \
  text += fmt::format("{}{}={}", text.empty() ? "" : " ", #name, counters.name);
  ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(ALLOC_HOOKS_FORMAT_FIELD)
#undef ALLOC_HOOKS_FORMAT_FIELD
  return text;
}

// The totals, then each source's counters, then what the caller adds and the latencies.
template <typename Figures>
std::string format_figures(const Figures& figures, const std::string& live,
                           const LatencySummary& alloc_latency,
                           const LatencySummary& free_latency) {
  std::string text = format_fields(figures) + " " + live;
  for (std::size_t source = 0; source < kSourceCount; ++source) {
    text += fmt::format("\n  {}: {}", source_name(static_cast<Source>(source)),
                        format_fields(figures.by_source[source]));
  }
  return text + "\n" + format_latency("alloc", alloc_latency) + "\n" +
         format_latency("free", free_latency);
}

}  // namespace

std::string format_summary(const Counters& counters) {
  return format_figures(
      counters,
      fmt::format("live_bytes={} peak_live_bytes={} live_reserved_bytes={}", counters.live_bytes,
                  counters.peak_live_bytes, counters.live_reserved_bytes),
      summarize(counters.alloc_latency), summarize(counters.free_latency));
}

std::string format_summary(const WindowResult& result) {
  return format_figures(result,
                        fmt::format("live_bytes_delta={} peak_live_bytes={}",
                                    result.live_bytes_delta, result.peak_live_bytes),
                        result.alloc_latency, result.free_latency);
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
