// Linux readings: /proc/self/statm, /proc/self/status, /proc/meminfo and getrusage, read with
// open/read into stack buffers so that a reading never allocates.
#include <fcntl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "monitor/memory.hpp"
#include "monitor/scheduling.hpp"

namespace monitor {

namespace {

// The file's text in `buffer`, or an empty view.
std::string_view read_text(const char* path, char* buffer, std::size_t capacity) {
  const int file = open(path, O_RDONLY | O_CLOEXEC);
  if (file < 0) return {};
  std::size_t length = 0;
  for (ssize_t got;
       length < capacity && (got = read(file, buffer + length, capacity - length)) > 0;) {
    length += static_cast<std::size_t>(got);
  }
  close(file);
  return {buffer, length};
}

}  // namespace

std::uint64_t page_size() {
  return static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t read_rss_bytes() {
  char buffer[128];
  return parse_statm_rss_pages(read_text("/proc/self/statm", buffer, sizeof buffer)).value_or(0) *
         page_size();
}

std::optional<std::uint64_t> read_rss_bytes_of(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/statm", pid);
  char buffer[128];
  const std::optional<std::uint64_t> pages =
      parse_statm_rss_pages(read_text(path, buffer, sizeof buffer));
  if (!pages) return std::nullopt;
  return *pages * page_size();
}

ProcessMemory read_process_memory() {
  char buffer[4096];
  ProcessMemory memory =
      parse_status(read_text("/proc/self/status", buffer, sizeof buffer)).value_or(ProcessMemory{});
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    memory.minor_page_faults = static_cast<std::uint64_t>(usage.ru_minflt);
    memory.major_page_faults = static_cast<std::uint64_t>(usage.ru_majflt);
  }
  return memory;
}

SystemMemory read_system_memory() {
  char buffer[4096];
  return parse_meminfo(read_text("/proc/meminfo", buffer, sizeof buffer)).value_or(SystemMemory{});
}

ThreadSchedule read_thread_schedule() {
  ThreadSchedule schedule;
  timespec cpu{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0) {
    schedule.cpu_ns = static_cast<std::uint64_t>(cpu.tv_sec) * 1'000'000'000u +
                      static_cast<std::uint64_t>(cpu.tv_nsec);
  }
  rusage usage{};
  if (getrusage(RUSAGE_THREAD, &usage) == 0) {
    schedule.voluntary_switches = static_cast<std::uint64_t>(usage.ru_nvcsw);
    schedule.involuntary_switches = static_cast<std::uint64_t>(usage.ru_nivcsw);
  }
  return schedule;
}

}  // namespace monitor
