// The results file: every scenario run of one `memory_baseline run`, as the scenarios wrote them,
// plus the verdict. Loading checks what the tools rely on and reports bad input in one line.
#pragma once

#include <nlohmann/json.hpp>
#include <scenarios/files.hpp>
#include <stdexcept>
#include <string>
#include <vector>

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

struct Results {
  // {"schema_version", "kind", "runs": [...], "passed", "gating_allocators", "provenance",
  //  and "failed_runs", "sweep" where there are any}
  nlohmann::json document;
  const nlohmann::json& runs() const { return document.at("runs"); }
};

// One scenario result document from a file, checked against docs/result.schema.json (embedded);
// throws InputError naming the first field that is missing or wrong.
nlohmann::json load_scenario_result(const std::string& path);
// A results file; throws InputError (missing, a directory, malformed JSON, wrong kind or schema
// version, or a run that breaks the result schema).
Results load_results(const std::string& path);
// The runs and the allocators the verdict gates on; "passed" is decided by the caller once
// everything the verdict covers is in (verdict.hpp's passes()).
Results make_results(std::vector<nlohmann::json> runs,
                     const std::vector<std::string>& gating_allocators);

// "scenario/allocator", the key that pairs runs of two results files.
std::string run_key(const nlohmann::json& run);
const nlohmann::json* find_run(const Results& results, const std::string& key);
const nlohmann::json* find_case(const nlohmann::json& run, const std::string& case_name);

// Output files (scenarios/files.hpp), as the runner's bad input: check_outputs before any work,
// write_outputs all or nothing at the end; both throw InputError.
void check_outputs(const std::vector<scenarios::OutputPath>& outputs);
void write_outputs(const std::vector<scenarios::OutputFile>& files);

}  // namespace memory_baseline
