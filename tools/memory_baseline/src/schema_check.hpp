// Checks a JSON document against a JSON Schema: the part of draft 2020-12 that
// docs/result.schema.json uses (type, required, properties, additionalProperties, items, $ref to
// $defs, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, minItems,
// maxItems, pattern). A schema that uses any other keyword is refused, so that a schema edit cannot
// make the check silently weaker.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace memory_baseline {

// The first place where `document` breaks `schema`, e.g. "/cases/0/name is missing", or "".
// `at` is the JSON pointer of `document` within a larger file, for the message.
// docs/result.schema.json, embedded.
const nlohmann::json& result_schema();

// Other schemas a "$ref" may name by file ("result.schema.json#/$defs/sites").
using SiblingSchemas = std::map<std::string, const nlohmann::json*>;

std::string schema_problem(const nlohmann::json& schema, const nlohmann::json& document,
                           const std::string& at = "", const SiblingSchemas& siblings = {});

}  // namespace memory_baseline
