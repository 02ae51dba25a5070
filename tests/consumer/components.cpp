// A program of another project that links the package's components: alloc_hooks::gtest's checks
// (which bring alloc_hooks::symbolize), and alloc_hooks::summary's text. Its checks hold exact
// figures, and one check that must fail does.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc_hooks/gtest.hpp"
#include "alloc_hooks/observe.hpp"
#include "alloc_hooks/site_report.hpp"
#include "alloc_hooks/summary.hpp"

TEST(Consumer, TheGtestChecksHoldAndFail) {
  EXPECT_NO_LEAKS({
    std::vector<float> vector(256, 1.0f);
    alloc_hooks::keep_observable(vector.data());
  });
  static std::vector<float>* kept = nullptr;
  EXPECT_NONFATAL_FAILURE(EXPECT_NO_ALLOCATIONS(kept = new std::vector<float>(16)), "allocation");
  delete kept;
}

TEST(Consumer, TheSummaryAndTheSitesSayTheFigures) {
  alloc_hooks::Window window;
  {
    std::vector<char> buffer(4096);
    alloc_hooks::keep_observable(buffer.data());
  }
  const std::string summary = alloc_hooks::format_summary(window.result());
  EXPECT_NE(summary.find("allocations=1 "), std::string::npos) << summary;
  EXPECT_NE(summary.find("bytes_allocated=4096"), std::string::npos) << summary;
  EXPECT_EQ(alloc_hooks::format_bytes(4096), "4.00 KiB");
}
