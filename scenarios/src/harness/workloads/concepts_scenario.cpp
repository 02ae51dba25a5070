// Seed workload "multiple concepts": 100 x (std::vector<float>(512, i) + "concept_" + i) pushed
// into one std::vector, which grows as it goes.
#include <alloc_hooks/observe.hpp>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace scenarios {

namespace {

struct Concept {
  std::vector<float> embedding;
  std::string name;
};

constexpr std::uint64_t kConcepts = 100;
constexpr std::uint64_t kDimensions = 512;
// libstdc++ (and MSVC) keep strings of up to 15 characters inline: "concept_" plus up to 7 digits.
constexpr std::uint64_t kInlineStringCapacity = 15;
static_assert(sizeof("concept_") - 1 + 7 <= kInlineStringCapacity);
static_assert(kConcepts <= 10'000'000, "longer names would allocate");

}  // namespace

Scenario concepts_scenario() {
  Scenario scenario;
  scenario.name = "concepts";
  scenario.description =
      "100 x (std::vector<float>(512, i) + \"concept_\" + i) pushed into one std::vector";
  const GrowthCost growth = push_back_growth(kConcepts, sizeof(Concept));
  scenario.expectation_note =
      "100 float buffers of 512 * 4 bytes; the names fit the 15-character inline string buffer and "
      "allocate nothing; " +
      describe_growth("the outer vector", growth);
  scenario.parameters = {{"concepts", kConcepts}, {"dimensions", kDimensions}};
  scenario.default_iterations = 300;
  scenario.default_budgets.iteration_budget_ms = 50;
  scenario.default_budgets.reserved_ratio_limit = 2.0;
  scenario.too_slow_words = "Multiple concept allocation too slow";
  scenario.too_much_memory_words = "Memory delta too high";
  scenario.cases.push_back(
      {"100 concepts", scenario.parameters, kConcepts * kDimensions * sizeof(float) + growth.bytes,
       kConcepts + growth.allocations, [](Measurement& measurement) {
         measurement.begin();
         {
           std::vector<Concept> concepts;
           for (std::uint64_t i = 0; i < kConcepts; ++i) {
             concepts.push_back({std::vector<float>(kDimensions, static_cast<float>(i)),
                                 "concept_" + std::to_string(i)});
           }
           alloc_hooks::keep_observable(concepts.data());
         }
         measurement.end();
       }});
  return scenario;
}

}  // namespace scenarios
