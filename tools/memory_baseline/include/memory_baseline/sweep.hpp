// The size sweep: the index scenario at several N per engine and allocator, a straight line
// fitted through peak live bytes and through peak RSS against N, and from them the largest N
// whose process stays within the limit, with a 95 % prediction band; by default more points are
// added until that answer lies within 8x of the largest N measured. Per engine, the largest N
// whose recall@10 still reaches the minimum. Optionally verified by running the answer and
// N + 10 %.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <scenarios/budgets.hpp>
#include <scenarios/result_model.hpp>
#include <string>
#include <vector>

#include "memory_baseline/sweep_document.hpp"
#include "memory_baseline/sweep_fit.hpp"

namespace memory_baseline {

// How far beyond the largest N measured an answer may lie and still be presented as credible: a
// straight line read far beyond its points misses what it cannot see there (docs/runner.md, "The
// size sweep", has the cases), and its band widens with the distance.
inline constexpr double kMaxExtrapolation = 8.0;

struct SweepSettings {
  std::vector<std::string> engines;  // default: every engine this build has
  // The first points; unless `sizes_given`, more are added per engine and allocator until the
  // answer lies within kMaxExtrapolation of the largest (adaptive_point).
  std::vector<std::uint64_t> sizes = {10000, 20000, 40000};
  bool sizes_given = false;  // --sizes: the user's points only
  std::uint64_t dim = 128;
  std::uint64_t limit_mb = scenarios::kSeedProcessLimitMb;  // the process budget the answer is for
  // The largest N an adaptive point may have (0: no cap). An answer that would need more is given
  // as the lower bound its points support (credible_at_least). 8x the largest first size: each
  // engine and allocator gets at most one full step beyond the first points, which keeps the
  // default run within its time (docs/runner.md has the timings).
  std::uint64_t max_n = 320000;
  double min_recall = 0.9;  // the recall the recall answer is for
  std::uint64_t jobs = 1;   // points run at once (verifications run one at a time)
  bool verify = false;
};

// The next point for an answer beyond kMaxExtrapolation x `largest_measured`: towards an eighth of
// the answer with a margin of 10 % (so that a refit that moves the answer a little does not break
// the rule again), times how far the answer rose since the previous point was planned
// (`previous_answer`, 0: none), at most 8x the largest measured point in one step and at most
// `max_n` (0: no cap), rounded up to three significant digits. nullopt when the answer already
// lies within the factor, or the cap is reached.
std::optional<std::uint64_t> adaptive_point(std::uint64_t answer, std::uint64_t largest_measured,
                                            std::uint64_t previous_answer = 0,
                                            std::uint64_t max_n = 0);

// The point with the lowest recall at each N among `points` (those with a recall): the
// allocators' builds are deterministic and agree; if they did not, the lowest is the one to trust.
std::map<std::uint64_t, SweepPoint> lowest_recall_by_n(const std::vector<SweepPoint>& points);

// The recall answer of one engine from its points, pooled over the allocators with the lowest
// recall at each N: the largest N whose recall reaches `min_recall`. Walking up in N, the first
// point below the minimum and the point before it bracket the answer, interpolated in log N; every
// point held: at least the largest; none held: below the smallest.
RecallAnswer recall_answer(const std::string& engine, const std::vector<SweepPoint>& points,
                           double min_recall);

// Runs one index scenario process and returns its result document (nullopt: it wrote none; then
// `status` and `last_line` say why). A verification holds when the memory budget held (peak live
// bytes and peak RSS within the limit, no allocation failed); what else broke is listed with it.
// With settings.jobs > 1 it is called from several threads at once.
struct SweepRun {
  int status = 0;
  std::optional<scenarios::ScenarioResult> result;
  std::string last_line;
};
using RunIndex =
    std::function<SweepRun(const std::string& engine, const std::string& allocator,
                           const std::vector<std::string>& arguments, const std::string& label)>;

// The sweep document (docs/runner.md): points, fits and answers, recall answers, and the
// verification runs. Progress goes to stdout (through `run_index`'s labels).
SweepDocument run_sweep(const SweepSettings& settings, const std::vector<std::string>& allocators,
                        const RunIndex& run_index);

// The sweep's answers in words: per engine, one line per allocator, then the recall line; then
// one line per verification run. A document written before answers were marked is marked from its
// points.
std::vector<std::string> sweep_answer_lines(const SweepDocument& sweep);

// The same answers as a table for the reports: the header, then one row per engine and allocator.
std::vector<std::vector<std::string>> sweep_answer_table(const SweepDocument& sweep);

}  // namespace memory_baseline
