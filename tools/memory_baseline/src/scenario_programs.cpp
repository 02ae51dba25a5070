// The runner's scenarios (scenario_programs.hpp), from the scenarios' catalogue.
#include "memory_baseline/scenario_programs.hpp"

#include <algorithm>
#include <scenarios/catalogue.hpp>

namespace memory_baseline {

const std::vector<ScenarioProgram>& scenario_programs() {
  static const std::vector<ScenarioProgram> programs = [] {
    std::vector<ScenarioProgram> list;
    for (const char* name : scenarios::kSeedScenarioNames)
      list.push_back({name, std::string("scenario_") + name, {}, false});
    for (const scenarios::IndexEngineChoice& engine : scenarios::kIndexEngines) {
      list.push_back({std::string("index-") + engine.name,
                      "scenario_vector_index",
                      {"--engine", engine.name},
                      true});
    }
    return list;
  }();
  return programs;
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const ScenarioProgram& program : scenario_programs()) names.push_back(program.name);
  return names;
}

const ScenarioProgram& scenario_program(const std::string& name) {
  for (const ScenarioProgram& program : scenario_programs()) {
    if (program.name == name) return program;
  }
  return scenario_programs().front();
}

std::vector<std::string> index_engines() {
  std::vector<std::string> engines;
  for (const scenarios::IndexEngineChoice& engine : scenarios::kIndexEngines)
    engines.emplace_back(engine.name);
  return engines;
}

std::vector<std::string> built_index_engines() {
  std::vector<std::string> engines;
  for (const scenarios::IndexEngineChoice& engine : scenarios::kIndexEngines) {
    if (engine.built) engines.emplace_back(engine.name);
  }
  return engines;
}

std::string scenario_missing(const std::string& name) {
  const ScenarioProgram& program = scenario_program(name);
  if (!program.phases) return {};
  const std::string engine = program.arguments.at(1);
  const std::vector<std::string> built = built_index_engines();
  if (std::find(built.begin(), built.end(), engine) != built.end()) return {};
  if (built.empty())
    return "hnswlib was not found when this build was made (install libhnswlib-dev and rebuild)";
  return "FAISS was not found when this build was made (install libfaiss-dev and rebuild; the "
         "mingw-w64 cross build has none: docs/windows.md)";
}

}  // namespace memory_baseline
