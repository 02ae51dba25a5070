// What the size sweep's source files share (memory_baseline/sweep.hpp is the interface): the
// points' and fits' records and the answer's mark (sweep.cpp), and the runner of the points with
// its adaptive planning and time estimates (sweep_points.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory_baseline/sweep.hpp"

namespace memory_baseline {

// A scenario process's arguments for a point of N vectors.
std::vector<std::string> point_arguments(const SweepSettings& settings, std::uint64_t n);

// The largest N among `points`.
std::uint64_t largest_point(const std::vector<SweepPoint>& points);

// A point's entry in the document from its scenario result.
SweepPoint sweep_point(const std::string& engine, const std::string& allocator, std::uint64_t n,
                       int round, double seconds, const scenarios::ScenarioResult& result);

// The fit of one engine under one allocator, its answer and the answer's band.
SweepFit fit_points(const std::string& engine, const std::string& allocator,
                    const std::vector<SweepPoint>& points, double limit_bytes);

// Marks a fit's answer verified, measured or extrapolated (and whether credible).
void mark_answer(SweepFit& fit);

// One engine under one allocator: its points so far and how its adaptive points went.
struct Combo {
  std::string engine, allocator;
  std::vector<SweepPoint> points;
  std::vector<SweepFailure> failures;  // points that wrote no result
  std::vector<std::uint64_t> planned;  // points queued or running
  int rounds = 0;                      // adaptive points queued so far
  std::uint64_t previous_answer = 0;   // the answer when the last adaptive point was planned
  bool stopped = false;                // an adaptive point wrote no result: no more of them
};

// How long a point took: what the time estimates of the progress lines are made from.
struct PointTiming {
  std::string engine;
  double n = 0, seconds = 0;
};

// Seconds a run of `engine` at `n` is predicted to take from `timings` (nullopt: none yet).
std::optional<double> predicted_seconds(const std::vector<PointTiming>& timings,
                                        const std::string& engine, double n);

// "~40 s", "~12 min": a time estimate in the progress lines.
std::string duration_words(double seconds);

// Runs the first points of every combo and then its adaptive points, settings.jobs at a time,
// filling each combo's points, failures and rounds; returns how long each point took.
std::vector<PointTiming> run_points(const SweepSettings& settings, const RunIndex& run_index,
                                    double limit_bytes, std::vector<Combo>& combos);

}  // namespace memory_baseline
