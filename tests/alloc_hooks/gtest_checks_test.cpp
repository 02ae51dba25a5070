// The GoogleTest checks fail when they should, saying the figure, the limit and the site with
// file:line, and pass when they should: each run in the child program, its output read.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "support/run_program.hpp"

namespace {

// "name (gtest_checks_child.cpp:LINE)" for the line marked "// site: name" in the child; a
// function of the anonymous namespace as the symbolizer names it (DbgHelp on Windows leaves the
// namespace out).
std::string site(const std::string& name) {
#if defined(_WIN32)
  const std::string anonymous;
#else
  const std::string anonymous = "{anonymous}::";
#endif
  std::ifstream source(GTEST_CHECKS_CHILD_SOURCE);
  std::string text;
  for (unsigned line = 1; std::getline(source, text); ++line) {
    if (text.find("// site: " + name) != std::string::npos)
      return anonymous + name + " (gtest_checks_child.cpp:" + std::to_string(line) + ")";
  }
  ADD_FAILURE() << "no line marked " << name;
  return {};
}

test_support::Outcome run_child(const std::string& test, const std::string& extra = "") {
  return test_support::run_program(GTEST_CHECKS_CHILD, "--gtest_filter=" + test + " " + extra);
}

void expect_failure_naming(const std::string& test, const std::string& figure,
                           const std::string& where) {
  const test_support::Outcome outcome = run_child(test);
  EXPECT_EQ(outcome.status, 1) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find(figure), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find(where), std::string::npos) << outcome.out;
  EXPECT_EQ(outcome.out.find("REACHED"), std::string::npos) << outcome.out;
}

void expect_pass(const std::string& test) {
  const test_support::Outcome outcome = run_child(test);
  EXPECT_EQ(outcome.status, 0) << outcome.out << outcome.err;
  EXPECT_NE(outcome.out.find("[  PASSED  ] 1 test"), std::string::npos) << outcome.out;
}

TEST(GtestChecks, NoAllocationsFailsNamingTheAllocatingSite) {
  for (const char* test : {"Fail.NoAllocations", "Fail.AssertNoAllocations"}) {
    expect_failure_naming(test, "1 allocations (64 bytes) where none were expected; top: 64 B",
                          site("allocate_here"));
  }
  expect_pass("Pass.NoAllocations");
}

TEST(GtestChecks, NoLeaksFailsNamingTheSiteThatStillHoldsTheBytes) {
  for (const char* test : {"Fail.NoLeaks", "Fail.AssertNoLeaks"}) {
    expect_failure_naming(test, "live bytes changed by 100 (1 allocations, 0 frees); top: 100 B",
                          site("allocate_here"));
  }
  expect_pass("Pass.NoLeaks");
}

TEST(GtestChecks, PeakBelowFailsNamingThePeaksSite) {
  for (const char* test : {"Fail.PeakBelow", "Fail.AssertPeakBelow", "Fail.ScopedMemoryLimit"}) {
    expect_failure_naming(test, "peak 16.00 MiB (16777216 bytes) >= limit 1.00 MiB (1048576 bytes)",
                          site("big_block"));
  }
  expect_pass("Pass.PeakBelow");
  expect_pass("Pass.ScopedMemoryLimit");
}

TEST(GtestChecks, AllocLatencyBelowFailsNamingTheSlowestAllocationsSite) {
  for (const char* test : {"Fail.AllocLatencyBelow", "Fail.AssertAllocLatencyBelow"}) {
    expect_failure_naming(test, "ns >= limit 1 ns: 64 bytes at", site("allocate_here"));
  }
  expect_pass("Pass.AllocLatencyBelow");
}

TEST(GtestChecks, EveryTestOfABinaryIsHeldToTheLimit) {
  const test_support::Outcome limited = run_child("Limited.Big", "--limit-every-test=1048576");
  EXPECT_EQ(limited.status, 1) << limited.out << limited.err;
  // The test's whole span is held to the limit: GoogleTest's own few hundred bytes per test too.
  EXPECT_NE(limited.out.find("peak 16.00 MiB (1677"), std::string::npos) << limited.out;
  EXPECT_NE(limited.out.find(">= limit 1.00 MiB (1048576 bytes); top: 16.00 MiB"),
            std::string::npos)
      << limited.out;
  EXPECT_NE(limited.out.find(site("big_block")), std::string::npos) << limited.out;
  EXPECT_NE(limited.out.find("[  FAILED  ] Limited.Big"), std::string::npos) << limited.out;
  expect_pass("Limited.Big");  // no limit
  const test_support::Outcome roomy = run_child("Limited.Big", "--limit-every-test=33554432");
  EXPECT_EQ(roomy.status, 0) << roomy.out << roomy.err;
}

}  // namespace
