// What a scenario is: named cases, each a workload run once per iteration with its exact expected
// requested bytes and allocation count, and the budgets it is held to by default.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

#include "scenarios/budgets.hpp"
#include "scenarios/catalogue.hpp"
#include "scenarios/index_figures.hpp"

namespace scenarios {

// The scenario result's schema version (docs/result_schema.md), written by the scenarios and
// required by the runner's reader.
inline constexpr int kSchemaVersion = 2;

struct RunResult;  // harness.hpp

// The measured part of one iteration: a case calls begin() and end() around its workload, so
// that set-up such as starting threads stays outside the measurement window.
class Measurement {
 public:
  virtual ~Measurement() = default;
  virtual void begin() = 0;
  virtual void end() = 0;
};

// What live bytes a case may leave behind at end(): none (an iteration frees all it allocated),
// any (a phase that keeps what it made for the next phases), or exactly what the earlier phases
// kept (the last phase, which must bring live bytes back to where the first began).
enum class Retention { none, keeps, releases_kept };

struct Case {
  std::string name;
  nlohmann::json parameters;
  std::uint64_t expected_requested_bytes = 0;  // per iteration
  std::uint64_t expected_allocations = 0;      // per iteration
  // One iteration; what it may leave allocated at end() is its retention's.
  std::function<void(Measurement&)> run_once;
  Retention retention = Retention::none;
};

// A budget breach or failed check: the message holds the seed task's words and the numbers.
struct Violation {
  std::string budget;
  std::string case_name;  // empty for the whole process
  double limit = 0;
  double observed = 0;
  std::string unit;
  std::string message;
  bool preempted = false;  // a time budget that broke only while the CPU was taken away
  std::string figure;      // what was measured against the limit, e.g. "RSS growth / expected"
};

// What a scenario with a life of its own (the vector index) adds to the result after the run:
// its own figures (the result document's "index") and the checks they failed.
struct ScenarioOutcome {
  std::optional<IndexFigures> index;
  std::vector<Violation> violations;
};

// What the harness reads before and after each iteration, on the thread that runs it, to tell a
// time budget broken because the CPU was taken away from one broken by slow work (harness.cpp).
struct ScheduleReading {
  std::uint64_t wall_ns = 0;  // a steady clock
  std::uint64_t cpu_ns = 0;   // the thread's CPU time so far
  std::uint64_t voluntary_switches = 0;
  std::uint64_t involuntary_switches = 0;
};

// A run the scenario refuses before it starts: exit status and the one line that says why.
struct Refusal {
  int status = 2;
  std::string message;
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
  // The cases are the phases of one workload (a real index: build, query, save and load,
  // teardown): each runs once, in order, without warm-up, later phases using what earlier ones
  // left. A real library's allocations have no exact expectation: only the phases' retentions
  // are checked. --iterations and --warmup do not apply.
  bool phases = false;
  // Flags of the scenario's own, added to its command line; `configure` runs after the command
  // line is read and the budgets are known, before any case, and may refuse the run.
  std::function<void(CLI::App&)> add_flags;
  std::function<std::optional<Refusal>(Scenario&, const Budgets&)> configure;
  // Called with the finished run (its cases, budgets and process figures), also when an
  // allocation failure stopped it.
  std::function<ScenarioOutcome(const RunResult&)> outcome;
  // A test seam, empty in every real scenario: reads the figures above instead of the steady clock
  // and the scheduler (monitor::read_thread_schedule). A test scenario sets it to report its thread
  // preempted, blocked or busy whatever the machine does, so that the preemption rules are tested
  // without waiting for the scheduler to act (tests/scenarios/harness/slow_backend_scenario.cpp).
  std::function<ScheduleReading()> read_schedule;
};

// The seed workloads (catalogue.hpp): NAME_scenario() for each.
#define SCENARIOS_DECLARE_SEED_WORKLOAD(name) Scenario name##_scenario();
SCENARIOS_SEED_WORKLOADS(SCENARIOS_DECLARE_SEED_WORKLOAD)
#undef SCENARIOS_DECLARE_SEED_WORKLOAD
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
