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

// A document's schema_version must be the one this runner reads; the message names both.
void require_version(const nlohmann::json& document, int expected, const std::string& path,
                     const std::string& what) {
  const nlohmann::json version = document.value("schema_version", nlohmann::json());
  require(version == expected, path,
          what + " has schema_version " + (version.is_null() ? "none" : version.dump()) +
              "; this runner reads " + std::to_string(expected) +
              " (the scenarios of this build write it: run them again)");
}

// Every field the runner reads is in the schema, so that a document that passes can be read
// without a missing or mistyped field.
void check_scenario_result(const nlohmann::json& run, const std::string& path,
                           const std::string& at) {
  require(run.is_object(), path, (at.empty() ? "a scenario result" : at) + " must be an object");
  require_version(run, scenarios::kSchemaVersion, path,
                  at.empty() ? "the scenario result" : "the scenario result at " + at);
  const std::string problem = schema_problem(result_schema(), run, at);
  require(problem.empty(), path, problem + " (docs/result.schema.json)");
}

}  // namespace

nlohmann::json load_scenario_result(const std::string& path) {
  nlohmann::json run = parse_file(path);
  check_scenario_result(run, path, "");
  return run;
}

Results load_results(const std::string& path) {
  Results results{parse_file(path)};
  const nlohmann::json& document = results.document;
  require(document.is_object() && document.value("kind", "") == "memory_baseline_results", path,
          "not a memory_baseline results file");
  require_version(document, kResultsSchemaVersion, path, "the results file");
  require(document.contains("runs") && document["runs"].is_array(), path, "runs must be an array");
  require(document.contains("passed") && document["passed"].is_boolean(), path,
          "passed must be true or false");
  require(document.contains("provenance") && document["provenance"].is_object(), path,
          "provenance must be an object");
  if (document.contains("gating_allocators")) {
    const nlohmann::json& gating = document["gating_allocators"];
    require(gating.is_array() && std::all_of(gating.begin(), gating.end(),
                                             [](const auto& name) { return name.is_string(); }),
            path, "gating_allocators must be an array of allocator names");
  }
  if (document.contains("failed_runs")) {
    const nlohmann::json& failed = document["failed_runs"];
    require(failed.is_array() &&
                std::all_of(failed.begin(), failed.end(),
                            [](const nlohmann::json& entry) {
                              return entry.is_object() &&
                                     entry.value("scenario", nlohmann::json()).is_string() &&
                                     entry.value("allocator", nlohmann::json()).is_string() &&
                                     entry.value("status", nlohmann::json()).is_number_integer() &&
                                     entry.value("reason", nlohmann::json()).is_string() &&
                                     entry.value("log", nlohmann::json()).is_string();
                            }),
            path, "failed_runs must be an array of {scenario, allocator, status, reason, log}");
  }
  const nlohmann::json& runs = document["runs"];
  for (std::size_t i = 0; i < runs.size(); ++i)
    check_scenario_result(runs[i], path, "/runs/" + std::to_string(i));
  return results;
}

Results make_results(std::vector<nlohmann::json> runs,
                     const std::vector<std::string>& gating_allocators) {
  nlohmann::json provenance = runs.empty() ? nlohmann::json::object() : runs.front()["provenance"];
  return {{{"schema_version", kResultsSchemaVersion},
           {"kind", "memory_baseline_results"},
           {"passed", false},
           {"gating_allocators", gating_allocators},
           {"provenance", provenance},
           {"runs", std::move(runs)}}};
}

std::string run_key(const nlohmann::json& run) {
  return run.at("scenario").get<std::string>() + "/" +
         run.at("allocator").at("name").get<std::string>();
}

const nlohmann::json* find_run(const Results& results, const std::string& key) {
  for (const nlohmann::json& run : results.runs()) {
    if (run_key(run) == key) return &run;
  }
  return nullptr;
}

const nlohmann::json* find_case(const nlohmann::json& run, const std::string& case_name) {
  for (const nlohmann::json& measured : run.at("cases")) {
    if (measured.value("name", "") == case_name) return &measured;
  }
  return nullptr;
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
