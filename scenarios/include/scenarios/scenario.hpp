// What a scenario is: named cases, each a workload run once per iteration with its exact expected
// requested bytes and allocation count, and the budgets it is held to by default.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenarios/budgets.hpp"

namespace scenarios {

// The measured part of one iteration: a case calls begin() and end() around its workload, so
// that set-up such as starting threads stays outside the measurement window.
class Measurement {
 public:
  virtual ~Measurement() = default;
  virtual void begin() = 0;
  virtual void end() = 0;
};

struct Case {
  std::string name;
  nlohmann::json parameters;
  std::uint64_t expected_requested_bytes = 0;  // per iteration
  std::uint64_t expected_allocations = 0;      // per iteration
  // One iteration; everything allocated between begin() and end() must be freed by end().
  std::function<void(Measurement&)> run_once;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string expectation_note;  // what the expected figures assume
  nlohmann::json parameters;
  std::uint64_t default_iterations = 100;
  Budgets default_budgets;
  // The seed task's words for a breach of the iteration-time and memory-ratio budgets.
  std::string too_slow_words;
  std::string too_much_memory_words;
  std::vector<Case> cases;
};

// The four seed workloads.
Scenario vector_scenario();
Scenario concepts_scenario();
Scenario fragmentation_scenario();
Scenario concurrent_scenario();
// By executable name without the "scenario_" prefix; nullptr for an unknown name.
Scenario (*find_scenario(const std::string& name))();

// Bytes of a std::vector<T> buffer after `pushes` push_backs from empty, and the number of buffer
// allocations that took: libstdc++ doubles the capacity from 1.
struct GrowthCost {
  std::uint64_t bytes = 0;
  std::uint64_t allocations = 0;
  std::uint64_t final_capacity = 0;
  std::uint64_t element_size = 0;
};
GrowthCost push_back_growth(std::uint64_t pushes, std::uint64_t element_size);
// The expectation note's words for that growth, e.g. "the outer vector doubles from capacity 1 to
// 128: 8 buffers of 24-byte elements".
std::string describe_growth(const std::string& container, const GrowthCost& growth);

}  // namespace scenarios
