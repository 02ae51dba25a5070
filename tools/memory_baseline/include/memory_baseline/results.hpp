// The results file: every scenario run of one `memory_baseline run`, as the scenarios wrote them,
// plus the verdict. Loading checks what the tools rely on and reports bad input in one line.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace memory_baseline {

inline constexpr int kResultsSchemaVersion = 1;
inline constexpr int kScenarioSchemaVersion = 1;

// Bad input: exit status 2 and this one-line message.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Results {
  nlohmann::json document;  // {"schema_version", "kind", "runs": [...], "passed", "provenance"}
  const nlohmann::json& runs() const { return document.at("runs"); }
};

// One scenario result document from a file; throws InputError.
nlohmann::json load_scenario_result(const std::string& path);
// A results file; throws InputError (missing, malformed JSON, wrong kind or schema version).
Results load_results(const std::string& path);
Results make_results(std::vector<nlohmann::json> runs);

// "scenario/allocator", the key that pairs runs of two results files.
std::string run_key(const nlohmann::json& run);
const nlohmann::json* find_run(const Results& results, const std::string& key);
const nlohmann::json* find_case(const nlohmann::json& run, const std::string& case_name);

// Writes `text` to `path` whole or not at all (temporary file, then rename); throws InputError.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace memory_baseline
