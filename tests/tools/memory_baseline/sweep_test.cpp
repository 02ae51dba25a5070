// The sweep's arithmetic: the least-squares line, the largest N under a limit and its prediction
// band (against values worked out apart), the adaptive points and the recall answer, exactly; and
// the sweep document from scripted runs (no processes, no clock): points, fits, marks, bands,
// credible lower bounds, recall answers, the adaptive planning and its end, failures, errors and
// verifications. Bad command-line input is index_runner_test's (it runs the program).
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "memory_baseline/sweep.hpp"

namespace {

using memory_baseline::adaptive_point;
using memory_baseline::fit_line;
using memory_baseline::largest_n_within;
using memory_baseline::Line;
using memory_baseline::prediction_band;
using memory_baseline::recall_answer;
using memory_baseline::RecallAnswer;
using memory_baseline::student_t_95;
using memory_baseline::SweepDocument;
using memory_baseline::SweepFit;
using memory_baseline::SweepPoint;
using memory_baseline::SweepRun;
using memory_baseline::SweepSettings;
using memory_baseline::SweepVerification;

constexpr double kMiB = 1024.0 * 1024;

TEST(Sweep, FitsALineThroughPointsOnItExactly) {
  const Line line = fit_line({{1000, 5'000'000}, {2000, 5'750'000}, {4000, 7'250'000}});
  EXPECT_DOUBLE_EQ(line.slope, 750);
  EXPECT_DOUBLE_EQ(line.intercept, 4'250'000);
}

TEST(Sweep, FitsTheLeastSquaresLineThroughScatteredPoints) {
  // y = 1 + 2x with residuals +1, -2, +1 at x = 0, 1, 2: the residuals sum to 0 and are
  // orthogonal to x, so the least-squares line is y = 1 + 2x.
  const Line line = fit_line({{0, 2}, {1, 1}, {2, 6}});
  EXPECT_DOUBLE_EQ(line.slope, 2);
  EXPECT_DOUBLE_EQ(line.intercept, 1);
}

TEST(Sweep, LargestNIsTheLastWholeNUnderTheLimit) {
  const Line line{4'250'000, 750};
  // (1 GiB - 4,250,000) / 750 = 1,425,989.09...
  EXPECT_EQ(largest_n_within(line, 1024.0 * 1024 * 1024), 1'425'989u);
  EXPECT_EQ(largest_n_within(line, 4'250'750), 1u);
  EXPECT_FALSE(largest_n_within(line, 4'250'749));  // not even one vector
  EXPECT_FALSE(largest_n_within({1000, 0}, 1e9));   // no growth: no answer
  EXPECT_FALSE(largest_n_within({1000, -5}, 1e9));
}

TEST(Sweep, StudentTIsTheTableUpToThirtyDegreesAndCornishFisherBeyond) {
  EXPECT_DOUBLE_EQ(student_t_95(1), 12.706);
  EXPECT_DOUBLE_EQ(student_t_95(2), 4.303);
  EXPECT_DOUBLE_EQ(student_t_95(30), 2.042);
  // Beyond the table, within 0.0002 of the exact quantiles (2.03951 at 31, 2.00030 at 60,
  // 1.98397 at 100): no step at the table's end.
  EXPECT_NEAR(student_t_95(31), 2.03951, 2e-4);
  EXPECT_NEAR(student_t_95(60), 2.00030, 2e-4);
  EXPECT_NEAR(student_t_95(100), 1.98397, 2e-4);
  EXPECT_TRUE(std::isinf(student_t_95(0)));
}

// RSS of 12 MiB + 760 bytes per vector, off the line by +300,000, -500,000, +200,000 and -100,000
// bytes (times `scale`) at 10,000, 20,000, 40,000 and 160,000 vectors.
std::vector<std::pair<double, double>> scattered_rss(double scale = 1) {
  std::vector<std::pair<double, double>> points;
  const std::pair<double, double> offsets[] = {
      {10000, 300'000}, {20000, -500'000}, {40000, 200'000}, {160000, -100'000}};
  for (const auto& [n, offset] : offsets)
    points.emplace_back(n, 12 * kMiB + 760 * n + offset * scale);
  return points;
}

TEST(Sweep, ThePredictionBandIsWhereTheLimitMeetsTheIntervalsEdges) {
  const std::vector<std::pair<double, double>> points = scattered_rss();
  const double limit = 256 * kMiB;
  const std::optional<memory_baseline::NRange> band = prediction_band(points, limit);
  ASSERT_TRUE(band);
  // Fieller's inverse prediction with t(2) = 4.303, worked out apart: 330,651.95 to 343,416.52
  // around the line's crossing at 336,915.92.
  EXPECT_EQ(band->low, 330'651u);
  EXPECT_EQ(band->high, 343'416u);
  // The same from the definition: the upper edge of the 95 % prediction interval reaches the limit
  // between low and low + 1, the lower edge between high and high + 1.
  const Line line = fit_line(points);
  double mean = 0, sxx = 0, squares = 0;
  for (const auto& [n, y] : points) mean += n / 4;
  for (const auto& [n, y] : points) {
    sxx += (n - mean) * (n - mean);
    squares += std::pow(y - line.intercept - line.slope * n, 2);
  }
  const auto edge = [&](double n, double sign) {
    return line.intercept + line.slope * n +
           sign * 4.303 * std::sqrt(squares / 2) *
               std::sqrt(1 + 1.0 / 4 + (n - mean) * (n - mean) / sxx);
  };
  const auto low = static_cast<double>(band->low), high = static_cast<double>(*band->high);
  EXPECT_LE(edge(low, +1), limit);
  EXPECT_GT(edge(low + 1, +1), limit);
  EXPECT_LE(edge(high, -1), limit);
  EXPECT_GT(edge(high + 1, -1), limit);
}

TEST(Sweep, ThePredictionBandOfPointsOnTheLineIsTheAnswerItself) {
  const std::vector<std::pair<double, double>> points = {
      {1000, 5'000'000}, {2000, 5'750'000}, {4000, 7'250'000}};
  const std::optional<memory_baseline::NRange> band = prediction_band(points, 1024 * kMiB);
  ASSERT_TRUE(band);
  EXPECT_EQ(band->low, 1'425'989u);
  EXPECT_EQ(band->high, 1'425'989u);
  EXPECT_FALSE(prediction_band({{1000, 5e6}, {2000, 6e6}}, 1024 * kMiB));  // no residuals
  // A slope that the scatter cannot tell from zero: the band has no upper end, and the limit lies
  // within the interval from N = 0 (|limit - y| stays within t s).
  const std::vector<std::pair<double, double>> scatter = {{0, 0}, {1, 10}, {2, 0}, {3, 10.5}};
  const std::optional<memory_baseline::NRange> flat = prediction_band(scatter, 6);
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->low, 0u);
  EXPECT_FALSE(flat->high);
  // A limit above the interval at N = 0: its upper edge (slope 2.15 + t s / sqrt(Sxx) = 14.48)
  // reaches 60 at N = 4.524 and 100 at N = 7.636 (by bisection on the edge, worked out apart);
  // its lower edge never does.
  const std::optional<memory_baseline::NRange> over_60 = prediction_band(scatter, 60);
  ASSERT_TRUE(over_60);
  EXPECT_EQ(over_60->low, 4u);
  EXPECT_FALSE(over_60->high);
  EXPECT_EQ(prediction_band(scatter, 100)->low, 7u);
}

TEST(Sweep, AdaptivePointsAimAtAnEighthOfTheAnswerInStepsOfAtMostEight) {
  // 1,400,000 x 1.1 / 8 = 192,500, rounded up to three significant digits.
  EXPECT_EQ(adaptive_point(1'400'000, 40'000), 193'000u);
  EXPECT_FALSE(adaptive_point(320'000, 40'000));           // exactly 8x: within the rule
  EXPECT_EQ(adaptive_point(320'001, 40'000), 44'100u);     // 44,000.14 up to three digits
  EXPECT_EQ(adaptive_point(8'000'000, 40'000), 320'000u);  // one step: at most 8x
  EXPECT_EQ(adaptive_point(100'000, 4), 32u);              // 8x, and no rounding beyond it
  // An answer that rose 1.4x since the last point was planned: the margin grows by as much,
  // 1,400,000 x 1.1 x 1.4 / 8 = 269,500.
  EXPECT_EQ(adaptive_point(1'400'000, 40'000, 1'000'000), 270'000u);
  EXPECT_EQ(adaptive_point(1'400'000, 40'000, 2'000'000), 193'000u);  // one that fell: no less
  // The cap: no point beyond it, and none once it is reached.
  EXPECT_EQ(adaptive_point(1'400'000, 40'000, 0, 150'000), 150'000u);
  EXPECT_EQ(adaptive_point(1'400'000, 40'000, 0, 192'600), 192'600u);  // 193,000 over the cap
  EXPECT_FALSE(adaptive_point(8'000'000, 320'000, 0, 320'000));
}

// A scenario result: the peaks, whether the memory budget broke, and the recall with its search
// parameters.
scenarios::ScenarioResult scripted_result(double live, double rss, bool over_limit,
                                          double recall = 1.0, std::uint64_t ef_search = 256) {
  scenarios::ScenarioResult result;
  if (over_limit) {
    scenarios::Violation& violation = result.violations.emplace_back();
    violation.budget = "process_limit_mb";
    violation.message = "Total memory exceeded";
  }
  result.allocator = {"system", "glibc 2.36"};
  result.parameters = {{"engine", "hnswlib"},
                       {"n", 1},
                       {"dim", 128},
                       {"threads", 1},
                       {"queries", 200},
                       {"k", 10},
                       {"seed", 42},
                       {"m", 16},
                       {"ef_construction", 100},
                       {"ef_search", ef_search}};
  result.process = {static_cast<std::uint64_t>(live), static_cast<std::uint64_t>(rss)};
  result.passed = !over_limit;
  result.index = scenarios::IndexFigures{};
  result.index->index_live_bytes = live - 1'000'000;
  result.index->recall_at_10 = recall;
  result.index->recall_budget_measure = "recall_at_10";
  return result;
}

// hnswlib at 1000, 2000 and 4000 vectors against 16 MiB, verified.
SweepSettings verified_sweep() {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {1000, 2000, 4000};
  settings.limit_mb = 16;
  settings.verify = true;
  return settings;
}

TEST(Sweep, DocumentHoldsPointsFitsAnswersAndVerifications) {
  const SweepSettings settings = verified_sweep();
  std::vector<std::vector<std::string>> calls;
  // live = 2 MB + 1000 bytes per vector; RSS = 8 MB + 2000 bytes per vector: RSS binds at
  // (16 MiB - 8 MiB) / 2000 = 4194 vectors.
  const auto run_index = [&](const std::string& engine, const std::string& allocator,
                             const std::vector<std::string>& arguments, const std::string&) {
    calls.push_back(arguments);
    EXPECT_EQ(engine, "hnswlib");
    EXPECT_EQ(allocator, "system");
    const double n = std::stod(arguments.at(1));
    const double rss = 8.0 * 1024 * 1024 + 2000 * n;
    return SweepRun{0, scripted_result(2e6 + 1000 * n, rss, rss > 16.0 * 1024 * 1024), ""};
  };
  const SweepDocument sweep = memory_baseline::run_sweep(settings, {"system"}, run_index);
  ASSERT_EQ(sweep.points.size(), 3u);
  ASSERT_EQ(sweep.fits.size(), 1u);
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_DOUBLE_EQ(fit.rss.bytes_per_vector, 2000);
  EXPECT_DOUBLE_EQ(fit.live.bytes_per_vector, 1000);
  EXPECT_EQ(fit.largest_n, 4194);
  EXPECT_EQ(fit.bound_by, "peak RSS");
  // Within 8x of 4000: no adaptive point. The answer and N + 10 % (4614) were run; the first
  // held, the second did not; the answer is marked verified.
  EXPECT_EQ(fit.adaptive_points, 0);
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls.at(3).at(1), "4194");
  EXPECT_EQ(calls.at(4).at(1), "4614");
  const std::vector<SweepVerification>& verifications = sweep.verifications.value();
  ASSERT_EQ(verifications.size(), 2u);
  EXPECT_TRUE(verifications.at(0).held);
  EXPECT_FALSE(verifications.at(1).held);
  EXPECT_TRUE(verifications.at(1).as_predicted);
  EXPECT_EQ(fit.mark, "verified");
  EXPECT_TRUE(fit.credible.value());
  EXPECT_DOUBLE_EQ(fit.extrapolation_factor.value(), 4194.0 / 4000);
  const std::vector<std::string> lines = memory_baseline::sweep_answer_lines(sweep);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.at(0),
            "index-hnswlib under system: at most 4,194 vectors of 128 dimensions within 16 MiB "
            "(verified: run at full scale, it held; 95 % band 4,194 to 4,194; bound by peak RSS; "
            "2000 bytes of RSS per vector)");
  EXPECT_EQ(lines.at(1),
            "index-hnswlib: k-recall@10 >= 0.9 at every N measured, so up to at least 4,000 "
            "(1.000), at the default search parameters ef_construction 100, ef_search 256, m 16");
  EXPECT_EQ(lines.at(2), "verified index-hnswlib N=4194 under system: held (as predicted)");
}

// hnswlib-like: 2 MB + 740 bytes per vector live, 12 MiB + 760 bytes per vector of RSS.
SweepRun hnswlib_like(const std::vector<std::string>& arguments) {
  const double n = std::stod(arguments.at(1));
  return SweepRun{0, scripted_result(2e6 + 740 * n, 12 * kMiB + 760 * n, false), ""};
}

TEST(Sweep, AdaptivePointsReachAnEighthOfTheAnswer) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  std::vector<std::string> labels;
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string& label) {
        labels.push_back(label);
        return hnswlib_like(arguments);
      });
  // From 10,000-40,000 the answer is (1 GiB - 12 MiB) / 760 = 1,396,261, 35x beyond 40,000: one
  // point at 1,396,261 x 1.1 / 8 = 191,982 -> 192,000 brings it within 8x (7.27x).
  ASSERT_EQ(labels.size(), 4u);
  EXPECT_EQ(labels.at(0), "sweep [1/3] index-hnswlib N=10000 under system");
  EXPECT_EQ(labels.at(1).rfind("sweep [2/3", 0), 0u) << labels.at(1);
  // Once two points are back the adaptive point is foreseen: 4 points in all.
  EXPECT_EQ(labels.at(2).rfind("sweep [3/4", 0), 0u) << labels.at(2);
  EXPECT_EQ(labels.at(3).rfind("sweep [4/4", 0), 0u) << labels.at(3);
  EXPECT_NE(labels.at(3).find("] index-hnswlib N=192000 under system"), std::string::npos);
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 1'396'261);
  EXPECT_EQ(fit.largest_measured_n, 192'000);
  EXPECT_EQ(fit.adaptive_points, 1);
  EXPECT_EQ(fit.mark, "extrapolated");
  EXPECT_DOUBLE_EQ(fit.extrapolation_factor.value(), 1'396'261.0 / 192'000);
  EXPECT_TRUE(fit.credible.value());
  EXPECT_GE(fit.largest_measured_n.value() * 8, fit.largest_n.value());
  EXPECT_EQ(sweep.points.at(3).round, 1);
  EXPECT_EQ(sweep.points.at(2).round, 0);
  EXPECT_EQ(memory_baseline::sweep_answer_lines(sweep).at(0),
            "index-hnswlib under system: at most 1,396,261 vectors of 128 dimensions within 1024 "
            "MiB (extrapolated 7.3x beyond the largest N measured, 192,000; 95 % band 1,396,261 "
            "to 1,396,261; bound by peak RSS; 760 bytes of RSS per vector)");
}

// IVF-PQ-like: RSS grows 160 bytes per vector up to 40,000 and 130 beyond (its training's share
// falls); live bytes 20 MB + 50 per vector never bind.
SweepRun ivfpq_like(const std::vector<std::string>& arguments) {
  const double n = std::stod(arguments.at(1));
  const double rss = 20 * kMiB + 160 * std::min(n, 40000.0) + 130 * std::max(0.0, n - 40000);
  return SweepRun{0, scripted_result(20e6 + 50 * n, rss, false), ""};
}

// The sweep of `settings` under the system allocator with every point run by `point`; `sizes`
// gets the N of each run, in order.
SweepDocument sweep_recording_sizes(const SweepSettings& settings,
                                    SweepRun (*point)(const std::vector<std::string>&),
                                    std::vector<std::uint64_t>& sizes) {
  return memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string&) {
        sizes.push_back(std::stoull(arguments.at(1)));
        return point(arguments);
      });
}

TEST(Sweep, AnAnswerThatMovesIsChasedAgainUntilWithinEightTimes) {
  // Each refit moves the answer up. 10,000-40,000 answer 6,579,814: a step of at most 8x,
  // 320,000; the refit answers 7,977,674, 1.2124x the answer the step was planned from, so the
  // next point aims at 7,977,674 x 1.1 x 1.2124 / 8 = 1,329,962 -> 1,330,000; the refit answers
  // 8,068,362, within 8x of 1,330,000.
  SweepSettings settings;
  settings.engines = {"faiss-ivfpq"};
  settings.max_n = 0;  // no cap
  std::vector<std::uint64_t> sizes;
  const SweepDocument sweep = sweep_recording_sizes(settings, ivfpq_like, sizes);
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10000, 20000, 40000, 320000, 1330000}));
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 8'068'362);
  EXPECT_EQ(fit.adaptive_points, 2);
  EXPECT_TRUE(fit.credible.value());
  EXPECT_FALSE(fit.credible_at_least);
  EXPECT_GE(fit.largest_measured_n.value() * 8, fit.largest_n.value());
}

TEST(Sweep, AnAnswerBeyondTheCapIsGivenAsTheLowerBoundItsPointsSupport) {
  SweepSettings settings;  // --max-n 320000, the default
  settings.engines = {"faiss-ivfpq"};
  std::vector<std::uint64_t> sizes;
  const SweepDocument sweep = sweep_recording_sizes(settings, ivfpq_like, sizes);
  // As above up to 320,000, where the cap stops the points: the answer 7,977,674 lies 24.9x
  // beyond them, and what they support is 8 x 320,000 (the RSS band starts higher, at 7,569,827).
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10000, 20000, 40000, 320000}));
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 7'977'674);
  EXPECT_FALSE(fit.credible.value());
  EXPECT_EQ(fit.credible_at_least, 2'560'000);
  EXPECT_EQ(fit.band.value().low, 7'569'827);
  EXPECT_EQ(memory_baseline::sweep_answer_lines(sweep).at(0),
            "index-faiss-ivfpq under system: at least 2,560,000 vectors of 128 dimensions within "
            "1024 MiB, all the points support; the fit's 7,977,674 is NOT CREDIBLE, more than 8x "
            "beyond the largest N measured (extrapolated 24.9x beyond the largest N measured, "
            "320,000; 95 % band 7,569,827 to 8,432,543; bound by peak RSS; 132 bytes of RSS per "
            "vector)");
}

TEST(Sweep, GivenSizesThatWouldExtrapolateBeyondEightTimesAreMarkedNotCredible) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes_given = true;  // --sizes 10000,20000,40000: those points and no others
  std::size_t runs = 0;
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string&) {
        ++runs;
        return hnswlib_like(arguments);
      });
  EXPECT_EQ(runs, 3u);
  EXPECT_FALSE(sweep.adaptive.value());
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 1'396'261);
  EXPECT_EQ(fit.mark, "extrapolated");
  EXPECT_DOUBLE_EQ(fit.extrapolation_factor.value(), 1'396'261.0 / 40'000);
  EXPECT_FALSE(fit.credible.value());
  // What the points support: the line at 8 x 40,000.
  EXPECT_EQ(fit.credible_at_least, 320'000);
  EXPECT_EQ(
      memory_baseline::sweep_answer_lines(sweep).at(0),
      "index-hnswlib under system: at least 320,000 vectors of 128 dimensions within 1024 "
      "MiB, all the points support; the fit's 1,396,261 is NOT CREDIBLE, more than 8x beyond "
      "the largest N measured (extrapolated 34.9x beyond the largest N measured, 40,000; 95 % "
      "band 1,396,261 to 1,396,261; bound by peak RSS; 760 bytes of RSS per vector)");
  const std::vector<std::vector<std::string>> table = memory_baseline::sweep_answer_table(sweep);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.at(1),
            (std::vector<std::string>{"index-hnswlib", "system", ">= 320,000 (fit: 1,396,261)",
                                      "extrapolated 34.9x, NOT CREDIBLE", "1,396,261 to 1,396,261",
                                      "peak RSS", "760", ">= 40,000"}));
}

TEST(Sweep, AnAnswerWithinThePointsIsMarkedMeasured) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {10000, 20000, 40000};
  settings.limit_mb = 32;  // (32 MiB - 12 MiB) / 760 = 27,594: between the points
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) { return hnswlib_like(arguments); });
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 27'594);
  EXPECT_EQ(fit.mark, "measured");
  EXPECT_TRUE(fit.credible.value());
  EXPECT_EQ(sweep.points.size(), 3u);
}

// hnswlib at the four N of scattered_rss(scale), its live bytes on their line (2 MB + 740 bytes per
// vector), against `limit_mb`.
SweepDocument scattered_sweep(double scale, std::uint64_t limit_mb) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {10000, 20000, 40000, 160000};
  settings.sizes_given = true;
  settings.limit_mb = limit_mb;
  const std::vector<std::pair<double, double>> rss = scattered_rss(scale);
  return memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string&) {
        const double n = std::stod(arguments.at(1));
        double peak_rss = 0;
        for (const auto& [x, y] : rss) peak_rss = x == n ? y : peak_rss;
        return SweepRun{0, scripted_result(2e6 + 740 * n, peak_rss, false), ""};
      });
}

TEST(Sweep, TheAnswersBandComesFromTheScatterOfThePoints) {
  const SweepDocument sweep = scattered_sweep(1, 256);
  const SweepFit& fit = sweep.fits.at(0);
  // RSS binds at 336,915; its band is 330,651 to 343,416 (above); the live bytes lie on their
  // line, whose band is its crossing, (256 MiB - 2 MB) / 740 = 360,047: the lower ends decide.
  EXPECT_EQ(fit.largest_n, 336'915);
  EXPECT_EQ(fit.band.value().low, 330'651);
  EXPECT_EQ(fit.band.value().high, 343'416);
  EXPECT_EQ(fit.mark, "extrapolated");
  EXPECT_NE(memory_baseline::sweep_answer_lines(sweep).at(0).find(
                "(extrapolated 2.1x beyond the largest N measured, 160,000; 95 % band 330,651 to "
                "343,416; bound by peak RSS;"),
            std::string::npos);
}

SweepPoint recall_point(std::uint64_t n, double recall, const char* allocator = "system") {
  SweepPoint point;
  point.engine = "hnswlib";
  point.allocator = allocator;
  point.n = n;
  point.recall = recall;
  point.recall_measure = "recall_at_10";
  point.search_parameters = nlohmann::json{{"ef_search", 256}};
  return point;
}

TEST(Sweep, TheRecallAnswerIsInterpolatedInLogNBetweenTheLastPointHeldAndTheFirstBelow) {
  const RecallAnswer answer = recall_answer(
      "hnswlib", {recall_point(10000, 0.99), recall_point(40000, 0.93), recall_point(160000, 0.5)},
      0.9);
  // exp(log 40,000 + 0.03 / 0.43 x log 4) = 44,061.997
  EXPECT_EQ(answer.how, "interpolated");
  EXPECT_EQ(answer.largest_n, 44'061);
  EXPECT_EQ(answer.held.value().n, 40000);
  EXPECT_EQ(answer.fell.value().n, 160000);
  // The lowest recall over the allocators at an N counts: 0.91 under mimalloc at 40,000 gives
  // exp(log 40,000 + 0.01 / 0.41 x log 4) = 41,375.6.
  EXPECT_EQ(recall_answer("hnswlib",
                          {recall_point(40000, 0.93), recall_point(40000, 0.91, "mimalloc"),
                           recall_point(160000, 0.5)},
                          0.9)
                .largest_n,
            41'375);
  // A recall that falls and rises again: the first fall bounds the answer, sqrt(2) x 10,000.
  EXPECT_EQ(
      recall_answer(
          "hnswlib",
          {recall_point(10000, 0.95), recall_point(20000, 0.85), recall_point(40000, 0.92)}, 0.9)
          .largest_n,
      14'142);
}

TEST(Sweep, TheRecallAnswerSaysWhenEveryPointHeldOrNoneDid) {
  const RecallAnswer all =
      recall_answer("faiss-ivfpq", {recall_point(10000, 0.99), recall_point(320000, 0.95)}, 0.9);
  EXPECT_EQ(all.how, "all held");
  EXPECT_EQ(all.largest_n, 320000);
  const RecallAnswer none =
      recall_answer("hnswlib", {recall_point(10000, 0.8), recall_point(20000, 0.7)}, 0.9);
  EXPECT_EQ(none.how, "none held");
  EXPECT_FALSE(none.largest_n);
  EXPECT_EQ(none.fell.value().n, 10000);
  SweepDocument sweep;
  sweep.dim = 128;
  sweep.limit_mb = 1024;
  SweepFit& fit = sweep.fits.emplace_back();
  fit.engine = "hnswlib";
  fit.allocator = "system";
  fit.bound_by = "fewer than two points";
  sweep.recall = {none};
  EXPECT_EQ(memory_baseline::sweep_answer_lines(sweep).at(1),
            "index-hnswlib: k-recall@10 below 0.9 at every N measured, already at 10,000 (0.800), "
            "at the default search parameters ef_search 256");
}

TEST(Sweep, EachPointCarriesItsRecallAndTheEngineItsRecallAnswer) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes_given = true;
  // Recall 0.99, 0.95, 0.93, 0.5 at 10,000 to 160,000.
  settings.sizes = {10000, 20000, 40000, 160000};
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) {
        const double n = std::stod(arguments.at(1));
        const double recall = n == 10000 ? 0.99 : n == 20000 ? 0.95 : n == 40000 ? 0.93 : 0.5;
        return SweepRun{0, scripted_result(2e6 + 740 * n, 12 * kMiB + 760 * n, false, recall), ""};
      });
  EXPECT_EQ(sweep.points.at(2).recall, 0.93);
  EXPECT_EQ(sweep.points.at(2).recall_measure, "recall_at_10");
  EXPECT_EQ(sweep.points.at(2).search_parameters,
            (nlohmann::json{{"m", 16}, {"ef_construction", 100}, {"ef_search", 256}}));
  ASSERT_EQ(sweep.recall.size(), 1u);
  EXPECT_EQ(sweep.recall.at(0).largest_n, 44'061);
  EXPECT_EQ(memory_baseline::sweep_answer_lines(sweep).at(1),
            "index-hnswlib: k-recall@10 >= 0.9 up to N ~ 44,061, interpolated in log N between "
            "40,000 (0.930) and 160,000 (0.500), at the default search parameters ef_construction "
            "100, ef_search 256, m 16");
}

TEST(Sweep, PointsRunSideBySideGiveTheSameDocument) {
  SweepSettings settings;
  settings.engines = {"hnswlib", "faiss-hnsw"};
  const auto sweep_with = [&](std::uint64_t jobs) {
    settings.jobs = jobs;
    std::mutex calls;
    std::size_t count = 0;
    SweepDocument sweep = memory_baseline::run_sweep(
        settings, {"system", "mimalloc"},
        [&](const std::string& engine, const std::string&,
            const std::vector<std::string>& arguments, const std::string&) {
          const std::lock_guard<std::mutex> lock(calls);
          ++count;
          const double n = std::stod(arguments.at(1));
          const double per_vector = engine == "hnswlib" ? 760 : 1200;
          return SweepRun{0, scripted_result(2e6 + 740 * n, 12 * kMiB + per_vector * n, false), ""};
        });
    for (SweepPoint& point : sweep.points) point.seconds.reset();  // the clock's
    return std::make_pair(scenarios::json_record::write(sweep), count);
  };
  const auto [one, one_count] = sweep_with(1);
  const auto [three, three_count] = sweep_with(3);
  EXPECT_EQ(one, three);
  EXPECT_EQ(one_count, three_count);
  EXPECT_EQ(one_count, 16u);  // 3 sizes + 1 adaptive point, 2 engines x 2 allocators
}

TEST(Sweep, APointThatFailedIsListedAndLeftOutOfTheFit) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {1000, 2000};
  const SweepDocument sweep =
      memory_baseline::run_sweep(settings, {"system"},
                                 [](const std::string&, const std::string&,
                                    const std::vector<std::string>& arguments, const std::string&) {
                                   if (arguments.at(1) == "2000")
                                     return SweepRun{139, std::nullopt, "crashed"};
                                   return SweepRun{0, scripted_result(3e6, 9e6, false), ""};
                                 });
  EXPECT_EQ(sweep.points.size(), 1u);
  ASSERT_EQ(sweep.failures.size(), 1u);
  EXPECT_EQ(sweep.failures.at(0).status, 139);
  EXPECT_FALSE(sweep.fits.at(0).largest_n);
  EXPECT_EQ(sweep.fits.at(0).bound_by, "fewer than two points");
}

TEST(Sweep, AnAnswerThatDoesNotHoldIsMovedAndRunAgain) {
  const SweepSettings settings = verified_sweep();
  // RSS = 8 MiB + 2000 bytes per vector up to 4000 vectors, then 2100 per vector more: the line
  // through the sweep's points answers 4194, which breaks the limit at full scale.
  const auto rss_of = [](double n) {
    return 8.0 * 1024 * 1024 + 2000 * n + (n > 4000 ? 100 * (n - 4000) : 0);
  };
  std::vector<std::uint64_t> verified;
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string& label) {
        const double n = std::stod(arguments.at(1));
        if (label.rfind("verify", 0) == 0) verified.push_back(static_cast<std::uint64_t>(n));
        return SweepRun{
            0, scripted_result(2e6 + 1000 * n, rss_of(n), rss_of(n) > 16.0 * 1024 * 1024), ""};
      });
  // 4194 broke the limit (8,388,608 + 8,388,000 + 19,400 > 16 MiB); the line from 4000 (held)
  // to it crosses 16 MiB at 8,788,608 / 2100 = 4185.05: 4185 held; then N + 10 % was run.
  ASSERT_EQ(verified, (std::vector<std::uint64_t>{4194, 4185, 4604}));
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 4185);
  EXPECT_EQ(fit.refits, 1);
  EXPECT_TRUE(fit.verified.value());
  EXPECT_EQ(fit.mark, "verified");
  const std::vector<SweepVerification>& checks = sweep.verifications.value();
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_FALSE(checks.at(0).held);
  EXPECT_TRUE(checks.at(1).held);
  EXPECT_LE(rss_of(static_cast<double>(verified.at(1))), 16.0 * 1024 * 1024);
  EXPECT_FALSE(checks.at(2).expected_to_hold);
}

TEST(Sweep, ADocumentWrittenBeforeTheMarksIsMarkedFromItsPoints) {
  // A sweep written before answers were marked (tests/.../fixtures/results.json has one): points
  // up to 4,000, an answer of 1,434,842 (358.7x beyond them); no round, seconds, recall, mark,
  // largest_measured_n, band or adaptive flag.
  const auto point = [](std::uint64_t n, std::uint64_t live, std::uint64_t rss) {
    return nlohmann::json{{"engine", "hnswlib"},
                          {"allocator", "system"},
                          {"allocator_version", "glibc 2.36"},
                          {"n", n},
                          {"peak_live_bytes", live},
                          {"peak_rss_bytes", rss},
                          {"passed", true}};
  };
  const auto sweep = scenarios::json_record::read<SweepDocument>(nlohmann::json{
      {"dim", 128},
      {"limit_mb", 1024},
      {"sizes", {2000, 4000}},
      {"points", {point(2000, 4715070, 12779520), point(4000, 6207246, 14123008)}},
      {"failures", nlohmann::json::array()},
      {"fits",
       {{{"engine", "hnswlib"},
         {"allocator", "system"},
         {"points", 2},
         {"largest_n", 1434842},
         {"bound_by", "peak live bytes"},
         {"live", {{"bytes_per_vector", 746.088}, {"intercept_bytes", 3222894.0}}},
         {"rss", {{"bytes_per_vector", 671.744}, {"intercept_bytes", 11436032.0}}}}}}});
  EXPECT_FALSE(sweep.fits.at(0).mark);
  EXPECT_EQ(memory_baseline::sweep_answer_lines(sweep).at(0),
            "index-hnswlib under system: at least 32,000 vectors of 128 dimensions within 1024 "
            "MiB, all the points support; the fit's 1,434,842 is NOT CREDIBLE, more than 8x beyond "
            "the largest N measured (extrapolated 358.7x beyond the largest N measured, 4,000; no "
            "band: no residuals; bound by peak live bytes; 672 bytes of RSS per vector)");
}

TEST(Sweep, AnAnswerTooFarBeyondItsPointsIsAtLeastTheLowEndOfItsBandWhenThatIsLower) {
  // The scatter of scattered_rss times ten, read at 1 GiB: the line crosses at 1,407,945.66, 8.8x
  // beyond 160,000; its band's low end, 1,174,681.67 (worked out apart by bisection on the
  // interval's upper edge), lies below 8 x 160,000 = 1,280,000, so that is what the points support.
  const SweepDocument sweep = scattered_sweep(10, 1024);
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.largest_n, 1'407'945);
  EXPECT_EQ(fit.bound_by, "peak RSS");
  EXPECT_EQ(fit.band.value().low, 1'174'681);
  EXPECT_EQ(fit.mark, "extrapolated");
  EXPECT_FALSE(fit.credible.value());
  EXPECT_EQ(fit.credible_at_least, 1'174'681);
}

TEST(Sweep, ALineThatDoesNotGrowLeavesTheAnswerToTheOther) {
  // Peak live bytes flat at 20 MB (IVF-PQ's training at small N): RSS alone answers,
  // (1 GiB - 12 MiB) / 760 = 1,396,261.
  SweepSettings settings;
  settings.engines = {"faiss-ivfpq"};
  settings.sizes_given = true;
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) {
        const double n = std::stod(arguments.at(1));
        return SweepRun{0, scripted_result(20e6, 12 * kMiB + 760 * n, false), ""};
      });
  EXPECT_EQ(sweep.fits.at(0).largest_n, 1'396'261);
  EXPECT_EQ(sweep.fits.at(0).bound_by, "peak RSS");
  // Flat over the limit: nothing fits.
  const SweepDocument over = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) {
        const double n = std::stod(arguments.at(1));
        return SweepRun{0, scripted_result(2 * 1024 * kMiB, 12 * kMiB + 760 * n, true), ""};
      });
  EXPECT_FALSE(over.fits.at(0).largest_n);
  EXPECT_EQ(over.fits.at(0).bound_by, "over the limit at every N measured");
}

// RSS of 12 MiB + 3e7 x N^0.05 bytes: every point added flattens the line and moves the answer
// far up again.
SweepRun ever_flatter(const std::vector<std::string>& arguments) {
  const double n = std::stod(arguments.at(1));
  return SweepRun{0, scripted_result(2e6, 12 * kMiB + 3e7 * std::pow(n, 0.05), false), ""};
}

TEST(Sweep, AdaptivePointsStopAfterFourRounds) {
  SweepSettings settings;
  settings.engines = {"faiss-ivfpq"};
  settings.max_n = 0;
  std::vector<std::uint64_t> sizes;
  const SweepDocument sweep = sweep_recording_sizes(settings, ever_flatter, sizes);
  // Each step 8x the largest (the answers 9.2 M, 40 M, 202 M, 1.15 G each lie more than 64x
  // beyond it), rounded to three digits; then no fifth (worked out apart).
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10000, 20000, 40000, 320000, 2560000, 20500000,
                                               164000000}));
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.adaptive_points, 4);
  // The least-squares line through the seven points' whole bytes (as a result holds them).
  EXPECT_EQ(fit.largest_n, 7'022'888'462);
  EXPECT_FALSE(fit.credible.value());
}

SweepRun hnswlib_like_failing_beyond_40000(const std::vector<std::string>& arguments) {
  if (std::stod(arguments.at(1)) > 40000) return SweepRun{137, std::nullopt, "Killed"};
  return hnswlib_like(arguments);
}

TEST(Sweep, AnAdaptivePointThatFailsEndsTheAdaptivePoints) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  std::vector<std::uint64_t> sizes;
  const SweepDocument sweep =
      sweep_recording_sizes(settings, hnswlib_like_failing_beyond_40000, sizes);
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10000, 20000, 40000, 192000}));
  ASSERT_EQ(sweep.failures.size(), 1u);
  EXPECT_EQ(sweep.failures.at(0).n, 192000u);
  EXPECT_EQ(sweep.failures.at(0).status, 137);
  const SweepFit& fit = sweep.fits.at(0);
  EXPECT_EQ(fit.adaptive_points, 1);
  EXPECT_EQ(fit.largest_measured_n, 40000);
  EXPECT_FALSE(fit.credible.value());
  EXPECT_EQ(fit.credible_at_least, 320000);
}

TEST(Sweep, EachSizeIsRunOnce) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {20000, 10000, 20000, 40000};
  settings.sizes_given = true;
  std::vector<std::uint64_t> sizes;
  const SweepDocument sweep = sweep_recording_sizes(settings, hnswlib_like, sizes);
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{10000, 20000, 40000}));
  EXPECT_EQ(sweep.sizes, (std::vector<std::uint64_t>{10000, 20000, 40000}));
}

TEST(Sweep, AnErrorInARunEndsTheSweepAndIsPassedOn) {
  for (const std::uint64_t jobs : {1u, 2u}) {
    SweepSettings settings;
    settings.engines = {"hnswlib"};
    settings.jobs = jobs;
    std::mutex calls;
    std::size_t count = 0;
    EXPECT_THROW(memory_baseline::run_sweep(
                     settings, {"system"},
                     [&](const std::string&, const std::string&,
                         const std::vector<std::string>& arguments, const std::string&) {
                       {
                         const std::lock_guard<std::mutex> lock(calls);
                         ++count;
                       }
                       if (arguments.at(1) == "20000") throw std::runtime_error("rejected");
                       return hnswlib_like(arguments);
                     }),
                 std::runtime_error)
        << jobs;
    // One at a time: 10,000 and the 20,000 that failed; two at a time, at most the 40,000 that
    // may have started beside it.
    if (jobs == 1) {
      EXPECT_EQ(count, 2u);
    }
    EXPECT_LE(count, 3u);
  }
}

TEST(Sweep, AVerificationLabelSaysWhatRunsAndWhatIsExpected) {
  SweepSettings settings = verified_sweep();
  std::vector<std::string> labels;
  memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string& label) {
        labels.push_back(label);
        const double n = std::stod(arguments.at(1));
        const double rss = 8 * kMiB + 2000 * n;
        return SweepRun{0, scripted_result(2e6 + 1000 * n, rss, rss > 16 * kMiB), ""};
      });
  ASSERT_EQ(labels.size(), 5u);
  EXPECT_EQ(labels.at(0), "sweep [1/3] index-hnswlib N=1000 under system");
  EXPECT_EQ(
      labels.at(3).rfind("verify index-hnswlib N=4194 under system (the answer: must hold; ~", 0),
      0u)
      << labels.at(3);
  EXPECT_EQ(
      labels.at(4).rfind("verify index-hnswlib N=4614 under system (N + 10 %: must not; ~", 0), 0u)
      << labels.at(4);
}

// The document written and read back is the same record, for a sweep with every kind of entry: a
// verified answer moved once, its verifications, a recall answer, a band, and a point that failed
// with the fit it left without an answer.
TEST(SweepDocument, ReadsBackWhatItWrote) {
  SweepSettings settings = verified_sweep();
  settings.engines = {"hnswlib", "faiss-hnsw"};
  const SweepDocument sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string& engine, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) {
        const double n = std::stod(arguments.at(1));
        if (engine == "faiss-hnsw" && n > 1000) return SweepRun{139, std::nullopt, "crashed"};
        const double rss = 8 * kMiB + 2000 * n + (n > 4000 ? 100 * (n - 4000) : 0);
        return SweepRun{0, scripted_result(2e6 + 1000 * n, rss, rss > 16 * kMiB, 0.95), ""};
      });
  ASSERT_EQ(sweep.fits.size(), 2u);
  ASSERT_TRUE(sweep.fits.at(0).refits && sweep.fits.at(0).band && sweep.verifications);
  ASSERT_EQ(sweep.failures.size(), 2u);
  const nlohmann::json written = scenarios::json_record::write(sweep);
  EXPECT_EQ(scenarios::json_record::write(scenarios::json_record::read<SweepDocument>(written)),
            written);
  EXPECT_EQ(written.at("fits").at(1).at("largest_n"), nullptr);  // no answer: null, not absent
}

TEST(SweepDocument, AFieldMissingOrMistypedIsNamedByItsPointer) {
  SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes_given = true;
  const nlohmann::json written = scenarios::json_record::write(memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) { return hnswlib_like(arguments); }));
  const auto error_of = [](const nlohmann::json& document) {
    try {
      scenarios::json_record::read<SweepDocument>(document, "/sweep");
    } catch (const scenarios::json_record::RecordError& error) {
      return std::string(error.what());
    }
    return std::string("read");
  };
  EXPECT_EQ(error_of(written), "read");
  nlohmann::json broken = written;
  broken["fits"][0]["largest_n"] = "many";
  EXPECT_EQ(error_of(broken), "/sweep/fits/0/largest_n must be a whole number of at least 0");
  broken = written;
  broken["points"][2].erase("peak_rss_bytes");
  EXPECT_EQ(error_of(broken), "/sweep/points/2/peak_rss_bytes is missing");
  broken = written;
  broken["recall"][0]["held"]["recall"] = true;
  EXPECT_EQ(error_of(broken), "/sweep/recall/0/held/recall must be a number");
}

}  // namespace
