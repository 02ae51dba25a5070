// The scenario result record to and from its document.
#include "scenarios/result_model.hpp"

namespace scenarios {

const CaseFigures* ScenarioResult::find_case(const std::string& name) const {
  for (const CaseFigures& measured : cases) {
    if (measured.name == name) return &measured;
  }
  return nullptr;
}

nlohmann::json write(const ScenarioResult& result) {
  return json_record::write(result);
}

ScenarioResult read_result(const nlohmann::json& document, const std::string& pointer) {
  // The version first: a document of another version is named as such, not by the first field
  // that differs.
  const auto version = document.is_object() ? document.find("schema_version") : document.end();
  if (!document.is_object() || version == document.end() || *version != kSchemaVersion) {
    const std::string found =
        !document.is_object() || version == document.end() ? "none" : version->dump();
    throw json_record::RecordError((pointer.empty() ? "the scenario result" : pointer) +
                                   " has schema_version " + found + "; this build reads " +
                                   std::to_string(kSchemaVersion));
  }
  return json_record::read<ScenarioResult>(document, pointer);
}

}  // namespace scenarios
