// Seed workload "fragmentation": 50 x 256 floats, every other one cleared and shrunk to fit, then
// 25 more x 256 floats, all held in one growing std::vector.
#include <alloc_hooks/observe.hpp>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

namespace {
constexpr std::uint64_t kFirst = 50;
constexpr std::uint64_t kSecond = 25;
constexpr std::uint64_t kFloats = 256;
}  // namespace

Scenario fragmentation_scenario() {
  Scenario scenario;
  scenario.name = "fragmentation";
  scenario.description =
      "50 x std::vector<float>(256); every other one clear() + shrink_to_fit(); 25 more x "
      "std::vector<float>(256)";
  const GrowthCost growth = push_back_growth(kFirst + kSecond, sizeof(std::vector<float>));
  scenario.expectation_note =
      "75 float buffers of 256 * 4 bytes; shrink_to_fit() of an empty vector frees and allocates "
      "nothing; " +
      describe_growth("the outer vector", growth);
  scenario.parameters = {{"first", kFirst}, {"second", kSecond}, {"floats", kFloats}};
  scenario.default_iterations = 1000;
  scenario.default_budgets.iteration_budget_ms = 20;
  scenario.default_budgets.growth_limit_mb = 100;
  scenario.too_slow_words = "Fragmentation test too slow";
  scenario.too_much_memory_words = "Memory fragmentation too high";
  scenario.cases.push_back(
      {"pattern", scenario.parameters, (kFirst + kSecond) * kFloats * sizeof(float) + growth.bytes,
       kFirst + kSecond + growth.allocations, [](Measurement& measurement) {
         measurement.begin();
         {
           std::vector<std::vector<float>> allocations;
           for (std::uint64_t i = 0; i < kFirst; ++i) {
             allocations.push_back(std::vector<float>(kFloats, static_cast<float>(i)));
           }
           for (std::size_t i = 0; i < allocations.size(); i += 2) {
             allocations[i].clear();
             allocations[i].shrink_to_fit();
           }
           for (std::uint64_t i = 0; i < kSecond; ++i) {
             allocations.push_back(std::vector<float>(kFloats, static_cast<float>(i + 100)));
           }
           alloc_hooks::keep_observable(allocations.data());
         }
         measurement.end();
       }});
  return scenario;
}

}  // namespace scenarios
