// scenario_vector_index: a real vector index measured phase by phase (docs/scenarios.md).
#include "scenarios/harness.hpp"
#include "vector_index/index_scenario.hpp"

int main(int argc, char** argv) {
  return scenarios::scenario_main(argc, argv, scenarios::vector_index::vector_index_scenario());
}
