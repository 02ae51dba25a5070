// The vector index scenario (index_scenario.cpp): scenario_vector_index's workload.
#pragma once

#include "scenarios/scenario.hpp"

namespace scenarios::vector_index {

Scenario vector_index_scenario();

}  // namespace scenarios::vector_index
