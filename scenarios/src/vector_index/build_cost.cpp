// The build's cost under the hooks (build_cost.hpp). The unhooked build's process is the OS's part
// (platform/vector_index.hpp).
#include "vector_index/build_cost.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "vector_index/platform/vector_index.hpp"

namespace scenarios::vector_index {

namespace {

double hooked_build_seconds(IndexEngine& engine, const VectorSource& source,
                            std::uint64_t threads) {
  engine.start_threads(threads);
  const auto start = std::chrono::steady_clock::now();
  engine.build(source, threads);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  engine.clear();
  return seconds;
}

double unhooked_build_seconds(const IndexFlags& flags, std::uint64_t threads,
                              const std::string& allocator) {
  process::Command command =
      platform::unhooked_build_command(index_flag_arguments(flags, threads), allocator);
  command.output = process::Output::captured;
  std::string output;
  process::Ending ending;
  try {
    process::Process build = process::Process::start(command);
    output = build.read_output();
    ending = build.wait();
  } catch (const process::StartError& error) {
    throw std::runtime_error("cannot run " + command.program + ": " + error.what());
  }
  const std::optional<double> seconds = read_build_seconds(output);
  if (ending.status != 0 || !seconds) {
    throw std::runtime_error(
        fmt::format("vector_index_build {}: {}", process::describe(ending), output));
  }
  return *seconds;
}

}  // namespace

std::vector<BuildCostPoint> measure_build_cost(IndexEngine& engine, const VectorSource& source,
                                               const IndexFlags& flags,
                                               const std::string& allocator) {
  std::vector<std::uint64_t> thread_counts = {1};
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (cores > 1) thread_counts.push_back(cores);
  std::vector<BuildCostPoint> points;
  for (const std::uint64_t threads : thread_counts) {
    BuildCostPoint point;
    point.threads = threads;
    point.unhooked_seconds = unhooked_build_seconds(flags, threads, allocator);
    point.hooked_seconds = hooked_build_seconds(engine, source, threads);
    points.push_back(point);
  }
  return points;
}

std::string build_seconds_line(double seconds) {
  return fmt::format("build_seconds {:.6f}\n", seconds);
}

std::optional<double> read_build_seconds(const std::string& output) {
  const std::string key = "build_seconds ";
  const std::size_t at = output.rfind(key);
  if (at == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double seconds = std::strtod(output.c_str() + at + key.size(), &end);
  if (end == output.c_str() + at + key.size() || !(seconds >= 0)) return std::nullopt;
  return seconds;
}

}  // namespace scenarios::vector_index
