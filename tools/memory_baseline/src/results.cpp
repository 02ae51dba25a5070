// Loading, checking and writing results files.
#include "memory_baseline/results.hpp"

#include <fstream>
#include <scenarios/files.hpp>
#include <sstream>

namespace memory_baseline {

namespace {

nlohmann::json parse_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw InputError("cannot read " + path);
  try {
    return nlohmann::json::parse(file);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(path + " is not valid JSON (byte " + std::to_string(error.byte) + ")");
  }
}

void require(bool condition, const std::string& path, const std::string& what) {
  if (!condition) throw InputError(path + ": " + what);
}

void check_scenario_result(const nlohmann::json& run, const std::string& where) {
  require(run.is_object(), where, "a scenario result must be a JSON object");
  require(run.value("schema_version", 0) == kScenarioSchemaVersion, where,
          "scenario result schema_version must be " + std::to_string(kScenarioSchemaVersion));
  for (const char* field :
       {"scenario", "allocator", "cases", "budgets", "passed", "provenance", "memory", "process"}) {
    require(run.contains(field), where, std::string("scenario result lacks ") + field);
  }
  require(run["cases"].is_array(), where, "cases must be an array");
}

}  // namespace

nlohmann::json load_scenario_result(const std::string& path) {
  nlohmann::json run = parse_file(path);
  check_scenario_result(run, path);
  return run;
}

Results load_results(const std::string& path) {
  Results results{parse_file(path)};
  const nlohmann::json& document = results.document;
  require(document.is_object() && document.value("kind", "") == "memory_baseline_results", path,
          "not a memory_baseline results file");
  require(document.value("schema_version", 0) == kResultsSchemaVersion, path,
          "schema_version must be " + std::to_string(kResultsSchemaVersion));
  require(document.contains("runs") && document["runs"].is_array(), path, "runs must be an array");
  for (const nlohmann::json& run : document["runs"]) check_scenario_result(run, path);
  return results;
}

Results make_results(std::vector<nlohmann::json> runs) {
  bool passed = true;
  for (const nlohmann::json& run : runs) passed = passed && run.value("passed", false);
  nlohmann::json provenance = runs.empty() ? nlohmann::json::object() : runs.front()["provenance"];
  return {{{"schema_version", kResultsSchemaVersion},
           {"kind", "memory_baseline_results"},
           {"passed", passed},
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

void write_file_atomically(const std::string& path, const std::string& text) {
  if (!scenarios::write_file_whole(path, text)) throw InputError("cannot write " + path);
}

}  // namespace memory_baseline
