// The calling thread's id as the operating system numbers it (what alloc_hooks records).
#pragma once

#include <cstdint>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace test_support {

inline std::uint64_t os_thread_id() {
#if defined(_WIN32)
  return GetCurrentThreadId();
#else
  return static_cast<std::uint64_t>(syscall(SYS_gettid));
#endif
}

}  // namespace test_support
