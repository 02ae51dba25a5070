// Runs `memory_baseline profile` for a test and reads the profile it wrote: for the profile tests
// of each platform (tests/tools/memory_baseline/profile_test.cpp, profile_windows_test.cpp), which
// define RUNNER_BINARY.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "memory_baseline/profile_model.hpp"

#include "support/run_program.hpp"

namespace test_support {

// A folder of the current test's own, empty when the test first asks for it.
inline std::filesystem::path scratch() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::filesystem::path folder =
      std::filesystem::path(::testing::TempDir()) / ("profile_" + test);
  // Emptied at the test's first call only: a later call must not remove what an earlier one holds.
  static std::string emptied_for;
  if (emptied_for != test) {
    std::filesystem::remove_all(folder);
    emptied_for = test;
  }
  std::filesystem::create_directories(folder);
  return folder;
}

struct Profile {
  Outcome outcome;
  std::optional<memory_baseline::ProfileDocument> document;  // none when none was written
};

inline Profile profile(const std::filesystem::path& out, const std::string& flags,
                       const std::string& program_and_args, const Environment& environment = {}) {
  Profile result{
      run_program(RUNNER_BINARY,
                  "profile " + flags + " --out \"" + out.string() + "\" -- " + program_and_args,
                  environment),
      std::nullopt};
  // Through the profile's one reader: a field missing or mistyped fails the test there.
  if (std::filesystem::exists(out / "profile.json"))
    result.document =
        memory_baseline::read_profile(nlohmann::json::parse(read_file(out / "profile.json")));
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

// A counter of the profile: of "totals" or of the source of that name ("malloc", "operator_new",
// ...).
inline std::uint64_t figure(const std::optional<memory_baseline::ProfileDocument>& document,
                            std::string_view group,
                            std::uint64_t memory_baseline::ProfileCounters::*counter) {
  if (!document) throw std::runtime_error("no profile was written");
  if (group == "totals") return document->totals.*counter;
  const memory_baseline::ProfileCounters* source =
      memory_baseline::source_named(document->by_source, group);
  if (!source) throw std::runtime_error("no source " + std::string(group));
  return source->*counter;
}

}  // namespace test_support
