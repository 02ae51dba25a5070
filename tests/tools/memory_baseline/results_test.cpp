// The results file through its model: what is read writes back byte for byte, and a field the
// model cannot read is named with the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "memory_baseline/results.hpp"

namespace {

nlohmann::json fixture_document() {
  std::ifstream file(RUNNER_FIXTURES "/results.json");
  return nlohmann::json::parse(file);
}

// The message load_results gives for `document` written to a file, or "loaded".
std::string load_error(const nlohmann::json& document) {
  // Named after the test: tests run in parallel (ctest -j) share the folder.
  const std::filesystem::path path =
      std::filesystem::path(::testing::TempDir()) /
      (std::string("results_test_") +
       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(path) << document.dump();
  try {
    memory_baseline::load_results(path.string());
  } catch (const memory_baseline::InputError& error) {
    const std::string message = error.what();
    return message.rfind(path.string() + ": ", 0) == 0 ? message.substr(path.string().size() + 2)
                                                       : "without the file: " + message;
  }
  return "loaded";
}

TEST(Results, TheFixtureWritesBackByteForByte) {
  const memory_baseline::Results results =
      memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
  EXPECT_EQ(results.runs.size(), 4u);
  ASSERT_TRUE(results.sweep.has_value());
  EXPECT_EQ(memory_baseline::write(results).dump(), fixture_document().dump());
}

TEST(Results, FailedRunsAreWrittenOnlyWhenThereAreSome) {
  memory_baseline::Results results = memory_baseline::load_results(RUNNER_FIXTURES "/results.json");
  EXPECT_FALSE(memory_baseline::write(results).contains("failed_runs"));
  results.failed_runs.push_back({"concurrent", "system", 134, "Aborted", "runs/c.log"});
  const nlohmann::json document = memory_baseline::write(results);
  EXPECT_EQ(document.at("failed_runs"),
            nlohmann::json::parse(R"([{"scenario": "concurrent", "allocator": "system",
                                       "status": 134, "reason": "Aborted", "log": "runs/c.log"}])"));
  EXPECT_EQ(load_error(document), "loaded");
}

// A file in which no run wrote a result was once written with an empty provenance; now without.
TEST(Results, AnEmptyProvenanceIsNone) {
  nlohmann::json document = fixture_document();
  document["runs"] = nlohmann::json::array();
  document["provenance"] = nlohmann::json::object();
  EXPECT_EQ(load_error(document), "loaded");
  memory_baseline::Results results = memory_baseline::make_results({}, {"system"});
  EXPECT_FALSE(results.provenance.has_value());
  EXPECT_FALSE(memory_baseline::write(results).contains("provenance"));
}

TEST(Results, AFieldOutsideTheRunsIsNamedWithTheFile) {
  nlohmann::json document = fixture_document();
  document["failed_runs"] = {{{"scenario", "concurrent"},
                              {"allocator", "system"},
                              {"status", "134"},
                              {"reason", "Aborted"},
                              {"log", "runs/c.log"}}};
  EXPECT_EQ(load_error(document), "/failed_runs/0/status must be a whole number");
  document = fixture_document();
  document["gating_allocators"] = {"system", 2};
  EXPECT_EQ(load_error(document), "/gating_allocators/1 must be a string");
  document = fixture_document();
  document["passed"] = 1;
  EXPECT_EQ(load_error(document), "/passed must be true or false");
  document = fixture_document();
  document["provenance"].erase("os");
  EXPECT_EQ(load_error(document), "/provenance/os is missing");
}

}  // namespace
