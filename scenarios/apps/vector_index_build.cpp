// vector_index_build: the index scenario's build with no hooks at all, timed; what the build costs
// without measurement (scenario_vector_index --build-cost runs it). Prints "build_seconds S".
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "vector_index/build_cost.hpp"
#include "vector_index/index_flags.hpp"

int main(int argc, char** argv) {
  using namespace scenarios::vector_index;
  CLI::App app{"Builds the index scenario's index with no hooks and prints its build time",
               "vector_index_build"};
  IndexFlags flags;
  add_index_flags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "vector_index_build: %s\n", error.what());
    return 2;
  }
  IndexParameters parameters;
  if (const std::string problem = parameters_from(flags, parameters); !problem.empty()) {
    std::fprintf(stderr, "vector_index_build: %s\n", problem.c_str());
    return 2;
  }
  const VectorSource source(parameters.seed, parameters.dim, parameters.n);
  const std::unique_ptr<IndexEngine> engine = make_engine(parameters);
  engine->start_threads(parameters.threads);
  const auto start = std::chrono::steady_clock::now();
  engine->build(source, parameters.threads);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fputs(build_seconds_line(seconds).c_str(), stdout);
  return 0;
}
