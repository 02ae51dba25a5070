// The index's flags (index_flags.hpp).
#include "vector_index/index_flags.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdint>

#include "scenarios/command_line.hpp"

namespace scenarios::vector_index {

namespace {

// The one list of numeric index flags: name, field, range, help.
template <typename Flags, typename Visit>
void for_each_number_flag(Flags& flags, Visit&& visit) {
  visit("--n", flags.n, 1, 1'000'000'000, "vectors in the index (default 10000)");
  visit("--dim", flags.dim, 1, 4096, "dimensions of a vector (default 128)");
  visit("--m", flags.m, 2, 1024, "HNSW links per element and level (default 16)");
  visit("--ef-construction", flags.ef_construction, 1, 100'000,
        "HNSW candidates while inserting (default 100)");
  visit("--ef-search", flags.ef_search, 1, 100'000,
        "HNSW candidates while searching (default 256)");
  visit("--threads", flags.threads, 1, 1024, "insertion threads (default 1)");
  visit("--nlist", flags.nlist, 1, 1'000'000, "IVF-PQ inverted lists (default sqrt(N))");
  visit("--nprobe", flags.nprobe, 1, 1'000'000,
        "IVF-PQ lists searched per query (default nlist/4)");
  visit("--pq-m", flags.pq_m, 1, 4096, "IVF-PQ bytes per code, dividing --dim (default dim)");
  visit("--queries", flags.queries, 1, 100'000,
        "queries, each checked against brute force (default 200)");
  visit("--seed", flags.seed, 0, UINT64_MAX, "seed of the vectors (default 42)");
}

}  // namespace

void add_index_flags(CLI::App& app, IndexFlags& flags) {
  // "hnswlib (default), faiss-hnsw or faiss-ivfpq"
  const std::vector<std::string>& names = engine_names();
  std::string engines;
  for (std::size_t i = 0; i < names.size(); ++i) {
    engines += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    if (i == 0) engines += " (default)";
  }
  app.add_option("--engine", flags.engine, engines)->check(CLI::IsMember(engine_names()));
  for_each_number_flag(
      flags, [&app](const char* name, std::optional<std::uint64_t>& field, std::uint64_t lowest,
                    std::uint64_t highest, const char* help) {
        app.add_option_function<std::string>(
               name, [&field](const std::string& text) { field = std::stoull(text); }, help)
            ->check(whole_number(lowest, highest));
      });
}

std::string parameters_from(const IndexFlags& flags, IndexParameters& parameters) {
  const bool hnsw = flags.engine != "faiss-ivfpq";
  const std::pair<const char*, bool> misplaced[] = {
      {"--m", !hnsw && flags.m},
      {"--ef-construction", !hnsw && flags.ef_construction},
      {"--ef-search", !hnsw && flags.ef_search},
      {"--nlist", hnsw && flags.nlist},
      {"--nprobe", hnsw && flags.nprobe},
      {"--pq-m", hnsw && flags.pq_m}};
  for (const auto& [flag, wrong] : misplaced) {
    if (wrong) return fmt::format("{} does not apply to the {} engine", flag, flags.engine);
  }
  parameters.engine = flags.engine;
  parameters.n = flags.n.value_or(10'000);
  parameters.dim = flags.dim.value_or(128);
  parameters.m = flags.m.value_or(0);
  parameters.ef_construction = flags.ef_construction.value_or(0);
  parameters.ef_search = flags.ef_search.value_or(0);
  parameters.threads = flags.threads.value_or(1);
  parameters.nlist = flags.nlist.value_or(0);
  parameters.nprobe = flags.nprobe.value_or(0);
  parameters.pq_m = flags.pq_m.value_or(0);
  parameters.seed = flags.seed.value_or(42);
  apply_defaults(parameters);
  return parameter_problem(parameters);
}

std::vector<std::string> index_flag_arguments(const IndexFlags& flags, std::uint64_t threads) {
  std::vector<std::string> arguments = {"--engine", flags.engine};
  IndexFlags given = flags;
  given.threads = threads;
  for_each_number_flag(given,
                       [&arguments](const char* name, const std::optional<std::uint64_t>& field,
                                    std::uint64_t, std::uint64_t, const char*) {
                         if (field)
                           arguments.insert(arguments.end(), {name, std::to_string(*field)});
                       });
  return arguments;
}

}  // namespace scenarios::vector_index
