// Parsing of /proc texts, from fixture files captured on Linux and from malformed variants.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "monitor/memory.hpp"

namespace {

std::string fixture(const std::string& name) {
  std::ifstream file(std::string(MONITOR_FIXTURES) + "/" + name);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

TEST(ProcParsers, StatusGivesRssAndPeakRssInBytes) {
  const auto memory = monitor::parse_status(fixture("status.txt"));
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->rss_bytes, 5004u * 1024u);
  EXPECT_EQ(memory->peak_rss_bytes, 5232u * 1024u);
}

TEST(ProcParsers, MeminfoGivesTotalAvailableAndUtilisation) {
  const auto memory = monitor::parse_meminfo(fixture("meminfo.txt"));
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->total_bytes, 24683620ull * 1024u);
  EXPECT_EQ(memory->available_bytes, 23813960ull * 1024u);
  EXPECT_NEAR(memory->utilisation_percent, 100.0 * (24683620.0 - 23813960.0) / 24683620.0, 1e-9);
}

TEST(ProcParsers, StatmGivesResidentPages) {
  EXPECT_EQ(monitor::parse_statm_rss_pages(fixture("statm.txt")),
            std::optional<std::uint64_t>(1251));
}

TEST(ProcParsers, MalformedOrIncompleteTextIsRejected) {
  EXPECT_FALSE(monitor::parse_statm_rss_pages("").has_value());
  EXPECT_FALSE(monitor::parse_statm_rss_pages("5864").has_value());
  EXPECT_FALSE(monitor::parse_statm_rss_pages("abc def").has_value());
  EXPECT_FALSE(monitor::parse_meminfo("MemTotal: 100 kB\n").has_value());
  EXPECT_FALSE(monitor::parse_meminfo("MemTotal: 100 kB\nMemAvailable: 200 kB\n").has_value());
  EXPECT_FALSE(monitor::parse_meminfo("MemTotal: x kB\nMemAvailable: 2 kB\n").has_value());
  EXPECT_FALSE(monitor::parse_status("VmRSS: 10 kB\n").has_value());
  // A key must match whole: VmRSSx is not VmRSS.
  EXPECT_FALSE(monitor::parse_status("VmRSSx: 10 kB\nVmHWM: 20 kB\n").has_value());
}

TEST(ProcReadings, ThisProcessHasMemory) {
  const monitor::ProcessMemory process = monitor::read_process_memory();
  EXPECT_GT(process.rss_bytes, 0u);
  EXPECT_GE(process.peak_rss_bytes, process.rss_bytes);
  EXPECT_GT(monitor::read_rss_bytes(), 0u);
  const monitor::SystemMemory system = monitor::read_system_memory();
  EXPECT_GT(system.total_bytes, 0u);
  EXPECT_LE(system.available_bytes, system.total_bytes);
}

}  // namespace
