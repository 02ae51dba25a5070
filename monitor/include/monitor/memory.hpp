// Process and system memory as the OS reports it (RSS, page faults, system total/available), read
// without allocating so that a sampler can call it next to code being measured.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace monitor {

struct ProcessMemory {
  std::uint64_t rss_bytes = 0;
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t minor_page_faults = 0;
  std::uint64_t major_page_faults = 0;
};

struct SystemMemory {
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;
  double utilisation_percent = 0;  // 100 * (total - available) / total
};

ProcessMemory read_process_memory();
std::uint64_t read_rss_bytes();  // the cheapest reading, for the sampler
// Another process's RSS (a child being profiled); nullopt once it cannot be read (it is gone).
std::optional<std::uint64_t> read_rss_bytes_of(int pid);
SystemMemory read_system_memory();
std::uint64_t page_size();

// Parsers of the Linux /proc texts, apart so that tests can feed them fixtures. nullopt when a
// required field is missing or malformed.
std::optional<std::uint64_t> parse_statm_rss_pages(std::string_view statm);
std::optional<SystemMemory> parse_meminfo(std::string_view meminfo);
// VmRSS and VmHWM of /proc/self/status, in bytes.
std::optional<ProcessMemory> parse_status(std::string_view status);

}  // namespace monitor
