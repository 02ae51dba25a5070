// The scenarios the runner knows and how it starts each: the seed workloads, each its own
// executable, and the vector index under each engine (scenario_vector_index --engine E), which
// runs its phases once and so takes no --iterations or --warmup.
#pragma once

#include <string>
#include <vector>

namespace memory_baseline {

struct ScenarioProgram {
  std::string name;                    // as in the result document, e.g. "index-faiss-hnsw"
  std::string program;                 // executable name without folder or suffix
  std::vector<std::string> arguments;  // that select the scenario
  bool phases = false;                 // an index scenario: its phases run once
};

const std::vector<ScenarioProgram>& scenario_programs();
std::vector<std::string> scenario_names();
const ScenarioProgram& scenario_program(const std::string& name);  // a name of the list
// "" when this build has the scenario, else why not ("FAISS was not found when ...").
std::string scenario_missing(const std::string& name);
// Every index engine, and those this build has (empty: no index scenario).
std::vector<std::string> index_engines();
std::vector<std::string> built_index_engines();

}  // namespace memory_baseline
