// The sweep's arithmetic: the least-squares line and the largest N under a limit, exactly; and the
// sweep document from scripted runs (no processes): points, fits, answers and verifications.
#include <gtest/gtest.h>

#include "memory_baseline/sweep.hpp"

namespace {

using memory_baseline::fit_line;
using memory_baseline::largest_n_within;
using memory_baseline::Line;

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

nlohmann::json scripted_result(double live, double rss, bool over_limit) {
  nlohmann::json violations = nlohmann::json::array();
  if (over_limit) {
    violations.push_back({{"budget", "process_limit_mb"}, {"message", "Total memory exceeded"}});
  }
  return {{"allocator", {{"name", "system"}, {"version", "glibc 2.36"}}},
          {"process", {{"peak_live_bytes", live}, {"peak_rss_bytes", rss}}},
          {"violations", violations},
          {"passed", !over_limit},
          {"index", {{"index_live_bytes", live - 1'000'000}}}};
}

// hnswlib at 1000, 2000 and 4000 vectors against 16 MiB, verified.
memory_baseline::SweepSettings verified_sweep() {
  memory_baseline::SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {1000, 2000, 4000};
  settings.limit_mb = 16;
  settings.verify = true;
  return settings;
}

TEST(Sweep, DocumentHoldsPointsFitsAnswersAndVerifications) {
  const memory_baseline::SweepSettings settings = verified_sweep();
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
    return memory_baseline::SweepRun{
        0, scripted_result(2e6 + 1000 * n, rss, rss > 16.0 * 1024 * 1024), ""};
  };
  const nlohmann::json sweep = memory_baseline::run_sweep(settings, {"system"}, run_index);
  ASSERT_EQ(sweep.at("points").size(), 3u);
  ASSERT_EQ(sweep.at("fits").size(), 1u);
  const nlohmann::json& fit = sweep.at("fits").at(0);
  EXPECT_DOUBLE_EQ(fit.at("rss").at("bytes_per_vector").get<double>(), 2000);
  EXPECT_DOUBLE_EQ(fit.at("live").at("bytes_per_vector").get<double>(), 1000);
  EXPECT_EQ(fit.at("largest_n"), 4194);
  EXPECT_EQ(fit.at("bound_by"), "peak RSS");
  // The answer and N + 10 % (4614) were run; the first held, the second did not.
  ASSERT_EQ(calls.size(), 5u);
  EXPECT_EQ(calls.at(3).at(1), "4194");
  EXPECT_EQ(calls.at(4).at(1), "4614");
  const nlohmann::json& verifications = sweep.at("verifications");
  ASSERT_EQ(verifications.size(), 2u);
  EXPECT_TRUE(verifications.at(0).at("held").get<bool>());
  EXPECT_FALSE(verifications.at(1).at("held").get<bool>());
  EXPECT_TRUE(verifications.at(1).at("as_predicted").get<bool>());
  const std::vector<std::string> lines = memory_baseline::sweep_answer_lines(sweep);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines.at(0),
            "index-hnswlib under system: at most 4194 vectors of 128 dimensions within 16 MiB "
            "(bound by peak RSS; 2000 bytes of RSS per vector)");
}

TEST(Sweep, APointThatFailedIsListedAndLeftOutOfTheFit) {
  memory_baseline::SweepSettings settings;
  settings.engines = {"hnswlib"};
  settings.sizes = {1000, 2000};
  const nlohmann::json sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [](const std::string&, const std::string&, const std::vector<std::string>& arguments,
         const std::string&) {
        if (arguments.at(1) == "2000")
          return memory_baseline::SweepRun{139, std::nullopt, "crashed"};
        return memory_baseline::SweepRun{0, scripted_result(3e6, 9e6, false), ""};
      });
  EXPECT_EQ(sweep.at("points").size(), 1u);
  ASSERT_EQ(sweep.at("failures").size(), 1u);
  EXPECT_EQ(sweep.at("failures").at(0).at("status"), 139);
  EXPECT_TRUE(sweep.at("fits").at(0).at("largest_n").is_null());
  EXPECT_EQ(sweep.at("fits").at(0).at("bound_by"), "fewer than two points");
}

TEST(Sweep, AnAnswerThatDoesNotHoldIsMovedAndRunAgain) {
  const memory_baseline::SweepSettings settings = verified_sweep();
  // RSS = 8 MiB + 2000 bytes per vector up to 4000 vectors, then 2100 per vector more: the line
  // through the sweep's points answers 4194, which breaks the limit at full scale.
  const auto rss_of = [](double n) {
    return 8.0 * 1024 * 1024 + 2000 * n + (n > 4000 ? 100 * (n - 4000) : 0);
  };
  std::vector<std::uint64_t> verified;
  const nlohmann::json sweep = memory_baseline::run_sweep(
      settings, {"system"},
      [&](const std::string&, const std::string&, const std::vector<std::string>& arguments,
          const std::string& label) {
        const double n = std::stod(arguments.at(1));
        if (label.rfind("verify", 0) == 0) verified.push_back(static_cast<std::uint64_t>(n));
        return memory_baseline::SweepRun{
            0, scripted_result(2e6 + 1000 * n, rss_of(n), rss_of(n) > 16.0 * 1024 * 1024), ""};
      });
  // 4194 broke the limit (8,388,608 + 8,388,000 + 19,400 > 16 MiB); the line from 4000 (held)
  // to it crosses 16 MiB at 8,788,608 / 2100 = 4185.05: 4185 held; then N + 10 % was run.
  ASSERT_EQ(verified, (std::vector<std::uint64_t>{4194, 4185, 4604}));
  const nlohmann::json& fit = sweep.at("fits").at(0);
  EXPECT_EQ(fit.at("largest_n"), 4185);
  EXPECT_EQ(fit.at("refits"), 1);
  EXPECT_TRUE(fit.at("verified").get<bool>());
  const nlohmann::json& checks = sweep.at("verifications");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_FALSE(checks.at(0).at("held").get<bool>());
  EXPECT_TRUE(checks.at(1).at("held").get<bool>());
  EXPECT_LE(rss_of(static_cast<double>(verified.at(1))), 16.0 * 1024 * 1024);
  EXPECT_FALSE(checks.at(2).at("expected_to_hold").get<bool>());
}

}  // namespace
