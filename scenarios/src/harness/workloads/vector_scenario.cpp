// Seed workload "single vector": one std::vector<float>(n, 1.0f) per iteration, per size.
#include <alloc_hooks/observe.hpp>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

Scenario vector_scenario() {
  Scenario scenario;
  scenario.name = "vector";
  scenario.description = "one std::vector<float>(n, 1.0f) per iteration, for each n";
  scenario.expectation_note = "one allocation of exactly n * sizeof(float) bytes per iteration";
  const std::vector<std::uint64_t> sizes = {128, 256, 512, 1024, 2048};
  scenario.parameters = {{"floats", sizes}};
  scenario.default_iterations = 2000;
  scenario.default_budgets.reserved_ratio_limit = 2.0;
  scenario.too_slow_words = "Vector allocation too slow";
  scenario.too_much_memory_words = "Memory usage too high";
  for (const std::uint64_t floats : sizes) {
    scenario.cases.push_back({"n=" + std::to_string(floats),
                              {{"floats", floats}},
                              floats * sizeof(float),
                              1,
                              [floats](Measurement& measurement) {
                                measurement.begin();
                                {
                                  std::vector<float> vector(floats, 1.0f);
                                  alloc_hooks::keep_observable(vector.data());
                                }
                                measurement.end();
                              }});
  }
  return scenario;
}

}  // namespace scenarios
