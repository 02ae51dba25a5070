// The vector index scenario: a real index (hnswlib, FAISS HNSW, FAISS IVF-PQ) built from N
// deterministic vectors and measured phase by phase — build, query, save and load, query the
// loaded index, teardown — each phase its own window, with recall@10 against brute force,
// queries per second, and the index's bytes per vector against its theoretical size.
#include "vector_index/index_scenario.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "scenarios/command_line.hpp"
#include "scenarios/harness.hpp"
#include "vector_index/build_cost.hpp"
#include "vector_index/engine.hpp"
#include "vector_index/index_flags.hpp"
#include "vector_index/platform/vector_index.hpp"

namespace scenarios::vector_index {

namespace {

constexpr std::uint64_t kNeighbours = 10;  // recall@10
constexpr double kDefaultMinRecall = 0.9;
constexpr double kMiB = 1024.0 * 1024.0;

struct IndexState {
  IndexFlags flags;
  bool build_cost = false;
  std::string work_dir;
  IndexParameters parameters;
  std::uint64_t queries = 0;
  std::unique_ptr<IndexEngine> engine;
  std::unique_ptr<VectorSource> source;
  std::vector<float> query_vectors;
  std::vector<std::vector<std::uint64_t>> truth, found, found_after_load;
  std::string saved_path;
};

nlohmann::json parameters_json(const IndexParameters& parameters, std::uint64_t queries) {
  nlohmann::json json = {{"engine", parameters.engine}, {"n", parameters.n},
                         {"dim", parameters.dim},       {"threads", parameters.threads},
                         {"queries", queries},          {"k", kNeighbours},
                         {"seed", parameters.seed}};
  if (parameters.engine == "faiss-ivfpq") {
    json.update(
        {{"nlist", parameters.nlist}, {"nprobe", parameters.nprobe}, {"pq_m", parameters.pq_m}});
  } else {
    json.update({{"m", parameters.m},
                 {"ef_construction", parameters.ef_construction},
                 {"ef_search", parameters.ef_search}});
  }
  return json;
}

// The answers are kept in room made before the phases (each query's list reserved for k labels),
// so that keeping them allocates nothing inside a phase: a phase keeps only what the index keeps.
void make_room_for_answers(std::vector<std::vector<std::uint64_t>>& answers,
                           std::uint64_t queries) {
  answers.resize(queries);
  for (std::vector<std::uint64_t>& labels : answers) labels.reserve(kNeighbours);
}

void keep_answers(const std::vector<std::vector<std::uint64_t>>& found,
                  std::vector<std::vector<std::uint64_t>>& answers) {
  for (std::size_t q = 0; q < answers.size(); ++q) {
    if (q < found.size() && found[q].size() <= kNeighbours) {
      answers[q].assign(found[q].begin(), found[q].end());
    } else {
      answers[q].clear();
    }
  }
}

Case phase(const char* name, Retention retention, std::function<void(IndexState&)> body,
           const std::shared_ptr<IndexState>& state) {
  Case phase_case;
  phase_case.name = name;
  phase_case.parameters = nlohmann::json::object();
  phase_case.retention = retention;
  phase_case.run_once = [state, body = std::move(body)](Measurement& measurement) {
    measurement.begin();
    body(*state);
    measurement.end();
  };
  return phase_case;
}

// Each phase keeps what it made for the next (the index, its search buffers); teardown must give
// all of it back.
std::vector<Case> phases(const std::shared_ptr<IndexState>& state) {
  return {
      phase(
          "build", Retention::keeps,
          [](IndexState& index) { index.engine->build(*index.source, index.parameters.threads); },
          state),
      phase(
          "query", Retention::keeps,
          [](IndexState& index) {
            keep_answers(index.engine->search(index.query_vectors, index.queries, kNeighbours),
                         index.found);
          },
          state),
      phase(
          "save_load", Retention::keeps,
          [](IndexState& index) {
            index.engine->save(index.saved_path);
            index.engine->load(index.saved_path);
          },
          state),
      phase(
          "query_loaded", Retention::keeps,
          [](IndexState& index) {
            keep_answers(index.engine->search(index.query_vectors, index.queries, kNeighbours),
                         index.found_after_load);
          },
          state),
      phase(
          "teardown", Retention::releases_kept, [](IndexState& index) { index.engine->clear(); },
          state)};
}

// A library makes some state once per process on first use and keeps it (OpenMP keeps its last
// thread team: docs/scenarios.md has its size): a small index of the same engine is built,
// searched and freed before the phases, so that this state is not taken for the measured
// index's, nor for a leak.
constexpr std::uint64_t kWarmUpVectors = 512;

void warm_up(const IndexParameters& parameters) {
  IndexParameters small = parameters;
  small.n = kWarmUpVectors;
  small.nlist = 1;
  small.nprobe = 1;
  const VectorSource source(parameters.seed, parameters.dim, small.n);
  const std::unique_ptr<IndexEngine> engine = make_engine(small);
  engine->start_threads(parameters.threads);
  engine->build(source, parameters.threads);
  engine->search(source.batch(0, 1), 1, kNeighbours);
  engine->clear();
}

std::optional<Refusal> configure(Scenario& scenario, const Budgets& budgets, IndexState& state,
                                 const std::shared_ptr<IndexState>& shared) {
  IndexParameters& parameters = state.parameters;
  if (const std::string missing = engine_missing(state.flags.engine); !missing.empty())
    return Refusal{2, missing};
  if (const std::string problem = parameters_from(state.flags, parameters); !problem.empty())
    return Refusal{2, problem};
  state.queries = state.flags.queries.value_or(200);
  scenario.name = "index-" + parameters.engine;
  scenario.parameters = parameters_json(parameters, state.queries);
  const TheoreticalSize theory = theoretical_size(parameters);
  const double limit_bytes = static_cast<double>(budgets.process_limit_mb) * kMiB;
  if (theory.bytes(parameters.n) > limit_bytes) {
    return Refusal{
        1, fmt::format("{}: the index's theoretical size alone is {:.1f} MiB for N = {} ({:.1f} "
                       "bytes per vector + {:.0f} fixed bytes), over the {} MiB limit, in scenario "
                       "{}; not built",
                       process_limit_exceeded(budgets.process_limit_mb),
                       theory.bytes(parameters.n) / kMiB, parameters.n, theory.bytes_per_vector,
                       theory.fixed_bytes, budgets.process_limit_mb, scenario.name)};
  }
  std::error_code error;
  const std::filesystem::path folder = state.work_dir.empty()
                                           ? std::filesystem::temp_directory_path(error)
                                           : std::filesystem::path(state.work_dir);
  if (error || !std::filesystem::is_directory(folder, error))
    return Refusal{2, "--work-dir " + folder.string() + " is not a folder"};
  state.saved_path =
      (folder / fmt::format("{}-{}.index", scenario.name, platform::process_id())).string();

  // What the phases share is made before them, outside their windows: the vectors' source, the
  // queries, the brute-force truth, the engine object, and the threads a build keeps.
  state.source = std::make_unique<VectorSource>(parameters.seed, parameters.dim, parameters.n);
  const VectorSource query_source(parameters.seed ^ 0x9e7e5ULL, parameters.dim, state.queries);
  state.query_vectors = query_source.batch(0, state.queries);
  state.truth = brute_force_neighbours(*state.source, state.query_vectors, state.queries,
                                       std::min(kNeighbours, parameters.n));
  make_room_for_answers(state.found, state.queries);
  make_room_for_answers(state.found_after_load, state.queries);
  warm_up(parameters);
  state.engine = make_engine(parameters);
  state.engine->start_threads(parameters.threads);
  scenario.cases = phases(shared);
  return std::nullopt;
}

const CaseResult* find_phase(const RunResult& run, const std::string& name) {
  for (const CaseResult& result : run.cases) {
    if (result.name == name) return &result;
  }
  return nullptr;
}

ScenarioOutcome outcome(const RunResult& run, IndexState& state) {
  ScenarioOutcome outcome;
  const IndexParameters& parameters = state.parameters;
  const TheoreticalSize theory = theoretical_size(parameters);
  IndexFigures& figures = outcome.index.emplace();
  figures.theoretical = {theory.bytes_per_vector, theory.fixed_bytes, theory.bytes(parameters.n),
                         theory.formula};
  const CaseResult* build = find_phase(run, "build");
  const CaseResult* query = find_phase(run, "query");
  if (build == nullptr || query == nullptr || find_phase(run, "query_loaded") == nullptr)
    return outcome;  // an allocation failure stopped the run: no index to describe
  const auto n = static_cast<double>(parameters.n);
  figures.index_live_bytes = build->live_bytes_delta;
  const auto kept = [&build](alloc_hooks::Source source) {
    const alloc_hooks::SourceCounters& counters =
        build->by_source[static_cast<std::size_t>(source)];
    return static_cast<std::int64_t>(counters.bytes_allocated) -
           static_cast<std::int64_t>(counters.bytes_freed);
  };
  figures.index_live_bytes_by_source =
      IndexBytesBySource{kept(alloc_hooks::Source::operator_new), kept(alloc_hooks::Source::malloc),
                         kept(alloc_hooks::Source::win32_heap)};
  figures.bytes_per_vector = static_cast<double>(build->live_bytes_delta) / n;
  figures.measured_over_theoretical =
      static_cast<double>(build->live_bytes_delta) / theory.bytes(parameters.n);
  figures.build_seconds = static_cast<double>(build->iteration_ns.max) / 1e9;
  figures.vectors_per_second =
      n / std::max(1e-9, static_cast<double>(build->iteration_ns.max) / 1e9);
  figures.queries_per_second = static_cast<double>(state.queries) /
                               std::max(1e-9, static_cast<double>(query->iteration_ns.max) / 1e9);
  figures.recall_at_10 = recall(state.found, state.truth);
  figures.recall_at_10_after_load = recall(state.found_after_load, state.truth);
  figures.nearest_in_top_10 = nearest_found(state.found, state.truth);
  // The budget's measure: k-recall@10 for a graph index, which keeps the vectors exact; for a
  // compressed one (IVF-PQ), whose codes blur the order among close neighbours, FAISS's R@10.
  const bool compressed = parameters.engine == "faiss-ivfpq";
  const char* measure = compressed ? "nearest_in_top_10" : "recall_at_10";
  figures.recall_budget_measure = measure;
  const double recall_at_10 = *figures.budget_recall();
  figures.loaded_answers_identical = state.found_after_load == state.found;
  figures.rss_over_live = run.peak_live_bytes > 0 ? static_cast<double>(run.peak_rss_bytes) /
                                                        static_cast<double>(run.peak_live_bytes)
                                                  : 0.0;

  if (run.budgets.min_recall && recall_at_10 < *run.budgets.min_recall) {
    outcome.violations.push_back(
        {"min_recall", "query", *run.budgets.min_recall, recall_at_10, "",
         fmt::format("Recall too low: {} {:.4f} < {} over {} queries in scenario {}", measure,
                     recall_at_10, *run.budgets.min_recall, state.queries, run.scenario),
         false, measure});
  }
  if (state.found_after_load != state.found) {
    std::uint64_t differing = 0;
    for (std::size_t q = 0; q < state.found.size(); ++q)
      differing +=
          q >= state.found_after_load.size() || state.found_after_load[q] != state.found[q];
    outcome.violations.push_back(
        {"save_load", "query_loaded", 0, static_cast<double>(differing), "queries",
         fmt::format("Loaded index answers differently: {} of {} queries in scenario {}", differing,
                     state.queries, run.scenario),
         false, "queries answered differently"});
  }
  if (state.build_cost) {
    try {
      std::vector<BuildCostFigures> points;
      for (const BuildCostPoint& point :
           measure_build_cost(*state.engine, *state.source, state.flags, run.allocator.name))
        points.push_back(
            {point.threads, point.hooked_seconds, point.unhooked_seconds, point.ratio()});
      figures.build_cost = std::move(points);
    } catch (const std::exception& error) {
      outcome.violations.push_back(
          {"build_cost", "", 0, 0, "",
           fmt::format("Build cost not measured in scenario {}: {}", run.scenario, error.what()),
           false, "build cost"});
    }
  }
  return outcome;
}

}  // namespace

Scenario vector_index_scenario() {
  auto state = std::make_shared<IndexState>();
  Scenario scenario;
  scenario.name = "vector_index";
  scenario.description =
      "a real vector index (hnswlib or FAISS) built, queried, saved, loaded and freed, each phase "
      "measured";
  scenario.expectation_note =
      "a real library's allocations: no exact expectation; build, query and load keep the index, "
      "teardown must free all they kept (exact leak check)";
  scenario.phases = true;
  scenario.default_iterations = 1;
  scenario.too_slow_words = "Index phase too slow";
  scenario.too_much_memory_words = "Memory usage too high";
  scenario.default_budgets.min_recall = kDefaultMinRecall;
  scenario.add_flags = [state](CLI::App& app) {
    add_index_flags(app, state->flags);
    app.add_flag("--build-cost", state->build_cost,
                 "also time the build at 1 thread and at every core, hooked and with no hooks");
    app.add_option("--work-dir", state->work_dir,
                   "folder for the saved index (default the temp folder)")
        ->check(non_empty());
  };
  scenario.configure = [state](Scenario& self, const Budgets& budgets) {
    return configure(self, budgets, *state, state);
  };
  scenario.outcome = [state](const RunResult& run) { return outcome(run, *state); };
  return scenario;
}

}  // namespace scenarios::vector_index
