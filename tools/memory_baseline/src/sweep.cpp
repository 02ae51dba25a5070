// The size sweep (sweep.hpp): its document, points, fits, marked answers, recall answers and
// verification runs. The statistics are sweep_fit.cpp's, the running and planning of the points
// sweep_points.cpp's, the answers in words sweep_answers.cpp's.
#include "memory_baseline/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "memory_baseline/results.hpp"
#include "memory_baseline/sweep_fit.hpp"
#include "sweep_internal.hpp"

namespace memory_baseline {

namespace {

constexpr double kVerifyExcess = 1.10;  // N + 10 %
constexpr int kMaxRefits = 3;           // runs of an answer at full scale, at most

SweepLine sweep_line(const Line& line) {
  return {line.intercept, line.slope};
}

}  // namespace

std::map<std::uint64_t, SweepPoint> lowest_recall_by_n(const std::vector<SweepPoint>& points) {
  std::map<std::uint64_t, SweepPoint> lowest;
  for (const SweepPoint& point : points) {
    if (!point.recall) continue;
    const auto found = lowest.find(point.n);
    if (found == lowest.end() || *point.recall < *found->second.recall) lowest[point.n] = point;
  }
  return lowest;
}

RecallAnswer recall_answer(const std::string& engine, const std::vector<SweepPoint>& points,
                           double min_recall) {
  const std::map<std::uint64_t, SweepPoint> lowest = lowest_recall_by_n(points);
  RecallAnswer answer;
  answer.engine = engine;
  answer.min_recall = min_recall;
  answer.measure = lowest.empty() ? std::string()
                                  : lowest.begin()->second.recall_measure.value_or("recall_at_10");
  const auto bracket_point = [](const SweepPoint& point) {
    return RecallPoint{point.n, *point.recall,
                       point.search_parameters.value_or(nlohmann::json::object())};
  };
  if (lowest.empty()) {
    answer.how = recall_how::kNoneMeasured;
    return answer;
  }
  const SweepPoint* held = nullptr;
  for (const auto& [n, point] : lowest) {
    const double recall = *point.recall;
    if (recall >= min_recall) {
      held = &point;
      continue;
    }
    answer.fell = bracket_point(point);
    if (held == nullptr) {
      answer.how = recall_how::kNoneHeld;
      return answer;
    }
    const auto held_n = static_cast<double>(held->n);
    const double held_recall = *held->recall;
    const double share = (held_recall - min_recall) / (held_recall - recall);
    answer.how = recall_how::kInterpolated;
    answer.held = bracket_point(*held);
    answer.largest_n = static_cast<std::uint64_t>(std::floor(std::exp(
        std::log(held_n) + share * (std::log(static_cast<double>(n)) - std::log(held_n)))));
    return answer;
  }
  answer.how = recall_how::kAllHeld;
  answer.held = bracket_point(*held);
  answer.largest_n = held->n;
  return answer;
}

std::vector<std::string> point_arguments(const SweepSettings& settings, std::uint64_t n) {
  return {"--n",        std::to_string(n),
          "--dim",      std::to_string(settings.dim),
          "--limit-mb", std::to_string(settings.limit_mb)};
}

std::uint64_t largest_point(const std::vector<SweepPoint>& points) {
  std::uint64_t largest = 0;
  for (const SweepPoint& point : points) largest = std::max(largest, point.n);
  return largest;
}

namespace {

nlohmann::json search_parameters(const nlohmann::json& parameters) {
  nlohmann::json search = nlohmann::json::object();
  for (const auto& [name, value] : parameters.items()) {
    static const char* const kNotSearch[] = {"engine",  "n", "dim", "threads",
                                             "queries", "k", "seed"};
    if (std::find(std::begin(kNotSearch), std::end(kNotSearch), name) == std::end(kNotSearch))
      search[name] = value;
  }
  return search;
}

}  // namespace

SweepPoint sweep_point(const std::string& engine, const std::string& allocator, std::uint64_t n,
                       int round, double seconds, const scenarios::ScenarioResult& result) {
  SweepPoint point;
  point.engine = engine;
  point.allocator = allocator;
  point.allocator_version = result.allocator.version;
  point.n = n;
  point.round = round;
  point.seconds = seconds;
  point.peak_live_bytes = result.process.peak_live_bytes;
  point.peak_rss_bytes = result.process.peak_rss_bytes;
  point.passed = result.passed;
  if (result.index) {
    const scenarios::IndexFigures& index = *result.index;
    point.index_live_bytes = index.index_live_bytes;
    // The scenario's own recall measure: k-recall@10 for the graph indexes, the true nearest in
    // the top 10 for IVF-PQ (docs/scenarios.md, "Quality").
    if (index.budget_recall()) {
      point.recall = index.budget_recall();
      point.recall_measure = index.budget_recall_measure();
    }
  }
  point.search_parameters = search_parameters(result.parameters);
  return point;
}

// The fit of one engine under one allocator, its answer and the answer's band. Each line that
// grows with N crosses the limit somewhere; the answer is the first crossing and its band the
// lower of the lines' lows and of their highs. A line that does not grow bounds nothing (IVF-PQ's
// peak live bytes are its fixed training up to ~170,000 vectors) unless it already lies over the
// limit.
SweepFit fit_points(const std::string& engine, const std::string& allocator,
                    const std::vector<SweepPoint>& points, double limit_bytes) {
  std::vector<std::pair<double, double>> live, rss;
  for (const SweepPoint& point : points) {
    const auto n = static_cast<double>(point.n);
    live.emplace_back(n, static_cast<double>(point.peak_live_bytes));
    rss.emplace_back(n, static_cast<double>(point.peak_rss_bytes));
  }
  const Line live_line = fit_line(live), rss_line = fit_line(rss);
  SweepFit fit;
  fit.engine = engine;
  fit.allocator = allocator;
  fit.points = points.size();
  fit.largest_measured_n = largest_point(points);
  fit.live = sweep_line(live_line);
  fit.rss = sweep_line(rss_line);
  const auto no_answer = [&fit](const char* why) {
    fit.bound_by = why;
    return fit;
  };
  if (points.size() < 2) return no_answer("fewer than two points");
  struct Bound {
    const char* name;
    const Line& line;
    const std::vector<std::pair<double, double>>& points;
  };
  // RSS first: on a tie it is the one named.
  const Bound bounds[] = {{"peak RSS", rss_line, rss}, {"peak live bytes", live_line, live}};
  std::optional<std::uint64_t> answer;
  const char* bound_by = nullptr;
  std::optional<NRange> band;
  bool banded = true;
  for (const Bound& bound : bounds) {
    if (!(bound.line.slope > 0)) {
      if (bound.line.intercept > limit_bytes)
        return no_answer("over the limit at every N measured");
      continue;
    }
    const std::optional<std::uint64_t> crossing = largest_n_within(bound.line, limit_bytes);
    if (!crossing) return no_answer("over the limit from N = 1");
    if (!answer || *crossing < *answer) {
      answer = crossing;
      bound_by = bound.name;
    }
    const std::optional<NRange> range = prediction_band(bound.points, limit_bytes);
    if (!range) {
      banded = false;
    } else if (!band) {
      band = range;
    } else {
      band->low = std::min(band->low, range->low);
      if (!band->high || (range->high && *range->high < *band->high)) band->high = range->high;
    }
  }
  if (!answer) return no_answer("no growth with N measured");
  fit.largest_n = *answer;
  fit.bound_by = bound_by;
  if (banded && band) {
    fit.band = SweepBand{0.95, band->low, band->high};
  } else {
    fit.band_note = "fewer than three points: no residuals";
  }
  return fit;
}

// The mark of an answer: verified (its last run at full scale held), measured (within the points
// run) or extrapolated, with how far beyond the largest point; credible unless extrapolated more
// than kMaxExtrapolation x and not verified.
void mark_answer(SweepFit& fit) {
  if (!fit.largest_n) return;
  const auto answer = static_cast<double>(*fit.largest_n);
  const auto largest = static_cast<double>(fit.largest_measured_n.value_or(0));
  const double factor = largest > 0 ? answer / largest : std::numeric_limits<double>::infinity();
  fit.extrapolation_factor = factor;
  if (fit.verified.value_or(false)) {
    fit.mark = answer_mark::kVerified;
    fit.credible = true;
  } else if (answer <= largest) {
    fit.mark = answer_mark::kMeasured;
    fit.credible = true;
  } else {
    fit.mark = answer_mark::kExtrapolated;
    fit.credible = factor <= kMaxExtrapolation;
  }
  // What the points do support when the answer lies too far beyond them: the line's N at 8x the
  // largest point (within the limit, since the answer lies beyond), or the band's low end if lower.
  if (!*fit.credible) {
    auto bound = static_cast<std::uint64_t>(kMaxExtrapolation * largest);
    if (fit.band) bound = std::min(bound, fit.band->low);
    fit.credible_at_least = bound;
  }
}

namespace {

// One verification run: whether N held the memory budget (peak live bytes and peak RSS within the
// limit, no failed allocation), with the run's violations as the why.
// The label says how long the run may take, from the points' times.
SweepVerification verify(const SweepSettings& settings, const std::string& engine,
                         const std::string& allocator, std::uint64_t n, bool expected_to_hold,
                         const std::vector<PointTiming>& timings, const RunIndex& run_index) {
  const std::optional<double> seconds = predicted_seconds(timings, engine, static_cast<double>(n));
  const std::string label = fmt::format(
      "verify index-{} N={} under {} ({}{})", engine, n, allocator,
      expected_to_hold ? "the answer: must hold" : "N + 10 %: must not",
      seconds ? fmt::format("; {} by the points' times", duration_words(*seconds)) : "");
  const SweepRun run = run_index(engine, allocator, point_arguments(settings, n), label);
  SweepVerification verification;
  verification.engine = engine;
  verification.allocator = allocator;
  verification.n = n;
  verification.expected_to_hold = expected_to_hold;
  verification.status = run.status;
  if (run.result) {
    verification.peak_live_bytes = run.result->process.peak_live_bytes;
    verification.peak_rss_bytes = run.result->process.peak_rss_bytes;
    // Other findings (recall at this scale, a preempted allocation) are listed, not judged.
    verification.held = true;
    for (const scenarios::Violation& violation : run.result->violations) {
      verification.messages.push_back(violation.message);
      if (violation.budget == "process_limit_mb" || violation.budget == "allocation_failed")
        verification.held = false;
    }
  } else {
    verification.messages.push_back(run.last_line);
  }
  verification.as_predicted = verification.held == expected_to_hold;
  return verification;
}

// Where the straight line from a point within the limit to one over it crosses the limit, by peak
// live bytes and by peak RSS, whichever comes first; nullopt if neither line rises.
std::optional<std::uint64_t> secant_crossing(const SweepPoint& low, const SweepVerification& high,
                                             double limit) {
  const std::uint64_t low_n = low.n, high_n = high.n;
  const std::pair<double, double> figures[] = {
      {static_cast<double>(low.peak_live_bytes), static_cast<double>(*high.peak_live_bytes)},
      {static_cast<double>(low.peak_rss_bytes), static_cast<double>(*high.peak_rss_bytes)}};
  std::optional<std::uint64_t> crossing;
  for (const auto& [low_value, high_value] : figures) {
    if (high_value <= limit || high_value <= low_value || high_n <= low_n) continue;
    const double n = static_cast<double>(low_n) + (limit - low_value) *
                                                      static_cast<double>(high_n - low_n) /
                                                      (high_value - low_value);
    const auto whole = static_cast<std::uint64_t>(std::max(0.0, std::floor(n)));
    crossing = crossing ? std::min(*crossing, whole) : whole;
  }
  return crossing;
}

}  // namespace

SweepDocument run_sweep(const SweepSettings& settings, const std::vector<std::string>& allocators,
                        const RunIndex& run_index) {
  // Each size once, in order: two runs of one N would share their result file.
  SweepSettings sweep_settings = settings;
  const std::set<std::uint64_t> sizes(settings.sizes.begin(), settings.sizes.end());
  sweep_settings.sizes.assign(sizes.begin(), sizes.end());
  const double limit_bytes = static_cast<double>(settings.limit_mb) * kBytesPerMB;
  std::vector<Combo> combos;
  for (const std::string& engine : settings.engines) {
    for (const std::string& allocator : allocators) {
      Combo combo;
      combo.engine = engine;
      combo.allocator = allocator;
      combos.push_back(std::move(combo));
    }
  }
  const std::vector<PointTiming> timings =
      run_points(sweep_settings, run_index, limit_bytes, combos);

  SweepDocument sweep;
  sweep.limit_mb = settings.limit_mb;
  sweep.dim = settings.dim;
  sweep.sizes = sweep_settings.sizes;
  sweep.adaptive = !settings.sizes_given;
  sweep.max_extrapolation = kMaxExtrapolation;
  sweep.min_recall = settings.min_recall;
  std::vector<SweepVerification> verifications;
  for (Combo& combo : combos) {
    sweep.failures.insert(sweep.failures.end(), combo.failures.begin(), combo.failures.end());
    std::sort(combo.points.begin(), combo.points.end(),
              [](const SweepPoint& a, const SweepPoint& b) { return a.n < b.n; });
    sweep.points.insert(sweep.points.end(), combo.points.begin(), combo.points.end());
    SweepFit fit = fit_points(combo.engine, combo.allocator, combo.points, limit_bytes);
    if (!settings.sizes_given) fit.adaptive_points = combo.rounds;
    if (settings.verify && fit.largest_n) {
      // An answer that does not hold at full scale is moved to where the straight line from the
      // largest point to that run crosses the limit (a line fitted through small N misses a little
      // at full scale: docs/scenarios.md) and run again, a few times at most.
      const SweepPoint* below = nullptr;  // the largest point
      for (const SweepPoint& point : combo.points) {
        if (below == nullptr || point.n > below->n) below = &point;
      }
      for (int attempt = 0;; ++attempt) {
        const std::uint64_t largest = *fit.largest_n;
        const SweepVerification verification =
            verify(settings, combo.engine, combo.allocator, largest, true, timings, run_index);
        verifications.push_back(verification);
        fit.verified = verification.held;  // the last answer run decides
        if (verification.held) {
          const auto over =
              static_cast<std::uint64_t>(std::ceil(static_cast<double>(largest) * kVerifyExcess));
          verifications.push_back(
              verify(settings, combo.engine, combo.allocator, over, false, timings, run_index));
          break;
        }
        if (attempt + 1 >= kMaxRefits || !verification.peak_rss_bytes || below == nullptr) break;
        const std::optional<std::uint64_t> crossing =
            secant_crossing(*below, verification, limit_bytes);
        if (!crossing) break;
        fit.largest_n = std::min(*crossing, largest - 1);
        fit.refits = attempt + 1;
      }
    }
    mark_answer(fit);
    sweep.fits.push_back(std::move(fit));
  }
  for (const std::string& engine : settings.engines) {
    std::vector<SweepPoint> own;
    for (const SweepPoint& point : sweep.points) {
      if (point.engine == engine) own.push_back(point);
    }
    sweep.recall.push_back(recall_answer(engine, own, settings.min_recall));
  }
  if (settings.verify) sweep.verifications = std::move(verifications);
  return sweep;
}

}  // namespace memory_baseline
