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
  run.scenario_figures = {{"theoretical", {{"bytes_per_vector", 512.0}}}, {"index_live_bytes", 7}};
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
  EXPECT_EQ((*result.index)["index_live_bytes"], 7);
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
