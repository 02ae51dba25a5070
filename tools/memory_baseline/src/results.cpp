// Loading, checking and writing results files.
#include "memory_baseline/results.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <scenarios/files.hpp>
#include <scenarios/scenario.hpp>

#include "embedded_files.hpp"
#include "schema_check.hpp"

namespace memory_baseline {

namespace {

nlohmann::json parse_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InputError(path + " is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot read " + path);
  const std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) throw InputError("cannot read " + path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(path + " is not valid JSON (byte " + std::to_string(error.byte) + ")");
  }
}

void require(bool condition, const std::string& path, const std::string& what) {
  if (!condition) throw InputError(path + ": " + what);
}

// A document read into its record; a field it lacks or has of another type is named with the file.
template <class Record>
Record read_record(const nlohmann::json& document, const std::string& path,
                   const std::string& pointer) {
  try {
    return scenarios::json_record::read<Record>(document, pointer);
  } catch (const scenarios::json_record::RecordError& error) {
    throw InputError(path + ": " + error.what());
  }
}

// A document's schema_version must be the one this runner reads; the message names both.
void require_version(const nlohmann::json& document, int expected, const std::string& path,
                     const std::string& what) {
  const nlohmann::json version = document.value("schema_version", nlohmann::json());
  require(version == expected, path,
          what + " has schema_version " + (version.is_null() ? "none" : version.dump()) +
              "; this runner reads " + std::to_string(expected) +
              " (the scenarios of this build write it: run them again)");
}

// The schema first, so that a document that breaks it is named by the schema's words; then the
// model, which names whatever else it cannot read.
scenarios::ScenarioResult read_scenario_result(const nlohmann::json& run, const std::string& path,
                                               const std::string& at) {
  require(run.is_object(), path, (at.empty() ? "a scenario result" : at) + " must be an object");
  require_version(run, scenarios::kSchemaVersion, path,
                  at.empty() ? "the scenario result" : "the scenario result at " + at);
  const std::string problem = schema_problem(result_schema(), run, at);
  require(problem.empty(), path, problem + " (docs/result.schema.json)");
  return read_record<scenarios::ScenarioResult>(run, path, at);
}

}  // namespace

constexpr auto json_fields(std::type_identity<FailedRun>) {
  using scenarios::json_record::field;
  return std::tuple{field("scenario", &FailedRun::scenario),
                    field("allocator", &FailedRun::allocator), field("status", &FailedRun::status),
                    field("reason", &FailedRun::reason), field("log", &FailedRun::log)};
}
constexpr auto json_fields(std::type_identity<Results>) {
  using scenarios::json_record::Empty;
  using scenarios::json_record::field;
  return std::tuple{field("schema_version", &Results::schema_version),
                    field("kind", &Results::kind),
                    field("passed", &Results::passed),
                    field("gating_allocators", &Results::gating_allocators),
                    field("provenance", &Results::provenance),
                    field("runs", &Results::runs),
                    field("failed_runs", &Results::failed_runs, Empty::omitted),
                    field("sweep", &Results::sweep)};
}

const scenarios::ScenarioResult* Results::find_run(const std::string& key) const {
  for (const scenarios::ScenarioResult& run : runs) {
    if (run_key(run) == key) return &run;
  }
  return nullptr;
}

scenarios::ScenarioResult load_scenario_result(const std::string& path) {
  return read_scenario_result(parse_file(path), path, "");
}

Results load_results(const std::string& path) {
  nlohmann::json document = parse_file(path);
  require(document.is_object() && document.value("kind", "") == "memory_baseline_results", path,
          "not a memory_baseline results file");
  require_version(document, kResultsSchemaVersion, path, "the results file");
  require(document.contains("runs") && document["runs"].is_array(), path, "runs must be an array");
  // Each run through its schema check first; the rest of the file through the model.
  std::vector<scenarios::ScenarioResult> runs;
  for (std::size_t i = 0; i < document["runs"].size(); ++i)
    runs.push_back(read_scenario_result(document["runs"][i], path, "/runs/" + std::to_string(i)));
  document["runs"] = nlohmann::json::array();
  // A file in which no run wrote a result has no provenance: written as {} before it was left out.
  if (document.contains("provenance") && document["provenance"] == nlohmann::json::object())
    document.erase("provenance");
  Results results = read_record<Results>(document, path, "");
  results.runs = std::move(runs);
  return results;
}

Results make_results(std::vector<scenarios::ScenarioResult> runs,
                     const std::vector<std::string>& gating_allocators) {
  Results results;
  results.gating_allocators = gating_allocators;
  if (!runs.empty()) results.provenance = runs.front().provenance;
  results.runs = std::move(runs);
  return results;
}

nlohmann::json write(const Results& results) {
  return scenarios::json_record::write(results);
}

std::string run_key(const scenarios::ScenarioResult& run) {
  return run.scenario + "/" + run.allocator.name;
}

void check_outputs(const std::vector<scenarios::OutputPath>& outputs) {
  if (const std::string problem = scenarios::output_problems(outputs); !problem.empty())
    throw InputError(problem);
}

void write_outputs(const std::vector<scenarios::OutputFile>& files) {
  if (const std::string problem = scenarios::write_files_whole(files); !problem.empty())
    throw InputError(problem);
}

}  // namespace memory_baseline
