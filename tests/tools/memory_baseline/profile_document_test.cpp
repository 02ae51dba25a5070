// The runner's reader of the profile report (alloc_hooks/profile_format.hpp): the lines it reads,
// a report cut short, and a report of another version.
#include <gtest/gtest.h>

#include <alloc_hooks/profile_format.hpp>
#include <stdexcept>
#include <string>

#include "memory_baseline/profile.hpp"

namespace {

namespace format = alloc_hooks::profile_format;

std::string first_line(int version) {
  return std::string(format::kFirst) + " " + std::to_string(version) + "\n";
}

const std::string kBody =
    "backend system\nbackend_version glibc 2.36\nclock rdtsc 0.5\ntotal.allocations 7\n"
    "malloc.allocations 5\nlive_bytes -16\npeak_live_bytes 4096\n"
    "alloc_latency 7 10 20 30 40 50 25\nslowest 50 4096 3 2\n"
    "module 7f0000 /usr/lib/libc.so.6\nstack 2 0 4096 4096 1 50 7f0010 7f0020\n";

TEST(ProfileReport, TheReaderTakesEachLineAsTheFormatDefinesIt) {
  alloc_hooks::RawSites sites;
  const auto figures = memory_baseline::parse_preload_report(
      first_line(format::kVersion) + kBody + format::kEnd + "\n", sites);
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ((*figures)["allocator"]["version"], "glibc 2.36");
  EXPECT_EQ((*figures)["totals"]["allocations"], 7);
  EXPECT_EQ((*figures)["by_source"]["malloc"]["allocations"], 5);
  EXPECT_EQ((*figures)["live_bytes"], -16);
  EXPECT_EQ((*figures)["alloc_latency_ns"], nlohmann::json({{"count", 7},
                                                            {"p50", 10},
                                                            {"p90", 20},
                                                            {"p99", 30},
                                                            {"p999", 40},
                                                            {"max", 50},
                                                            {"mean", 25}}));
  EXPECT_EQ((*figures)["slowest_allocations"][0]["stack_id"], 2);
  ASSERT_EQ(sites.modules.size(), 1u);
  EXPECT_EQ(sites.modules[0].path, "/usr/lib/libc.so.6");
  EXPECT_EQ(sites.modules[0].bias, 0x7f0000u);
  EXPECT_EQ(sites.stacks[2], (std::vector<std::uintptr_t>{0x7f0010, 0x7f0020}));
  EXPECT_EQ(sites.figures[2].peak_snapshot_bytes, 4096);
}

TEST(ProfileReport, AReportCutShortHasNoFigures) {
  alloc_hooks::RawSites sites;
  EXPECT_FALSE(memory_baseline::parse_preload_report(first_line(format::kVersion) + kBody, sites));
}

TEST(ProfileReport, AReportOfAnotherVersionIsRefusedNamingBoth) {
  alloc_hooks::RawSites sites;
  try {
    memory_baseline::parse_preload_report(first_line(format::kVersion + 1) + kBody + "end\n",
                                          sites);
    FAIL() << "a report of another version was read";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("version " + std::to_string(format::kVersion + 1) + "; this runner reads " +
                        std::to_string(format::kVersion)),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
