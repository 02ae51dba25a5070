// Where a result came from: compiler, build, OS, CPU, date, git commit.
#include "provenance.hpp"

#include <fmt/chrono.h>

#include <chrono>
#include <thread>

#include "platform/platform.hpp"

namespace scenarios {

Provenance provenance() {
#if defined(__clang__)
  const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = "gcc " __VERSION__;
#elif defined(_MSC_VER)
  const std::string compiler = "msvc " + std::to_string(_MSC_VER);
#else
  const std::string compiler = "unknown";
#endif
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  return {compiler,
          MEMORY_BASELINE_BUILD_TYPE,
          platform::os_description(),
          platform::cpu_model(),
          std::thread::hardware_concurrency(),
          fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(now)),
          MEMORY_BASELINE_GIT_COMMIT};
}

}  // namespace scenarios
