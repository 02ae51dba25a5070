// The results file: every scenario run of one `memory_baseline run`, as the scenarios wrote them,
// plus the verdict. Loading checks what the tools rely on and reports bad input in one line.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <scenarios/files.hpp>
#include <scenarios/result_model.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "memory_baseline/sweep_document.hpp"

namespace memory_baseline {

inline constexpr int kResultsSchemaVersion = 1;
// Sizes are binary throughout: MiB in budgets, lines, tables and charts ("--limit-mb" and the
// budgets' "_mb" keys count MiB too).
inline constexpr double kBytesPerMB = 1024.0 * 1024.0;

// Bad input: exit status 2 and this one-line message.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A scenario run that wrote no result: the scenario, the allocator, its exit status, why, and its
// log file.
struct FailedRun {
  std::string scenario;
  std::string allocator;
  int status = 0;
  std::string reason;
  std::string log;
};

struct Results {
  int schema_version = kResultsSchemaVersion;
  std::string kind = "memory_baseline_results";
  bool passed = false;
  // The allocators whose breaches fail the run; absent in files that gate on every allocator.
  std::optional<std::vector<std::string>> gating_allocators;
  // The first run's; absent when no run wrote a result.
  std::optional<scenarios::Provenance> provenance;
  std::vector<scenarios::ScenarioResult> runs;
  std::vector<FailedRun> failed_runs;  // left out of the file when empty
  // The size sweep's document (sweep.hpp), when the run swept.
  std::optional<SweepDocument> sweep;

  // The run of that "scenario/allocator" key (run_key); nullptr when there is none.
  const scenarios::ScenarioResult* find_run(const std::string& key) const;
};

// One scenario result from a file, checked against docs/result.schema.json (embedded) and read into
// the result model; throws InputError naming the file and the first field that is missing or
// wrong, or both schema versions.
scenarios::ScenarioResult load_scenario_result(const std::string& path);
// A results file; throws InputError (missing, a directory, malformed JSON, wrong kind or schema
// version, a field missing or mistyped, or a run that breaks the result schema).
Results load_results(const std::string& path);
// The runs and the allocators the verdict gates on; "passed" is decided by the caller once
// everything the verdict covers is in (verdict.hpp's passes()).
Results make_results(std::vector<scenarios::ScenarioResult> runs,
                     const std::vector<std::string>& gating_allocators);
// The results file's document.
nlohmann::json write(const Results& results);

// "scenario/allocator", the key that pairs runs of two results files.
std::string run_key(const scenarios::ScenarioResult& run);

// Output files (scenarios/files.hpp), as the runner's bad input: check_outputs before any work,
// write_outputs all or nothing at the end; both throw InputError.
void check_outputs(const std::vector<scenarios::OutputPath>& outputs);
void write_outputs(const std::vector<scenarios::OutputFile>& files);

}  // namespace memory_baseline
