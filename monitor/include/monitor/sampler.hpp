// Background sampler: at a fixed interval, records a process's RSS and, where the caller has them,
// exact live bytes (alloc_hooks::live_bytes in a measured program) at the same instant. The
// monitor itself links no allocation hooks: what it reads is the caller's choice. All its memory is
// allocated before start() returns, so it never shows up in a measurement window; when the storage
// is full it keeps every other snapshot and samples half as often, so a long run stays in view.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace monitor {

struct Snapshot {
  std::uint64_t time_ns = 0;  // since start()
  std::uint64_t rss_bytes = 0;
  std::int64_t live_bytes = 0;
};

// What each snapshot reads; a reader left empty reads 0.
struct Readers {
  std::function<std::uint64_t()> rss_bytes;
  std::function<std::int64_t()> live_bytes;
};

class Sampler {
 public:
  Sampler(std::chrono::nanoseconds interval, std::size_t capacity, Readers readers);
  ~Sampler();
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  void start();
  void stop();  // takes a last snapshot
  // Valid after stop().
  const std::vector<Snapshot>& snapshots() const { return snapshots_; }
  std::chrono::nanoseconds interval() const { return interval_; }

 private:
  void run();
  void take(std::chrono::steady_clock::time_point start);

  std::chrono::nanoseconds interval_;
  Readers readers_;
  std::vector<Snapshot> snapshots_;
  std::size_t capacity_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct SeriesProfile {
  std::uint64_t peak_bytes = 0;
  double average_bytes = 0;
  double growth_mb_per_s = 0;       // least-squares slope over the whole series
  bool meets_process_limit = true;  // the peak below the limit profile() was given
};

struct MemoryProfile {
  SeriesProfile rss;
  SeriesProfile live;
};

MemoryProfile profile(const std::vector<Snapshot>& snapshots, std::uint64_t process_limit_bytes);
// Least-squares slope of y over x; 0 for fewer than two distinct x.
double least_squares_slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace monitor
