// Windows readings: GetProcessMemoryInfo (working set, peak working set, page faults) and
// GlobalMemoryStatusEx. None of them allocates.
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
// psapi.h needs windows.h first.
#include <psapi.h>

#include "monitor/memory.hpp"
#include "monitor/scheduling.hpp"

namespace monitor {

namespace {

PROCESS_MEMORY_COUNTERS process_counters() {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  if (!GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters))
    return PROCESS_MEMORY_COUNTERS{};
  return counters;
}

}  // namespace

std::uint64_t page_size() {
  SYSTEM_INFO info{};
  GetSystemInfo(&info);
  return info.dwPageSize;
}

std::uint64_t read_rss_bytes() {
  return process_counters().WorkingSetSize;
}

std::optional<std::uint64_t> read_rss_bytes_of(int pid) {
  const HANDLE process =
      OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (process == nullptr) return std::nullopt;
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  const bool read = GetProcessMemoryInfo(process, &counters, sizeof counters) != 0;
  CloseHandle(process);
  if (!read) return std::nullopt;
  return counters.WorkingSetSize;
}

ProcessMemory read_process_memory() {
  const PROCESS_MEMORY_COUNTERS counters = process_counters();
  ProcessMemory memory;
  memory.rss_bytes = counters.WorkingSetSize;
  memory.peak_rss_bytes = counters.PeakWorkingSetSize;
  // Windows counts soft and hard faults together; it has no separate major-fault figure.
  memory.minor_page_faults = counters.PageFaultCount;
  return memory;
}

SystemMemory read_system_memory() {
  MEMORYSTATUSEX status{};
  status.dwLength = sizeof status;
  if (!GlobalMemoryStatusEx(&status) || status.ullTotalPhys == 0) return SystemMemory{};
  return {status.ullTotalPhys, status.ullAvailPhys,
          100.0 * static_cast<double>(status.ullTotalPhys - status.ullAvailPhys) /
              static_cast<double>(status.ullTotalPhys)};
}

// Windows keeps context-switch counts behind NtQuerySystemInformation, too dear to read around
// every iteration: only the CPU time is read, and preemption goes unrecognised there.
ThreadSchedule read_thread_schedule() {
  ThreadSchedule schedule;
  FILETIME created, exited, kernel, user;
  if (GetThreadTimes(GetCurrentThread(), &created, &exited, &kernel, &user)) {
    const auto ticks = [](const FILETIME& time) {
      return (static_cast<std::uint64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
    };
    schedule.cpu_ns = (ticks(kernel) + ticks(user)) * 100;  // 100 ns units
  }
  return schedule;
}

}  // namespace monitor
