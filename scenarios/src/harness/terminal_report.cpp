// The readable summary of a run on the terminal: one table per scenario, then its violations.
#include "terminal_report.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace scenarios {

void log_run(const RunResult& run) {
  spdlog::info("scenario {} under {} ({}): {} iterations per case after {} warm-up", run.scenario,
               run.allocator.name, run.allocator.version, run.iterations, run.warmup_iterations);
  spdlog::info("{:<14} {:>10} {:>10} {:>7} {:>6} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10} {:>10}",
               "case", "requested", "expected", "allocs", "exp.", "reserved", "peak live", "p50 ns",
               "p99 ns", "max ns", "iter med", "iter p99");
  for (const CaseResult& result : run.cases) {
    spdlog::info(
        "{:<14} {:>10} {:>10} {:>7} {:>6} {:>10} {:>10} {:>9} {:>9} {:>10} {:>8.1f}us {:>8.1f}us",
        result.name, result.requested_bytes, result.expected_requested_bytes, result.allocations,
        result.expected_allocations, result.reserved_bytes, result.peak_live_bytes,
        result.alloc_latency.p50_ns, result.alloc_latency.p99_ns, result.alloc_latency.max_ns,
        static_cast<double>(result.iteration_ns.median) / 1e3,
        static_cast<double>(result.iteration_ns.p99) / 1e3);
  }
  spdlog::info("process: peak live {} bytes, peak RSS {:.1f} MiB", run.peak_live_bytes,
               static_cast<double>(run.peak_rss_bytes) / (1024.0 * 1024.0));
  for (const Violation& violation : run.violations) spdlog::error("{}", violation.message);
  spdlog::info("{}: {}", run.scenario, run.passed ? "all budgets held" : "FAILED");
}

}  // namespace scenarios
