// Start-up settings from the environment: a bad value ends the process with one line and status 2.
#include <gtest/gtest.h>

#include <string>

#include "support/run_program.hpp"

namespace {

test_support::Outcome run_demo_with(const test_support::Environment& environment) {
  return test_support::run_program(ALLOC_HOOKS_DEMO, "", environment);
}

void expect_usage_error(const std::string& name, const std::string& value,
                        const std::string& message) {
  const test_support::Outcome outcome = run_demo_with({{name, value}});
  EXPECT_EQ(outcome.status, 2) << name << "=" << value;
  EXPECT_EQ(outcome.err, "alloc_hooks: " + message + "\n") << name << "=" << value;
}

TEST(Environment, UnknownBackendIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_BACKEND", "tcmalloc",
                     "ALLOC_HOOKS_BACKEND must be system or mimalloc");
}

TEST(Environment, UnknownTimingModeIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_TIMING", "sometimes",
                     "ALLOC_HOOKS_TIMING must be off, alloc or all");
}

TEST(Environment, MalformedLimitIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_LIVE_BYTES_LIMIT", "1GB",
                     "ALLOC_HOOKS_LIVE_BYTES_LIMIT must be a whole number of bytes");
}

TEST(Environment, ValidSettingsRunTheDemo) {
  EXPECT_EQ(run_demo_with({{"ALLOC_HOOKS_BACKEND", "mimalloc"},
                           {"ALLOC_HOOKS_TIMING", "alloc"},
                           {"ALLOC_HOOKS_ALLOC_BUDGET_NS", "5000000"}})
                .status,
            0);
}

TEST(Environment, LimitFromTheEnvironmentFailsAllocations) {
  // 1 KiB is less than the program holds before main: its first allocation there is refused,
  // and the demo reports that one refusal with status 1 (not a crash).
  const test_support::Outcome outcome = run_demo_with({{"ALLOC_HOOKS_LIVE_BYTES_LIMIT", "1024"}});
  EXPECT_EQ(outcome.status, 1);
  EXPECT_EQ(outcome.err,
            "alloc_hooks_demo: an allocation failed (1 refused by the live-bytes limit of 1024 "
            "bytes)\n");
}

}  // namespace
