// The size sweep's document (docs/runner.md, "The size sweep") as records: its points, the fit of
// each engine under each allocator with its marked answer, the recall answers, the points that
// wrote no result and the verification runs. Fields that documents written before the adaptive
// points and the marks lack are optional; an answer is marked when reported (sweep_answers.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <scenarios/json_record.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace memory_baseline {

// One index scenario run at N vectors under one allocator.
struct SweepPoint {
  std::string engine, allocator, allocator_version;
  std::uint64_t n = 0;
  std::optional<int> round;       // 0: a first size; k: the k-th adaptive point
  std::optional<double> seconds;  // how long the run took
  std::uint64_t peak_live_bytes = 0, peak_rss_bytes = 0;
  bool passed = false;
  std::optional<std::int64_t> index_live_bytes;     // the build phase's live bytes delta
  std::optional<double> recall;                     // by recall_measure
  std::optional<std::string> recall_measure;        // "recall_at_10" or "nearest_in_top_10"
  std::optional<nlohmann::json> search_parameters;  // the engine's own, name to value
};

// A point that wrote no result: its exit status and last line.
struct SweepFailure {
  std::string engine, allocator;
  std::uint64_t n = 0;
  int status = 0;
  std::string message;
};

// A least-squares line bytes = intercept_bytes + bytes_per_vector * N.
struct SweepLine {
  double intercept_bytes = 0, bytes_per_vector = 0;
};

// The range of N over which a new run's prediction interval holds the limit (sweep_fit.hpp's
// NRange); no `high` when the slope is not distinguishable from zero.
struct SweepBand {
  double confidence = 0.95;
  std::uint64_t low = 0;
  std::optional<std::uint64_t> high;
};

// How an answer was reached: within the points run, beyond them, or run at full scale and held.
namespace answer_mark {
inline constexpr const char* kVerified = "verified";
inline constexpr const char* kMeasured = "measured";
inline constexpr const char* kExtrapolated = "extrapolated";
}  // namespace answer_mark

// One engine under one allocator: the lines through its points and the largest N within the limit.
struct SweepFit {
  std::string engine, allocator;
  std::uint64_t points = 0;
  std::optional<std::uint64_t> largest_measured_n;
  SweepLine live, rss;
  std::optional<std::uint64_t> largest_n;  // none: no answer, bound_by says why
  std::string bound_by;                    // "peak RSS", "peak live bytes", or why no answer
  std::optional<SweepBand> band;           // none: band_note says why (or no answer)
  std::optional<std::string> band_note;
  std::optional<int> adaptive_points;  // adaptive points run (absent with --sizes)
  std::optional<int> refits;           // moves after runs at full scale that did not hold
  std::optional<bool> verified;        // whether the last run of the answer held (--verify)
  // The mark (mark_answer): answer_mark's words, how far beyond the largest point, and when not
  // credible the N the points do support.
  std::optional<std::string> mark;
  std::optional<double> extrapolation_factor;
  std::optional<bool> credible;
  std::optional<std::uint64_t> credible_at_least;
};

// A point of a recall answer: its N, recall and search parameters.
struct RecallPoint {
  std::uint64_t n = 0;
  double recall = 0;
  nlohmann::json search_parameters;
};

// How a recall answer was reached (recall_answer in sweep.hpp).
namespace recall_how {
inline constexpr const char* kNoneMeasured = "no recall measured";
inline constexpr const char* kNoneHeld = "none held";
inline constexpr const char* kInterpolated = "interpolated";
inline constexpr const char* kAllHeld = "all held";
}  // namespace recall_how

// Per engine, the largest N whose recall still reaches the minimum.
struct RecallAnswer {
  std::string engine;
  double min_recall = 0;
  std::string measure;
  std::string how;                         // recall_how's words
  std::optional<std::uint64_t> largest_n;  // none: none held, or none measured
  std::optional<RecallPoint> held;         // the largest point that held before `fell`
  std::optional<RecallPoint> fell;         // the first point below the minimum
};

// A run of an answer (or of N + 10 %) at full scale: whether it held the memory budget.
struct SweepVerification {
  std::string engine, allocator;
  std::uint64_t n = 0;
  bool expected_to_hold = false;
  int status = 0;
  std::optional<std::uint64_t> peak_live_bytes, peak_rss_bytes;  // none: it wrote no result
  bool held = false;
  std::vector<std::string> messages;  // the run's violations, or its last line
  bool as_predicted = false;
};

struct SweepDocument {
  std::uint64_t limit_mb = 0, dim = 0;
  std::vector<std::uint64_t> sizes;  // the first sizes
  std::optional<bool> adaptive;
  std::optional<double> max_extrapolation;
  std::optional<double> min_recall;
  std::vector<SweepPoint> points;
  std::vector<SweepFit> fits;
  std::vector<RecallAnswer> recall;  // one per engine; absent in documents before recall
  std::vector<SweepFailure> failures;
  std::optional<std::vector<SweepVerification>> verifications;  // with --verify
};

constexpr auto json_fields(std::type_identity<SweepPoint>) {
  using scenarios::json_record::field;
  using P = SweepPoint;
  return std::tuple{field("engine", &P::engine),
                    field("allocator", &P::allocator),
                    field("allocator_version", &P::allocator_version),
                    field("n", &P::n),
                    field("round", &P::round),
                    field("seconds", &P::seconds),
                    field("peak_live_bytes", &P::peak_live_bytes),
                    field("peak_rss_bytes", &P::peak_rss_bytes),
                    field("passed", &P::passed),
                    field("index_live_bytes", &P::index_live_bytes),
                    field("recall", &P::recall),
                    field("recall_measure", &P::recall_measure),
                    field("search_parameters", &P::search_parameters)};
}
constexpr auto json_fields(std::type_identity<SweepFailure>) {
  using scenarios::json_record::field;
  using F = SweepFailure;
  return std::tuple{field("engine", &F::engine), field("allocator", &F::allocator),
                    field("n", &F::n), field("status", &F::status), field("message", &F::message)};
}
constexpr auto json_fields(std::type_identity<SweepLine>) {
  using scenarios::json_record::field;
  return std::tuple{field("intercept_bytes", &SweepLine::intercept_bytes),
                    field("bytes_per_vector", &SweepLine::bytes_per_vector)};
}
constexpr auto json_fields(std::type_identity<SweepBand>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  return std::tuple{field("confidence", &SweepBand::confidence), field("low", &SweepBand::low),
                    field("high", &SweepBand::high, Empty::null)};
}
constexpr auto json_fields(std::type_identity<SweepFit>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  using F = SweepFit;
  return std::tuple{field("engine", &F::engine),
                    field("allocator", &F::allocator),
                    field("points", &F::points),
                    field("largest_measured_n", &F::largest_measured_n),
                    field("live", &F::live),
                    field("rss", &F::rss),
                    field("largest_n", &F::largest_n, Empty::null),
                    field("bound_by", &F::bound_by),
                    field("band", &F::band),
                    field("band_note", &F::band_note),
                    field("adaptive_points", &F::adaptive_points),
                    field("refits", &F::refits),
                    field("verified", &F::verified),
                    field("mark", &F::mark),
                    field("extrapolation_factor", &F::extrapolation_factor),
                    field("credible", &F::credible),
                    field("credible_at_least", &F::credible_at_least)};
}
constexpr auto json_fields(std::type_identity<RecallPoint>) {
  using scenarios::json_record::field;
  return std::tuple{field("n", &RecallPoint::n), field("recall", &RecallPoint::recall),
                    field("search_parameters", &RecallPoint::search_parameters)};
}
constexpr auto json_fields(std::type_identity<RecallAnswer>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  using A = RecallAnswer;
  return std::tuple{field("engine", &A::engine),
                    field("min_recall", &A::min_recall),
                    field("measure", &A::measure),
                    field("how", &A::how),
                    field("largest_n", &A::largest_n, Empty::null),
                    field("held", &A::held),
                    field("fell", &A::fell)};
}
constexpr auto json_fields(std::type_identity<SweepVerification>) {
  using scenarios::json_record::field;
  using V = SweepVerification;
  return std::tuple{field("engine", &V::engine),
                    field("allocator", &V::allocator),
                    field("n", &V::n),
                    field("expected_to_hold", &V::expected_to_hold),
                    field("status", &V::status),
                    field("peak_live_bytes", &V::peak_live_bytes),
                    field("peak_rss_bytes", &V::peak_rss_bytes),
                    field("held", &V::held),
                    field("messages", &V::messages),
                    field("as_predicted", &V::as_predicted)};
}
constexpr auto json_fields(std::type_identity<SweepDocument>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  using D = SweepDocument;
  return std::tuple{field("limit_mb", &D::limit_mb),
                    field("dim", &D::dim),
                    field("sizes", &D::sizes),
                    field("adaptive", &D::adaptive),
                    field("max_extrapolation", &D::max_extrapolation),
                    field("min_recall", &D::min_recall),
                    field("points", &D::points),
                    field("fits", &D::fits),
                    field("recall", &D::recall, Empty::omitted),
                    field("failures", &D::failures),
                    field("verifications", &D::verifications)};
}

}  // namespace memory_baseline
