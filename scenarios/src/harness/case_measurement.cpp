// One attempt at a case (case_measurement.hpp).
#include "case_measurement.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <monitor/memory.hpp>
#include <monitor/scheduling.hpp>

#include "alloc_hooks/site_report.hpp"

namespace scenarios {

namespace {

using Clock = std::chrono::steady_clock;

// Opens a window in begin() and keeps its figures and the wall time from end().
class WindowMeasurement final : public Measurement {
 public:
  void begin() override {
    window_.emplace();
    start_ = Clock::now();
  }
  void end() override {
    const Clock::time_point stop = Clock::now();
    result = window_->result();
    window_.reset();
    wall_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start_).count());
  }
  alloc_hooks::WindowResult result;
  std::uint64_t wall_ns = 0;

 private:
  std::optional<alloc_hooks::Window> window_;
  Clock::time_point start_;
};

Distribution distribution_of(std::vector<std::uint64_t> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const auto at = [&](double quantile) {
    return values[std::min(values.size() - 1, static_cast<std::size_t>(
                                                  quantile * static_cast<double>(values.size())))];
  };
  return {values.front(), at(0.5), at(0.99), values.back()};
}

class ScheduleWatch {
 public:
  explicit ScheduleWatch(const std::function<ScheduleReading()>& read)
      : read_(read), start_(read()) {}
  IterationSchedule stop() const { return schedule_between(start_, read_()); }

 private:
  const std::function<ScheduleReading()>& read_;
  ScheduleReading start_;
};

void count_breach(TimeBreaches& breaches, const IterationSchedule& schedule,
                  std::uint64_t observed_ns, std::uint64_t limit_ns) {
  ++breaches.iterations;
  if (schedule.preempted_for(observed_ns - limit_ns)) ++breaches.preempted;
}

}  // namespace

TimeLimits time_limits(const Budgets& budgets) {
  TimeLimits limits{budgets.alloc_budget_us * 1000, std::nullopt};
  if (budgets.iteration_budget_ms)
    limits.iteration_ns = static_cast<std::uint64_t>(*budgets.iteration_budget_ms * 1e6);
  return limits;
}

IterationSchedule schedule_between(const ScheduleReading& start, const ScheduleReading& end) {
  const std::uint64_t wall_ns = end.wall_ns - start.wall_ns;
  const std::uint64_t cpu_ns = end.cpu_ns - start.cpu_ns;
  return {wall_ns > cpu_ns ? wall_ns - cpu_ns : 0,
          end.involuntary_switches != start.involuntary_switches,
          end.voluntary_switches != start.voluntary_switches};
}

ScheduleReading read_schedule() {
  const monitor::ThreadSchedule thread = monitor::read_thread_schedule();
  const auto wall_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
  return {wall_ns, thread.cpu_ns, thread.voluntary_switches, thread.involuntary_switches};
}

void SiteRoom::make_room() {
  const std::size_t room = alloc_hooks::stack_count() + alloc_hooks::kRoomForNewStacks;
  for (std::vector<alloc_hooks::SiteFigures>* figures : {&before, &at_peak, &after}) {
    if (figures->capacity() < room) figures->reserve(room + alloc_hooks::kRoomForNewStacks);
  }
}

CaseResult measure_case(const Case& workload, std::uint64_t iterations, const TimeLimits& limits,
                        AllowedDelta allowed_delta, const std::function<ScheduleReading()>& read,
                        SiteRoom& sites) {
  CaseResult result;
  result.name = workload.name;
  result.parameters = workload.parameters;
  result.iterations = iterations;
  result.expected_requested_bytes = workload.expected_requested_bytes;
  result.expected_allocations = workload.expected_allocations;
  std::vector<std::uint64_t> wall_ns(iterations);
  alloc_hooks::LatencyHistogram latency;
  const auto measurement = std::make_unique<WindowMeasurement>();
  // RSS growth counts from the end of the first measured iteration: that one also touches the
  // harness's own stack and heap pages for the first time.
  std::uint64_t rss_before = 0;
  // The sites' figures: at the start, at the end of the iteration with the highest peak (each
  // iteration's window keeps the sites' figures at its own peak) and at the end, the last two read
  // into room made before the case: no allocation of the harness joins the case's figures or its
  // slowest allocations.
  sites.make_room();
  std::vector<alloc_hooks::SiteFigures>& sites_at_peak = sites.at_peak;
  std::vector<alloc_hooks::SiteFigures>& sites_after = sites.after;
  alloc_hooks::read_site_figures(sites.before);
  const std::vector<alloc_hooks::SiteFigures>& sites_before = sites.before;
  alloc_hooks::reset_slowest_allocations();
  for (std::uint64_t iteration = 0; iteration < iterations; ++iteration) {
    const ScheduleWatch watch(read);
    workload.run_once(*measurement);
    const IterationSchedule schedule = watch.stop();
    if (iteration == 0) rss_before = monitor::read_rss_bytes();
    const alloc_hooks::WindowResult& window = measurement->result;
    if (iteration == 0 || window.peak_live_bytes > result.peak_live_bytes)
      alloc_hooks::read_site_figures(sites_at_peak);
    if (iteration > 0 && (window.bytes_allocated != result.requested_bytes ||
                          window.allocations != result.allocations)) {
      result.consistent = false;
    }
    result.requested_bytes = std::max(result.requested_bytes, window.bytes_allocated);
    result.allocations = std::max(result.allocations, window.allocations);
    result.frees = std::max(result.frees, window.frees);
    result.reserved_bytes = std::max(result.reserved_bytes, window.reserved_bytes_allocated);
    result.peak_live_bytes = std::max(result.peak_live_bytes, window.peak_live_bytes);
    result.live_bytes_delta = window.live_bytes_delta;
    result.by_source = window.by_source;
    if (!allowed_delta.any && window.live_bytes_delta != allowed_delta.bytes) {
      ++result.leaked_iterations;
      result.largest_live_bytes_delta =
          std::max(result.largest_live_bytes_delta, window.live_bytes_delta - allowed_delta.bytes);
    }
    if (schedule.taken_away()) ++result.preempted_iterations;
    if (window.alloc_latency.max_ns > limits.alloc_ns) {
      count_breach(result.alloc_budget_breaches, schedule, window.alloc_latency.max_ns,
                   limits.alloc_ns);
    }
    if (limits.iteration_ns && measurement->wall_ns > *limits.iteration_ns) {
      count_breach(result.iteration_budget_breaches, schedule, measurement->wall_ns,
                   *limits.iteration_ns);
    }
    latency.add(window.alloc_latency_histogram);
    result.kernel_events_in_allocations += window.kernel_events_in_allocations;
    result.kernel_events_in_frees += window.kernel_events_in_frees;
    wall_ns[iteration] = measurement->wall_ns;
  }
  result.rss_growth_bytes =
      static_cast<std::int64_t>(monitor::read_rss_bytes()) - static_cast<std::int64_t>(rss_before);
  result.alloc_latency = alloc_hooks::summarize(latency);
  result.iteration_ns = distribution_of(std::move(wall_ns));
  result.slowest = alloc_hooks::slowest_allocations(16);
  alloc_hooks::read_site_figures(sites_after);
  for (std::uint32_t id = 1; id < sites_after.size(); ++id) {
    alloc_hooks::SiteFigures figures = sites_after[id];
    // A stack first seen after the peak's figures were read held nothing at that peak.
    figures.peak_snapshot_bytes =
        id < sites_at_peak.size() ? sites_at_peak[id].peak_snapshot_bytes : 0;
    result.site_figures[id] = figures;
  }
  alloc_hooks::subtract_figures(result.site_figures, sites_before);
  std::erase_if(result.site_figures, [](const auto& entry) {
    const alloc_hooks::SiteFigures& figures = entry.second;
    return figures.allocations == 0 && figures.live_bytes == 0 && figures.peak_snapshot_bytes == 0;
  });
  return result;
}

}  // namespace scenarios
