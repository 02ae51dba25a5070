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

nlohmann::json line_json(const Line& line) {
  return {{"intercept_bytes", line.intercept}, {"bytes_per_vector", line.slope}};
}

}  // namespace

std::map<std::uint64_t, nlohmann::json> lowest_recall_by_n(
    const std::vector<nlohmann::json>& points) {
  std::map<std::uint64_t, nlohmann::json> lowest;
  for (const nlohmann::json& point : points) {
    if (!point.contains("recall")) continue;
    const auto n = point.at("n").get<std::uint64_t>();
    const auto found = lowest.find(n);
    if (found == lowest.end() || point.at("recall") < found->second.at("recall")) lowest[n] = point;
  }
  return lowest;
}

nlohmann::json recall_answer(const std::string& engine, const std::vector<nlohmann::json>& points,
                             double min_recall) {
  const std::map<std::uint64_t, nlohmann::json> lowest = lowest_recall_by_n(points);
  const std::string measure = lowest.empty()
                                  ? std::string()
                                  : lowest.begin()->second.value("recall_measure", "recall_at_10");
  nlohmann::json answer = {{"engine", engine}, {"min_recall", min_recall}, {"measure", measure}};
  const auto bracket_point = [](const nlohmann::json& point) {
    return nlohmann::json{
        {"n", point.at("n")},
        {"recall", point.at("recall")},
        {"search_parameters", point.value("search_parameters", nlohmann::json::object())}};
  };
  if (lowest.empty()) {
    answer["how"] = "no recall measured";
    answer["largest_n"] = nullptr;
    return answer;
  }
  const nlohmann::json* held = nullptr;
  for (const auto& [n, point] : lowest) {
    const double recall = point.at("recall").get<double>();
    if (recall >= min_recall) {
      held = &point;
      continue;
    }
    answer["fell"] = bracket_point(point);
    if (held == nullptr) {
      answer["how"] = "none held";
      answer["largest_n"] = nullptr;
      return answer;
    }
    const double held_n = held->at("n").get<double>(), held_recall = held->at("recall");
    const double share = (held_recall - min_recall) / (held_recall - recall);
    answer["how"] = "interpolated";
    answer["held"] = bracket_point(*held);
    answer["largest_n"] = static_cast<std::uint64_t>(std::floor(std::exp(
        std::log(held_n) + share * (std::log(static_cast<double>(n)) - std::log(held_n)))));
    return answer;
  }
  answer["how"] = "all held";
  answer["held"] = bracket_point(*held);
  answer["largest_n"] = held->at("n");
  return answer;
}

std::vector<std::string> point_arguments(const SweepSettings& settings, std::uint64_t n) {
  return {"--n",        std::to_string(n),
          "--dim",      std::to_string(settings.dim),
          "--limit-mb", std::to_string(settings.limit_mb)};
}

std::uint64_t largest_point(const std::vector<nlohmann::json>& points) {
  std::uint64_t largest = 0;
  for (const nlohmann::json& point : points)
    largest = std::max(largest, point.at("n").get<std::uint64_t>());
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

nlohmann::json point_json(const std::string& engine, const std::string& allocator, std::uint64_t n,
                          int round, double seconds, const scenarios::ScenarioResult& result) {
  nlohmann::json point = {{"engine", engine},
                          {"allocator", allocator},
                          {"allocator_version", result.allocator.version},
                          {"n", n},
                          {"round", round},
                          {"seconds", seconds},
                          {"peak_live_bytes", result.process.peak_live_bytes},
                          {"peak_rss_bytes", result.process.peak_rss_bytes},
                          {"passed", result.passed}};
  if (result.index) {
    const nlohmann::json& index = *result.index;
    if (index.contains("index_live_bytes")) point["index_live_bytes"] = index["index_live_bytes"];
    // The scenario's own recall measure: k-recall@10 for the graph indexes, the true nearest in
    // the top 10 for IVF-PQ (docs/scenarios.md, "Quality").
    const std::string measure = index.value("recall_budget_measure", "recall_at_10");
    if (index.contains(measure)) {
      point["recall"] = index[measure];
      point["recall_measure"] = measure;
    }
  }
  point["search_parameters"] = search_parameters(result.parameters);
  return point;
}

// The fit of one engine under one allocator, its answer and the answer's band. Each line that
// grows with N crosses the limit somewhere; the answer is the first crossing and its band the
// lower of the lines' lows and of their highs. A line that does not grow bounds nothing (IVF-PQ's
// peak live bytes are its fixed training up to ~170,000 vectors) unless it already lies over the
// limit.
nlohmann::json fit_json(const std::string& engine, const std::string& allocator,
                        const std::vector<nlohmann::json>& points, double limit_bytes) {
  std::vector<std::pair<double, double>> live, rss;
  for (const nlohmann::json& point : points) {
    const double n = point.at("n").get<double>();
    live.emplace_back(n, point.at("peak_live_bytes").get<double>());
    rss.emplace_back(n, point.at("peak_rss_bytes").get<double>());
  }
  const Line live_line = fit_line(live), rss_line = fit_line(rss);
  nlohmann::json fit = {{"engine", engine},
                        {"allocator", allocator},
                        {"points", points.size()},
                        {"largest_measured_n", largest_point(points)},
                        {"live", line_json(live_line)},
                        {"rss", line_json(rss_line)}};
  const auto no_answer = [&fit](const char* why) {
    fit["largest_n"] = nullptr;
    fit["bound_by"] = why;
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
  fit["largest_n"] = *answer;
  fit["bound_by"] = bound_by;
  if (banded && band) {
    fit["band"] = {{"confidence", 0.95},
                   {"low", band->low},
                   {"high", band->high ? nlohmann::json(*band->high) : nlohmann::json(nullptr)}};
  } else {
    fit["band"] = nullptr;
    fit["band_note"] = "fewer than three points: no residuals";
  }
  return fit;
}

// The mark of an answer: verified (its last run at full scale held), measured (within the points
// run) or extrapolated, with how far beyond the largest point; credible unless extrapolated more
// than kMaxExtrapolation x and not verified.
void mark_answer(nlohmann::json& fit) {
  if (!fit.at("largest_n").is_number()) return;
  const auto answer = fit.at("largest_n").get<double>();
  const auto largest = fit.at("largest_measured_n").get<double>();
  const double factor = largest > 0 ? answer / largest : std::numeric_limits<double>::infinity();
  fit["extrapolation_factor"] = factor;
  if (fit.value("verified", false)) {
    fit["mark"] = "verified";
    fit["credible"] = true;
  } else if (answer <= largest) {
    fit["mark"] = "measured";
    fit["credible"] = true;
  } else {
    fit["mark"] = "extrapolated";
    fit["credible"] = factor <= kMaxExtrapolation;
  }
  // What the points do support when the answer lies too far beyond them: the line's N at 8x the
  // largest point (within the limit, since the answer lies beyond), or the band's low end if lower.
  if (!fit.at("credible").get<bool>()) {
    auto bound = static_cast<std::uint64_t>(kMaxExtrapolation * largest);
    if (fit.contains("band") && fit["band"].is_object())
      bound = std::min(bound, fit["band"].at("low").get<std::uint64_t>());
    fit["credible_at_least"] = bound;
  }
}

namespace {

// One verification run: whether N held the memory budget (peak live bytes and peak RSS within the
// limit, no failed allocation), with the run's violations as the why.
// The label says how long the run may take, from the points' times.
nlohmann::json verify(const SweepSettings& settings, const std::string& engine,
                      const std::string& allocator, std::uint64_t n, bool expected_to_hold,
                      const std::vector<PointTiming>& timings, const RunIndex& run_index) {
  const std::optional<double> seconds = predicted_seconds(timings, engine, static_cast<double>(n));
  const std::string label = fmt::format(
      "verify index-{} N={} under {} ({}{})", engine, n, allocator,
      expected_to_hold ? "the answer: must hold" : "N + 10 %: must not",
      seconds ? fmt::format("; {} by the points' times", duration_words(*seconds)) : "");
  const SweepRun run = run_index(engine, allocator, point_arguments(settings, n), label);
  nlohmann::json verification = {{"engine", engine},
                                 {"allocator", allocator},
                                 {"n", n},
                                 {"expected_to_hold", expected_to_hold},
                                 {"status", run.status}};
  bool held = false;
  nlohmann::json messages = nlohmann::json::array();
  if (run.result) {
    verification["peak_live_bytes"] = run.result->process.peak_live_bytes;
    verification["peak_rss_bytes"] = run.result->process.peak_rss_bytes;
    // Other findings (recall at this scale, a preempted allocation) are listed, not judged.
    held = true;
    for (const scenarios::Violation& violation : run.result->violations) {
      messages.push_back(violation.message);
      if (violation.budget == "process_limit_mb" || violation.budget == "allocation_failed")
        held = false;
    }
  } else {
    messages.push_back(run.last_line);
  }
  verification["held"] = held;
  verification["messages"] = messages;
  verification["as_predicted"] = held == expected_to_hold;
  return verification;
}

// Where the straight line from a point within the limit to one over it crosses the limit, by peak
// live bytes and by peak RSS, whichever comes first; nullopt if neither line rises.
std::optional<std::uint64_t> secant_crossing(std::uint64_t low_n, const nlohmann::json& low,
                                             std::uint64_t high_n, const nlohmann::json& high,
                                             double limit) {
  std::optional<std::uint64_t> crossing;
  for (const char* figure : {"peak_live_bytes", "peak_rss_bytes"}) {
    const double low_value = low.at(figure).get<double>(),
                 high_value = high.at(figure).get<double>();
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

nlohmann::json run_sweep(const SweepSettings& settings, const std::vector<std::string>& allocators,
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

  nlohmann::json points = nlohmann::json::array(), fits = nlohmann::json::array(),
                 verifications = nlohmann::json::array(), recall = nlohmann::json::array(),
                 failures = nlohmann::json::array();
  for (Combo& combo : combos) {
    for (const nlohmann::json& failure : combo.failures) failures.push_back(failure);
    std::sort(
        combo.points.begin(), combo.points.end(),
        [](const nlohmann::json& a, const nlohmann::json& b) { return a.at("n") < b.at("n"); });
    for (const nlohmann::json& point : combo.points) points.push_back(point);
    nlohmann::json fit = fit_json(combo.engine, combo.allocator, combo.points, limit_bytes);
    if (!settings.sizes_given) fit["adaptive_points"] = combo.rounds;
    if (settings.verify && fit["largest_n"].is_number()) {
      // An answer that does not hold at full scale is moved to where the straight line from the
      // largest point to that run crosses the limit (a line fitted through small N misses a little
      // at full scale: docs/scenarios.md) and run again, a few times at most.
      std::pair<std::uint64_t, nlohmann::json> below{0, nullptr};
      for (const nlohmann::json& point : combo.points) {
        if (point.at("n").get<std::uint64_t>() > below.first)
          below = {point.at("n").get<std::uint64_t>(), point};
      }
      for (int attempt = 0;; ++attempt) {
        const auto largest = fit["largest_n"].get<std::uint64_t>();
        const nlohmann::json verification =
            verify(settings, combo.engine, combo.allocator, largest, true, timings, run_index);
        verifications.push_back(verification);
        fit["verified"] = verification.at("held");  // the last answer run decides
        if (verification.at("held").get<bool>()) {
          const auto over =
              static_cast<std::uint64_t>(std::ceil(static_cast<double>(largest) * kVerifyExcess));
          verifications.push_back(
              verify(settings, combo.engine, combo.allocator, over, false, timings, run_index));
          break;
        }
        if (attempt + 1 >= kMaxRefits || !verification.contains("peak_rss_bytes") ||
            below.second.is_null())
          break;
        const std::optional<std::uint64_t> crossing =
            secant_crossing(below.first, below.second, largest, verification, limit_bytes);
        if (!crossing) break;
        fit["largest_n"] = std::min(*crossing, largest - 1);
        fit["refits"] = attempt + 1;
      }
    }
    mark_answer(fit);
    fits.push_back(std::move(fit));
  }
  for (const std::string& engine : settings.engines) {
    std::vector<nlohmann::json> own;
    for (const nlohmann::json& point : points) {
      if (point.at("engine") == engine) own.push_back(point);
    }
    recall.push_back(recall_answer(engine, own, settings.min_recall));
  }
  nlohmann::json sweep = {{"limit_mb", settings.limit_mb},
                          {"dim", settings.dim},
                          {"sizes", sweep_settings.sizes},
                          {"adaptive", !settings.sizes_given},
                          {"max_extrapolation", kMaxExtrapolation},
                          {"min_recall", settings.min_recall},
                          {"points", points},
                          {"fits", fits},
                          {"recall", recall},
                          {"failures", failures}};
  if (settings.verify) sweep["verifications"] = verifications;
  return sweep;
}

}  // namespace memory_baseline
