// The size sweep's points: which N to run (the first sizes, then adaptive points until an answer
// lies within kMaxExtrapolation of the largest), run settings.jobs at a time, with progress labels
// that say how far along the sweep is and roughly how long is left.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "memory_baseline/sweep_fit.hpp"
#include "sweep_internal.hpp"

namespace memory_baseline {

namespace {

constexpr double kTargetMargin = 1.10;  // adaptive points aim at answer / 8 x this
constexpr double kMaxStep = 8.0;        // an adaptive point is at most this x the largest measured
constexpr int kMaxRounds = 4;           // adaptive points per engine and allocator, at most

}  // namespace

std::optional<std::uint64_t> adaptive_point(std::uint64_t answer, std::uint64_t largest_measured,
                                            std::uint64_t previous_answer, std::uint64_t max_n) {
  if (largest_measured == 0) return std::nullopt;
  const auto measured = static_cast<double>(largest_measured);
  if (static_cast<double>(answer) <= kMaxExtrapolation * measured) return std::nullopt;
  // An answer that rose since the last point was planned is taken to go on rising as much.
  const double moved =
      previous_answer > 0
          ? std::max(1.0, static_cast<double>(answer) / static_cast<double>(previous_answer))
          : 1.0;
  double target = std::min(static_cast<double>(answer) * kTargetMargin * moved / kMaxExtrapolation,
                           kMaxStep * measured);
  if (max_n > 0) target = std::min(target, static_cast<double>(max_n));
  // Rounded up to three significant digits: N that read well in the progress lines and reports.
  const double step = std::max(1.0, std::pow(10.0, std::floor(std::log10(target)) - 2));
  const auto rounded = static_cast<std::uint64_t>(std::ceil(target / step) * step);
  if (max_n > 0 && rounded > max_n)
    return max_n > largest_measured ? std::optional(max_n) : std::nullopt;
  if (rounded <= largest_measured) return std::nullopt;
  return rounded;
}

// A power law through the runs of that engine so far (through all runs when the engine has fewer
// than two sizes yet), at least linear in N (a build inserts every vector), through the runs' mean
// in log-log; with a single size run, linear from the last run.
std::optional<double> predicted_seconds(const std::vector<PointTiming>& timings,
                                        const std::string& engine, double n) {
  for (const bool same_engine : {true, false}) {
    std::vector<std::pair<double, double>> logs;
    std::vector<double> sizes;
    for (const PointTiming& timing : timings) {
      if (same_engine && timing.engine != engine) continue;
      logs.emplace_back(std::log(timing.n), std::log(std::max(timing.seconds, 1e-3)));
      sizes.push_back(timing.n);
    }
    std::sort(sizes.begin(), sizes.end());
    if (std::unique(sizes.begin(), sizes.end()) - sizes.begin() < 2) continue;
    double mean_x = 0, mean_y = 0;
    for (const auto& [x, y] : logs) {
      mean_x += x / static_cast<double>(logs.size());
      mean_y += y / static_cast<double>(logs.size());
    }
    const double slope = std::max(fit_line(logs).slope, 1.0);
    return std::exp(mean_y + slope * (std::log(n) - mean_x));
  }
  if (timings.empty()) return std::nullopt;
  return std::max(timings.back().seconds, 1e-3) * n / timings.back().n;
}

std::string duration_words(double seconds) {
  if (seconds < 100) return fmt::format("~{:.0f} s", seconds);
  return fmt::format("~{:.0f} min", seconds / 60);
}

namespace {

struct Job {
  std::size_t combo;
  std::uint64_t n;
  int round;  // 0: a first size; k: the k-th adaptive point of its combo
};

// Runs the points of every engine and allocator on `settings.jobs` threads: the first sizes, then
// for each engine and allocator whose points are all back, its next adaptive point, until none is
// needed. Each label says how many points are known so far (those run, queued and foreseen from
// the current answers) and roughly how long they take.
class PointRunner {
 public:
  PointRunner(const SweepSettings& settings, const RunIndex& run_index, double limit_bytes,
              std::vector<Combo>& combos)
      : settings_(settings), run_index_(run_index), limit_bytes_(limit_bytes), combos_(combos) {}

  std::vector<PointTiming> run() {
    start_ = std::chrono::steady_clock::now();
    for (std::size_t c = 0; c < combos_.size(); ++c) {
      for (const std::uint64_t n : settings_.sizes) queue_job({c, n, 0});
    }
    const std::size_t workers = std::max<std::uint64_t>(1, settings_.jobs);
    if (workers == 1) {
      work();
    } else {
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
      for (std::thread& thread : threads) thread.join();
    }
    if (error_) std::rethrow_exception(error_);
    return timings_;
  }

 private:
  void queue_job(const Job& job) {
    queue_.push_back(job);
    combos_[job.combo].planned.push_back(job.n);
  }

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  // Takes jobs until none is queued or running. The first error (bad input: a scenario rejected
  // its arguments; a malformed result) stops every worker once its current job is back, and run()
  // rethrows it: nothing of a sweep that met bad input is written.
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return error_ || !queue_.empty() || running_.empty(); });
      if (error_ || queue_.empty()) break;  // an error, or nothing queued and nothing running
      const Job job = queue_.front();
      queue_.pop_front();
      const std::size_t slot = next_slot_++;
      try {
        const std::string label = label_of(job);
        running_[slot] = {job, now()};
        const Combo& combo = combos_[job.combo];
        const std::string engine = combo.engine, allocator = combo.allocator;
        lock.unlock();
        const double started = now();
        const SweepRun run =
            run_index_(engine, allocator, point_arguments(settings_, job.n), label);
        const double seconds = now() - started;
        lock.lock();
        finish(job, run, seconds);
      } catch (...) {
        if (!lock.owns_lock()) lock.lock();
        if (!error_) error_ = std::current_exception();
      }
      running_.erase(slot);
      ready_.notify_all();
    }
  }

  // Records a point (or its failure) and, once every planned point of its engine and allocator is
  // back, queues the next adaptive point if the answer lies beyond kMaxExtrapolation x.
  void finish(const Job& job, const SweepRun& run, double seconds) {
    Combo& combo = combos_[job.combo];
    combo.planned.erase(std::find(combo.planned.begin(), combo.planned.end(), job.n));
    if (run.result) {
      combo.points.push_back(
          sweep_point(combo.engine, combo.allocator, job.n, job.round, seconds, *run.result));
      timings_.push_back({combo.engine, static_cast<double>(job.n), seconds});
    } else {
      combo.failures.push_back({combo.engine, combo.allocator, job.n, run.status, run.last_line});
      if (job.round > 0) combo.stopped = true;
    }
    if (!combo.planned.empty() || settings_.sizes_given || combo.stopped ||
        combo.rounds >= kMaxRounds)
      return;
    const SweepFit fit = fit_points(combo.engine, combo.allocator, combo.points, limit_bytes_);
    if (!fit.largest_n) return;
    const std::uint64_t answer = *fit.largest_n;
    if (const std::optional<std::uint64_t> next = adaptive_point(
            answer, largest_point(combo.points), combo.previous_answer, settings_.max_n)) {
      ++combo.rounds;
      combo.previous_answer = answer;
      queue_job({job.combo, *next, combo.rounds});
    }
  }

  // "sweep [k/total, ~s left] index-ENGINE N=n under ALLOCATOR". The total counts the points run,
  // running and queued, and the next adaptive point each current answer calls for; the time left
  // is their predicted seconds over the threads.
  std::string label_of(const Job& job) {
    const std::size_t number = ++started_;
    std::size_t total = started_ + queue_.size();
    double left = 0;
    const auto add = [&](const std::string& engine, double n, double elapsed) {
      const std::optional<double> seconds = predicted_seconds(timings_, engine, n);
      if (seconds) left += std::max(0.0, *seconds - elapsed);
    };
    for (const Job& queued : queue_) add(combos_[queued.combo].engine, double(queued.n), 0);
    for (const auto& [slot, running] : running_)
      add(combos_[running.first.combo].engine, double(running.first.n), now() - running.second);
    add(combos_[job.combo].engine, double(job.n), 0);
    if (!settings_.sizes_given) {
      for (const Combo& combo : combos_) {
        if (combo.stopped || combo.points.size() < 2 || combo.rounds >= kMaxRounds) continue;
        const SweepFit fit = fit_points(combo.engine, combo.allocator, combo.points, limit_bytes_);
        if (!fit.largest_n) continue;
        // The next step the current answer calls for beyond the largest point run, queued or
        // running (the job being labelled is among the planned). Only the next: an answer from
        // the first small points can lie far off (IVF-PQ's training hides its slope there), and
        // so would every later step it called for.
        std::uint64_t largest = largest_point(combo.points);
        for (const std::uint64_t n : combo.planned) largest = std::max(largest, n);
        if (const std::optional<std::uint64_t> next =
                adaptive_point(*fit.largest_n, largest, combo.previous_answer, settings_.max_n)) {
          ++total;
          add(combo.engine, static_cast<double>(*next), 0);
        }
      }
    }
    const std::uint64_t threads = std::max<std::uint64_t>(1, settings_.jobs);
    const std::string eta =
        !timings_.empty() && left > 0
            ? fmt::format(", {} left", duration_words(left / static_cast<double>(threads)))
            : std::string();
    return fmt::format("sweep [{}/{}{}] index-{} N={} under {}", number, total, eta,
                       combos_[job.combo].engine, job.n, combos_[job.combo].allocator);
  }

  const SweepSettings& settings_;
  const RunIndex& run_index_;
  double limit_bytes_;
  std::vector<Combo>& combos_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  std::map<std::size_t, std::pair<Job, double>> running_;  // by slot: the job and when it started
  std::size_t next_slot_ = 0, started_ = 0;
  std::vector<PointTiming> timings_;
  std::exception_ptr error_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::vector<PointTiming> run_points(const SweepSettings& settings, const RunIndex& run_index,
                                    double limit_bytes, std::vector<Combo>& combos) {
  return PointRunner(settings, run_index, limit_bytes, combos).run();
}

}  // namespace memory_baseline
