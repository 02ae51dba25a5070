// Runs `memory_baseline profile` for a test and reads the profile it wrote: for the profile tests
// of each platform (tests/tools/memory_baseline/profile_test.cpp, profile_windows_test.cpp), which
// define RUNNER_BINARY.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_program.hpp"

namespace test_support {

// A folder of the current test's own, emptied.
inline std::filesystem::path scratch() {
  const std::filesystem::path folder =
      std::filesystem::path(::testing::TempDir()) /
      ("profile_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  return folder;
}

struct Profile {
  Outcome outcome;
  nlohmann::json document;  // null when none was written
};

inline Profile profile(const std::filesystem::path& out, const std::string& flags,
                       const std::string& program_and_args, const Environment& environment = {}) {
  Profile result{
      run_program(RUNNER_BINARY,
                  "profile " + flags + " --out \"" + out.string() + "\" -- " + program_and_args,
                  environment),
      nullptr};
  if (std::filesystem::exists(out / "profile.json"))
    result.document = nlohmann::json::parse(read_file(out / "profile.json"));
  return result;
}

// `profile --out OUT ARGUMENTS` is bad input: exit status 2, one line on stderr that holds
// `message`, nothing written.
inline void expect_refused(const std::filesystem::path& out, const std::string& arguments,
                           const std::string& message) {
  const Outcome outcome =
      run_program(RUNNER_BINARY, "profile --out \"" + out.string() + "\" " + arguments);
  EXPECT_EQ(outcome.status, 2) << arguments;
  EXPECT_NE(outcome.err.find(message), std::string::npos) << arguments << ": " << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_FALSE(std::filesystem::exists(out / "profile.json")) << arguments;
}

// A counter of the profile: of "totals" or of one source ("malloc", "operator_new", ...).
inline std::uint64_t figure(const nlohmann::json& document, const char* group, const char* field) {
  return group == std::string("totals")
             ? document.at("totals").at(field).get<std::uint64_t>()
             : document.at("by_source").at(group).at(field).get<std::uint64_t>();
}

}  // namespace test_support
