// Start-up settings from the environment: a bad value ends the process with one line and status 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <alloc_hooks/backends.hpp>
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
  expect_usage_error("ALLOC_HOOKS_BACKEND", "hoard",
                     "ALLOC_HOOKS_BACKEND must be system, mimalloc, jemalloc or tcmalloc");
}

#if ALLOC_HOOKS_JEMALLOC_BUILT
// jemalloc needs static TLS room from the process's start: without it, one line with the loader's
// words and the tunable that gives it, not a crash.
TEST(Environment, JemallocWithoutItsTunableSaysHowToGetIt) {
  const test_support::Outcome outcome =
      run_demo_with({{"ALLOC_HOOKS_BACKEND", "jemalloc"}, {"GLIBC_TUNABLES", ""}});
  EXPECT_EQ(outcome.status, 2);
  EXPECT_EQ(outcome.err.rfind("alloc_hooks: ALLOC_HOOKS_BACKEND=jemalloc but libjemalloc.so.2 "
                              "cannot be loaded: ",
                              0),
            0u)
      << outcome.err;
  EXPECT_NE(outcome.err.find("static TLS"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find(std::string("GLIBC_TUNABLES=") + alloc_hooks::kJemallocTunable),
            std::string::npos)
      << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
}
#endif

TEST(Environment, UnknownTimingModeIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_TIMING", "sometimes",
                     "ALLOC_HOOKS_TIMING must be off, alloc or all");
}

TEST(Environment, MalformedLimitIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_LIVE_BYTES_LIMIT", "1GB",
                     "ALLOC_HOOKS_LIVE_BYTES_LIMIT must be a whole number of bytes");
}

TEST(Environment, MalformedSampleIntervalIsAUsageError) {
  for (const char* value : {"512KiB", "-1", "4611686018427387904"}) {  // the last is 2^62
    expect_usage_error("ALLOC_HOOKS_SAMPLE_BYTES", value,
                       "ALLOC_HOOKS_SAMPLE_BYTES must be a whole number of bytes below 2^62 (0 "
                       "off, 1 every allocation)");
  }
}

TEST(Environment, UnknownStackWalkIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_STACK_WALK", "dwarf",
                     "ALLOC_HOOKS_STACK_WALK must be unwind or fp");
}

TEST(Environment, ValidSettingsRunTheDemo) {
  EXPECT_EQ(run_demo_with({{"ALLOC_HOOKS_BACKEND", "mimalloc"},
                           {"ALLOC_HOOKS_TIMING", "alloc"},
                           {"ALLOC_HOOKS_ALLOC_BUDGET_NS", "5000000"},
                           {"ALLOC_HOOKS_SAMPLE_BYTES", "1"},
                           {"ALLOC_HOOKS_STACK_WALK", "fp"}})
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
