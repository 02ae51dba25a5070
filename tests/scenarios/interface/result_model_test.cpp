// The result model: every document the scenarios write reads back into the same record and
// writes back byte for byte; a missing or mistyped field and another schema version are named.
#include <gtest/gtest.h>

#include <fstream>

#include "scenarios/harness.hpp"
#include "scenarios/result_model.hpp"

namespace {

nlohmann::json fixture_runs() {
  std::ifstream file(RESULTS_FIXTURE);
  return nlohmann::json::parse(file).at("runs");
}

// A finished run of the concepts scenario, two iterations, with sites and the index figures a
// scenario of its own adds.
nlohmann::json real_document() {
  const scenarios::Scenario scenario = scenarios::find_scenario("concepts")();
  scenarios::RunOptions options;
  options.iterations = 2;
  options.warmup = 1;
  options.budgets = scenario.default_budgets;
  scenarios::RunResult run = scenarios::run_scenario(scenario, options);
  run.index = scenarios::IndexFigures{};
  run.index->theoretical = {512.0, 4096.0, 1.5e6, "4d"};
  run.index->index_live_bytes = 7;
  run.index->build_cost = {{1, 2.5, 2.0, 1.25}};
  return scenarios::to_json(run);
}

std::string record_error(const nlohmann::json& document) {
  try {
    scenarios::read_result(document, "/runs/0");
  } catch (const scenarios::json_record::RecordError& error) {
    return error.what();
  }
  return "no error";
}

TEST(ResultModel, EveryRunOfTheFixtureWritesBackByteForByte) {
  const nlohmann::json runs = fixture_runs();
  ASSERT_EQ(runs.size(), 4u);
  for (const nlohmann::json& run : runs)
    EXPECT_EQ(scenarios::write(scenarios::read_result(run)).dump(), run.dump());
}

TEST(ResultModel, ARealRunWritesBackByteForByteWithItsFiguresTyped) {
  const nlohmann::json document = real_document();
  const scenarios::ScenarioResult result = scenarios::read_result(document);
  EXPECT_EQ(scenarios::write(result).dump(), document.dump());
  EXPECT_EQ(result.scenario, "concepts");
  ASSERT_FALSE(result.cases.empty());
  EXPECT_EQ(result.cases[0].requested_bytes, document["cases"][0]["requested_bytes"]);
  EXPECT_EQ(result.cases[0].expected_requested_bytes,
            document["cases"][0]["expected_requested_bytes"].get<std::uint64_t>());
  EXPECT_EQ(result.find_case(result.cases.back().name), &result.cases.back());
  EXPECT_EQ(result.find_case("no such case"), nullptr);
  ASSERT_TRUE(result.index.has_value());
  EXPECT_EQ(result.index->index_live_bytes, 7);
  EXPECT_EQ(result.index->build_cost->at(0).ratio, 1.25);
  EXPECT_FALSE(result.index->recall_at_10.has_value());
}

TEST(ResultModel, ACaseWithoutAnExpectationWritesNullAndReadsEmpty) {
  nlohmann::json document = fixture_runs()[0];
  document["cases"][0]["expected_requested_bytes"] = nullptr;
  const scenarios::ScenarioResult result = scenarios::read_result(document);
  EXPECT_FALSE(result.cases[0].expected_requested_bytes.has_value());
  EXPECT_TRUE(scenarios::write(result)["cases"][0]["expected_requested_bytes"].is_null());
}

TEST(ResultModel, AMissingFieldIsNamedByItsPointer) {
  nlohmann::json document = fixture_runs()[0];
  document["cases"][0].erase("peak_live_bytes");
  EXPECT_EQ(record_error(document), "/runs/0/cases/0/peak_live_bytes is missing");
  document = fixture_runs()[0];
  document.erase("provenance");
  EXPECT_EQ(record_error(document), "/runs/0/provenance is missing");
}

TEST(ResultModel, AMistypedFieldIsNamedByItsPointer) {
  nlohmann::json document = fixture_runs()[0];
  document["cases"][0]["alloc_latency_ns"]["p99"] = -3;
  EXPECT_EQ(record_error(document),
            "/runs/0/cases/0/alloc_latency_ns/p99 must be a whole number of at least 0");
  document = fixture_runs()[0];
  document["violations"] = {{{"budget", 1}}};
  EXPECT_EQ(record_error(document), "/runs/0/violations/0/budget must be a string");
  document = fixture_runs()[0];
  document["memory"]["snapshots"] = "none";
  EXPECT_EQ(record_error(document), "/runs/0/memory/snapshots must be an array");
  document = fixture_runs()[0];
  document["passed"] = "yes";
  EXPECT_EQ(record_error(document), "/runs/0/passed must be true or false");
  // A folded stack is a [stack, value] pair.
  document = fixture_runs()[0];
  using nlohmann::json;
  document["cases"][0]["sites"]["peak_folded"] = json::array({json::array({"main;f", 8, 9})});
  EXPECT_EQ(record_error(document), "/runs/0/cases/0/sites/peak_folded/0 must be an array of two");
  document["cases"][0]["sites"]["peak_folded"] = json::array({json::array({"main;f", "8"})});
  EXPECT_EQ(record_error(document), "/runs/0/cases/0/sites/peak_folded/0/1 must be a whole number");
  document = fixture_runs()[0];
  document["cases"][0]["sites"]["top"][0]["stack"][0].erase("line");
  EXPECT_EQ(record_error(document), "/runs/0/cases/0/sites/top/0/stack/0/line is missing");
}

TEST(ResultModel, TheSitesOfACaseReadTyped) {
  const nlohmann::json run = fixture_runs()[0];
  const scenarios::ScenarioResult result = scenarios::read_result(run);
  const nlohmann::json& sites = run["cases"][0]["sites"];
  ASSERT_TRUE(result.cases[0].sites);
  const scenarios::SitesFigures& read = *result.cases[0].sites;
  EXPECT_EQ(read.sample_bytes, sites["sample_bytes"]);
  ASSERT_EQ(read.top.size(), sites["top"].size());
  EXPECT_EQ(read.top[0].where, sites["top"][0]["where"]);
  EXPECT_EQ(read.top[0].stack.size(), sites["top"][0]["stack"].size());
  ASSERT_EQ(read.peak_folded.size(), sites["peak_folded"].size());
  EXPECT_EQ(read.peak_folded[0].first, sites["peak_folded"][0][0]);
  EXPECT_EQ(read.peak_folded[0].second, sites["peak_folded"][0][1]);
}

// A document made in code holds its whole numbers as signed integers: those of at least 0 read.
TEST(ResultModel, WholeNumbersHeldSignedRead) {
  nlohmann::json document = fixture_runs()[0];
  document["iterations"] = static_cast<int>(5);
  document["cases"][0]["live_bytes_delta"] = static_cast<std::int64_t>(-8);
  const scenarios::ScenarioResult result = scenarios::read_result(document);
  EXPECT_EQ(result.iterations, 5u);
  EXPECT_EQ(result.cases[0].live_bytes_delta, -8);
  document["iterations"] = static_cast<int>(-5);
  EXPECT_EQ(record_error(document), "/runs/0/iterations must be a whole number of at least 0");
}

TEST(ResultModel, AnotherSchemaVersionIsNamedWithOurs) {
  nlohmann::json document = fixture_runs()[0];
  document["schema_version"] = 1;
  EXPECT_EQ(record_error(document), "/runs/0 has schema_version 1; this build reads " +
                                        std::to_string(scenarios::kSchemaVersion));
  document.erase("schema_version");
  EXPECT_EQ(record_error(document), "/runs/0 has schema_version none; this build reads " +
                                        std::to_string(scenarios::kSchemaVersion));
}

}  // namespace
