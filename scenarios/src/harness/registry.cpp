// The scenarios by name, and the container-growth arithmetic their expectations share.
#include <map>

#include "scenarios/scenario.hpp"

namespace scenarios {

Scenario (*find_scenario(const std::string& name))() {
  static const std::map<std::string, Scenario (*)()> by_name = {
#define SCENARIOS_SEED_ENTRY(name) {#name, name##_scenario},
      SCENARIOS_SEED_WORKLOADS(SCENARIOS_SEED_ENTRY)
#undef SCENARIOS_SEED_ENTRY
  };
  const auto found = by_name.find(name);
  return found == by_name.end() ? nullptr : found->second;
}

GrowthCost push_back_growth(std::uint64_t pushes, std::uint64_t element_size) {
  GrowthCost cost;
  cost.element_size = element_size;
  for (std::uint64_t capacity = 1; pushes > 0; capacity *= 2) {
    cost.bytes += capacity * element_size;
    ++cost.allocations;
    cost.final_capacity = capacity;
    if (capacity >= pushes) break;
  }
  return cost;
}

std::string describe_growth(const std::string& container, const GrowthCost& growth) {
  return container + " doubles from capacity 1 to " + std::to_string(growth.final_capacity) + ": " +
         std::to_string(growth.allocations) + " buffers of " + std::to_string(growth.element_size) +
         "-byte elements";
}

}  // namespace scenarios
