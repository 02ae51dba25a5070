// Parsers of Linux /proc files. Kept OS-neutral (they only read text) so that they are tested on
// every platform with fixtures.
#include <charconv>

#include "monitor/memory.hpp"

namespace monitor {

namespace {

std::optional<std::uint64_t> number_at(std::string_view text, std::size_t position) {
  while (position < text.size() && (text[position] == ' ' || text[position] == '\t')) ++position;
  std::uint64_t value = 0;
  const auto [end, error] =
      std::from_chars(text.data() + position, text.data() + text.size(), value);
  if (error != std::errc() || end == text.data() + position) return std::nullopt;
  return value;
}

// The value of a "Key:   123 kB" line, in bytes.
std::optional<std::uint64_t> kib_field(std::string_view text, std::string_view key) {
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      const std::optional<std::uint64_t> kib = number_at(line, key.size() + 1);
      if (!kib || line.find("kB") == std::string_view::npos) return std::nullopt;
      return *kib * 1024;
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_statm_rss_pages(std::string_view statm) {
  const std::size_t space = statm.find(' ');
  if (space == std::string_view::npos || !number_at(statm, 0)) return std::nullopt;
  return number_at(statm, space + 1);
}

std::optional<SystemMemory> parse_meminfo(std::string_view meminfo) {
  const std::optional<std::uint64_t> total = kib_field(meminfo, "MemTotal");
  const std::optional<std::uint64_t> available = kib_field(meminfo, "MemAvailable");
  if (!total || !available || *total == 0 || *available > *total) return std::nullopt;
  return SystemMemory{
      *total, *available,
      100.0 * static_cast<double>(*total - *available) / static_cast<double>(*total)};
}

std::optional<ProcessMemory> parse_status(std::string_view status) {
  const std::optional<std::uint64_t> rss = kib_field(status, "VmRSS");
  const std::optional<std::uint64_t> peak = kib_field(status, "VmHWM");
  if (!rss || !peak) return std::nullopt;
  ProcessMemory memory;
  memory.rss_bytes = *rss;
  memory.peak_rss_bytes = *peak;
  return memory;
}

}  // namespace monitor
