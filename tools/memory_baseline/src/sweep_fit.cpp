// The size sweep's statistics (sweep_fit.hpp).
#include "memory_baseline/sweep_fit.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace memory_baseline {

namespace {

// The sums a least-squares line and its prediction interval are made of.
struct Moments {
  double count = 0, mean_x = 0, mean_y = 0;
  double sxx = 0, sxy = 0;  // sums of (x - mean_x)^2 and (x - mean_x)(y - mean_y)
};

Moments moments(const std::vector<std::pair<double, double>>& points) {
  Moments sums;
  sums.count = static_cast<double>(points.size());
  if (points.empty()) return sums;
  for (const auto& [x, y] : points) sums.mean_x += x, sums.mean_y += y;
  sums.mean_x /= sums.count;
  sums.mean_y /= sums.count;
  for (const auto& [x, y] : points) {
    sums.sxx += (x - sums.mean_x) * (x - sums.mean_x);
    sums.sxy += (x - sums.mean_x) * (y - sums.mean_y);
  }
  return sums;
}

Line line_of(const Moments& sums) {
  if (sums.sxx == 0) return {sums.mean_y, 0};
  const double slope = sums.sxy / sums.sxx;
  return {sums.mean_y - slope * sums.mean_x, slope};
}

}  // namespace

Line fit_line(const std::vector<std::pair<double, double>>& points) {
  return line_of(moments(points));
}

std::optional<std::uint64_t> largest_n_within(const Line& line, double limit) {
  if (!(line.slope > 0)) return std::nullopt;
  const double n = std::floor((limit - line.intercept) / line.slope);
  if (n < 1) return std::nullopt;
  return static_cast<std::uint64_t>(n);
}

double student_t_95(std::uint64_t degrees) {
  // The 0.975 quantile of Student's t for 1..30 degrees of freedom (the standard table); beyond,
  // the Cornish-Fisher expansion over the normal quantile z to its second term,
  // z + (z^3 + z) / 4v + (5z^5 + 16z^3 + 3z) / 96v^2, within 0.0002 of the exact value from 31 up
  // (2.0394 at 31 against 2.0395; the first term alone gives 2.0365, a step down from 30's 2.042).
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                      2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                      2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                      2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (degrees == 0) return std::numeric_limits<double>::infinity();
  if (degrees <= std::size(kTable)) return kTable[degrees - 1];
  constexpr double z = 1.959964, z3 = z * z * z, z5 = z3 * z * z;
  const auto v = static_cast<double>(degrees);
  return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v);
}

std::optional<NRange> prediction_band(const std::vector<std::pair<double, double>>& points,
                                      double limit) {
  if (points.size() < 3) return std::nullopt;
  const Moments sums = moments(points);
  const Line line = line_of(sums);
  if (!(line.slope > 0)) return std::nullopt;
  double squares = 0;
  for (const auto& [x, y] : points) {
    const double residual = y - (line.intercept + line.slope * x);
    squares += residual * residual;
  }
  // A new run at N = mean_x + u is predicted at y(u) = mean_y + b u, within
  // +-k sqrt(c + u^2 / sxx), k = t s, c = 1 + 1/count. The limit lies on the edge of that interval
  // where (d - b u)^2 = k^2 (c + u^2 / sxx), d = limit - mean_y: the quadratic
  // a u^2 - 2 b d u + (d^2 - k^2 c) = 0 with a = b^2 - k^2 / sxx (Fieller's inverse prediction).
  const double mean_x = sums.mean_x, sxx = sums.sxx;
  const double b = line.slope, d = limit - sums.mean_y, c = 1.0 + 1.0 / sums.count;
  const double k = student_t_95(points.size() - 2) * std::sqrt(squares / (sums.count - 2));
  const auto whole = [](double n) {
    return static_cast<std::uint64_t>(std::max(0.0, std::floor(n)));
  };
  if (k == 0) return NRange{whole(mean_x + d / b), whole(mean_x + d / b)};
  const double a = b * b - k * k / sxx;
  const double discriminant = d * d / sxx + a * c;  // over k^2
  if (a > 0) {
    // The slope is distinguishable from zero: both edges exist, one each side of the crossing.
    const double root = k * std::sqrt(discriminant);
    return NRange{whole(mean_x + (b * d - root) / a), whole(mean_x + (b * d + root) / a)};
  }
  // The slope is not: the lower edge of the interval never reaches the limit (no high end). The
  // upper edge reaches it where the quadratic's larger root lies, if the limit was above the
  // interval at N = 0; otherwise the limit lies within it from the start.
  std::optional<double> upper_crossing;
  if (a == 0) {
    if (b * d != 0) upper_crossing = (d * d - k * k * c) / (2 * b * d);
  } else if (discriminant >= 0) {
    upper_crossing = (b * d - k * std::sqrt(discriminant)) / a;  // a < 0: the larger root
  }
  const double at_zero = -mean_x;
  const bool above_at_zero =
      d - b * at_zero > k * std::sqrt(c + at_zero * at_zero / sxx);  // limit over the upper edge
  if (!upper_crossing || !above_at_zero || *upper_crossing < at_zero)
    return NRange{0, std::nullopt};
  return NRange{whole(mean_x + *upper_crossing), std::nullopt};
}

}  // namespace memory_baseline
