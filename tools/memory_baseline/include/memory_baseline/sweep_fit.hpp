// The size sweep's statistics: the least-squares line through (N, bytes), the largest N it puts
// within a limit, and the range of N over which a new run's 95 % prediction interval holds the
// limit (docs/runner.md, "The size sweep").
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace memory_baseline {

// A least-squares line y = intercept + slope * n.
struct Line {
  double intercept = 0;
  double slope = 0;
};
Line fit_line(const std::vector<std::pair<double, double>>& points);

// The largest whole n with intercept + slope * n <= limit; nullopt when the line does not grow
// (slope <= 0) or even n = 1 is over the limit.
std::optional<std::uint64_t> largest_n_within(const Line& line, double limit);

// The range of N at which `limit` lies within the two-sided 95 % prediction interval of the
// least-squares line through `points` (Student's t with points - 2 degrees of freedom, from the
// residual standard error): `low` is the largest N below which a new run is predicted within the
// limit, `high` the N above which it is predicted over it (nullopt: no such N, the slope is not
// distinguishable from zero). nullopt with fewer than three points (no residuals) or a line that
// does not grow.
struct NRange {
  std::uint64_t low = 0;
  std::optional<std::uint64_t> high;
};
std::optional<NRange> prediction_band(const std::vector<std::pair<double, double>>& points,
                                      double limit);

// Student's t quantile for a two-sided 95 % interval with `degrees` degrees of freedom (>= 1).
double student_t_95(std::uint64_t degrees);

}  // namespace memory_baseline
