// The background sampler and the profile of its series.
#include "monitor/sampler.hpp"

#include <algorithm>
#include <utility>

namespace monitor {

Sampler::Sampler(std::chrono::nanoseconds interval, std::size_t capacity, Readers readers)
    : interval_(std::max(interval, std::chrono::nanoseconds(std::chrono::milliseconds(1)))),
      readers_(std::move(readers)),
      capacity_(std::max<std::size_t>(capacity, 2)) {
  snapshots_.reserve(capacity_);
}

Sampler::~Sampler() {
  stop();
}

void Sampler::start() {
  snapshots_.clear();
  stopping_.store(false);
  thread_ = std::thread([this] { run(); });
}

void Sampler::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  thread_.join();
}

void Sampler::take(std::chrono::steady_clock::time_point start) {
  if (snapshots_.size() == capacity_) {
    // Keep every other snapshot in place (no allocation) and sample half as often from now on.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < snapshots_.size(); i += 2) snapshots_[kept++] = snapshots_[i];
    snapshots_.resize(kept);
    interval_ *= 2;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  snapshots_.push_back({static_cast<std::uint64_t>(
                            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
                        readers_.rss_bytes ? readers_.rss_bytes() : 0,
                        readers_.live_bytes ? readers_.live_bytes() : 0});
}

void Sampler::run() {
  const auto start = std::chrono::steady_clock::now();
  auto next = start;
  while (!stopping_.load()) {
    take(start);
    next += interval_;
    while (!stopping_.load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_until(
          std::min(next, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
    }
  }
  take(start);
}

double least_squares_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mean_x = 0, mean_y = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);
  double covariance = 0, variance = 0;
  for (std::size_t i = 0; i < n; ++i) {
    covariance += (x[i] - mean_x) * (y[i] - mean_y);
    variance += (x[i] - mean_x) * (x[i] - mean_x);
  }
  return variance == 0 ? 0 : covariance / variance;
}

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

template <typename Value>
SeriesProfile series_profile(const std::vector<Snapshot>& snapshots, std::uint64_t limit_bytes,
                             Value value) {
  SeriesProfile series;
  if (snapshots.empty()) return series;
  std::vector<double> seconds, megabytes;
  for (const Snapshot& snapshot : snapshots) {
    const auto bytes = static_cast<double>(value(snapshot));
    series.peak_bytes =
        std::max(series.peak_bytes, static_cast<std::uint64_t>(std::max(0.0, bytes)));
    series.average_bytes += bytes;
    seconds.push_back(static_cast<double>(snapshot.time_ns) / 1e9);
    megabytes.push_back(bytes / kMiB);
  }
  series.average_bytes /= static_cast<double>(snapshots.size());
  series.growth_mb_per_s = least_squares_slope(seconds, megabytes);
  series.meets_process_limit = series.peak_bytes < limit_bytes;
  return series;
}

}  // namespace

MemoryProfile profile(const std::vector<Snapshot>& snapshots, std::uint64_t process_limit_bytes) {
  return {series_profile(snapshots, process_limit_bytes,
                         [](const Snapshot& s) { return static_cast<std::int64_t>(s.rss_bytes); }),
          series_profile(snapshots, process_limit_bytes,
                         [](const Snapshot& s) { return s.live_bytes; })};
}

}  // namespace monitor
