// Start-up settings from the environment: a bad value ends the process with one line and status 2.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

struct Outcome {
  int status;
  std::string stderr_text;
};

Outcome run_demo_with(const std::string& environment) {
  // One log per test: ctest runs these tests in parallel.
  const std::string log = ::testing::TempDir() + "alloc_hooks_environment_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".log";
  const std::string command = environment + " " ALLOC_HOOKS_DEMO " > /dev/null 2> " + log;
  const int raw = std::system(command.c_str());
  std::ifstream file(log);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, text};
}

void expect_usage_error(const std::string& environment, const std::string& message) {
  const Outcome outcome = run_demo_with(environment);
  EXPECT_EQ(outcome.status, 2) << environment;
  EXPECT_EQ(outcome.stderr_text, "alloc_hooks: " + message + "\n") << environment;
}

TEST(Environment, UnknownBackendIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_BACKEND=tcmalloc",
                     "ALLOC_HOOKS_BACKEND must be system or mimalloc");
}

TEST(Environment, UnknownTimingModeIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_TIMING=sometimes",
                     "ALLOC_HOOKS_TIMING must be off, alloc or all");
}

TEST(Environment, MalformedLimitIsAUsageError) {
  expect_usage_error("ALLOC_HOOKS_LIVE_BYTES_LIMIT=1GB",
                     "ALLOC_HOOKS_LIVE_BYTES_LIMIT must be a whole number of bytes");
}

TEST(Environment, ValidSettingsRunTheDemo) {
  EXPECT_EQ(run_demo_with("ALLOC_HOOKS_BACKEND=mimalloc ALLOC_HOOKS_TIMING=alloc "
                          "ALLOC_HOOKS_ALLOC_BUDGET_NS=5000000")
                .status,
            0);
}

TEST(Environment, LimitFromTheEnvironmentFailsAllocations) {
  // 1 KiB cannot hold the demo's 8 KiB vector: std::bad_alloc ends it abnormally.
  EXPECT_NE(run_demo_with("ALLOC_HOOKS_LIVE_BYTES_LIMIT=1024").status, 0);
}

}  // namespace
