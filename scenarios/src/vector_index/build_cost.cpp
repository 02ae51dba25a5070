// The build's cost under the hooks (build_cost.hpp). Linux: the unhooked build runs through popen,
// with the allocator's library preloaded.
#include "vector_index/build_cost.hpp"

#include <fmt/format.h>

#include <link.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

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

// The file of the loaded shared object whose name holds `fragment` ("" if none): the allocator
// library the hooks loaded for their backend.
std::string loaded_library(const std::string& fragment) {
  std::pair<const std::string*, std::string> search{&fragment, {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto& [wanted, found] = *static_cast<std::pair<const std::string*, std::string>*>(data);
        const std::string name = info->dlpi_name != nullptr ? info->dlpi_name : "";
        if (name.find(*wanted) == std::string::npos) return 0;
        found = name;
        return 1;
      },
      &search);
  return search.second;
}

double unhooked_build_seconds(const std::string& program, const IndexFlags& flags,
                              std::uint64_t threads, const std::string& preload) {
  std::string command = preload.empty() ? "" : "LD_PRELOAD='" + preload + "' ";
  command += "'" + program + "'";
  for (const std::string& argument : index_flag_arguments(flags, threads))
    command += " " + argument;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + program);
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  const std::optional<double> seconds = read_build_seconds(output);
  if (status != 0 || !seconds)
    throw std::runtime_error(fmt::format("{} failed (status {}): {}", program, status, output));
  return *seconds;
}

}  // namespace

std::vector<BuildCostPoint> measure_build_cost(IndexEngine& engine, const VectorSource& source,
                                               const IndexFlags& flags,
                                               const std::string& unhooked_program,
                                               const std::string& allocator) {
  // tcmalloc's library is libtcmalloc_minimal.so.4; the others are named after the allocator.
  const std::string preload = allocator == "system" ? "" : loaded_library("lib" + allocator);
  if (allocator != "system" && preload.empty())
    throw std::runtime_error("the " + allocator + " library is not loaded in this process");
  std::vector<std::uint64_t> thread_counts = {1};
  const std::uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  if (cores > 1) thread_counts.push_back(cores);
  std::vector<BuildCostPoint> points;
  for (const std::uint64_t threads : thread_counts) {
    BuildCostPoint point;
    point.threads = threads;
    point.unhooked_seconds = unhooked_build_seconds(unhooked_program, flags, threads, preload);
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
