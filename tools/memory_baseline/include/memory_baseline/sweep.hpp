// The size sweep: the index scenario at several N per engine and allocator, a straight line
// fitted through peak live bytes and through peak RSS against N, and from them the largest N
// whose process stays within the limit; optionally verified by running that N and N + 10 %.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace memory_baseline {

struct SweepSettings {
  std::vector<std::string> engines;  // default: every engine this build has
  std::vector<std::uint64_t> sizes = {10000, 20000, 40000};
  std::uint64_t dim = 128;
  std::uint64_t limit_mb = 1024;  // the process budget the answer is for
  bool verify = false;
};

// A least-squares line y = intercept + slope * n.
struct Line {
  double intercept = 0;
  double slope = 0;
};
Line fit_line(const std::vector<std::pair<double, double>>& points);

// The largest whole n with intercept + slope * n <= limit; nullopt when the line does not grow
// (slope <= 0) or even n = 1 is over the limit.
std::optional<std::uint64_t> largest_n_within(const Line& line, double limit);

// Runs one index scenario process and returns its result document (nullopt: it wrote none; then
// `status` and `last_line` say why). A verification holds when the memory budget held (peak live
// bytes and peak RSS within the limit, no allocation failed); what else broke is listed with it.
struct SweepRun {
  int status = 0;
  std::optional<nlohmann::json> result;
  std::string last_line;
};
using RunIndex =
    std::function<SweepRun(const std::string& engine, const std::string& allocator,
                           const std::vector<std::string>& arguments, const std::string& label)>;

// The sweep document (docs/runner.md): points, fits and answers, and the verification runs.
// Progress goes to stdout. Returns the document and whether every verification held.
nlohmann::json run_sweep(const SweepSettings& settings, const std::vector<std::string>& allocators,
                         const RunIndex& run_index);

// The sweep's answer in words, one line per engine and allocator.
std::vector<std::string> sweep_answer_lines(const nlohmann::json& sweep);

}  // namespace memory_baseline
