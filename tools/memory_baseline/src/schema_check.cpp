// schema_problem(): a recursive walk of the schema beside the document, first problem wins.
#include "schema_check.hpp"

#include <regex>

#include "embedded_files.hpp"

namespace memory_baseline {

namespace {

using nlohmann::json;

bool has_type(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "null") return value.is_null();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  return false;
}

std::string place(const std::string& at) {
  return at.empty() ? std::string("the document") : at;
}

class Walker {
 public:
  Walker(const json& root, const SiblingSchemas& siblings) : root_(root), siblings_(siblings) {}

  std::string check(const json& schema, const json& value, const std::string& at) const {
    for (const auto& [keyword, argument] : schema.items()) {
      std::string problem = check_keyword(schema, keyword, argument, value, at);
      if (!problem.empty()) return problem;
    }
    return {};
  }

 private:
  std::string check_keyword(const json& schema, const std::string& keyword, const json& argument,
                            const json& value, const std::string& at) const {
    if (keyword == "$schema" || keyword == "$id" || keyword == "title" ||
        keyword == "description" || keyword == "$defs")
      return {};
    if (keyword == "$ref") {
      // "#/pointer" in this schema, or "file.json#/pointer" in a sibling schema.
      const std::string reference = argument.get<std::string>();
      const std::size_t hash = reference.find("#/");
      if (hash == 0) return check(root_.at(json::json_pointer(reference.substr(1))), value, at);
      const auto sibling = siblings_.find(reference.substr(0, hash));
      if (hash == std::string::npos || sibling == siblings_.end())
        return "the schema refers to a schema this check does not have: " + reference;
      const json& other = *sibling->second;
      return Walker(other, siblings_)
          .check(other.at(json::json_pointer(reference.substr(hash + 1))), value, at);
    }
    if (keyword == "type") {
      const json types = argument.is_array() ? argument : json::array({argument});
      for (const json& type : types) {
        if (has_type(value, type.get<std::string>())) return {};
      }
      return place(at) + " must be of type " +
             (argument.is_array() ? argument.dump() : argument.get<std::string>());
    }
    if (keyword == "required") {
      if (!value.is_object()) return {};
      for (const json& name : argument) {
        if (!value.contains(name.get<std::string>()))
          return at + "/" + name.get<std::string>() + " is missing";
      }
      return {};
    }
    if (keyword == "properties") {
      if (!value.is_object()) return {};
      for (const auto& [name, property] : argument.items()) {
        if (!value.contains(name)) continue;
        if (std::string problem = check(property, value.at(name), at + "/" + name);
            !problem.empty())
          return problem;
      }
      return {};
    }
    if (keyword == "additionalProperties") {
      if (!value.is_object()) return {};
      const json& known = schema.contains("properties") ? schema.at("properties") : json::object();
      for (const auto& [name, member] : value.items()) {
        if (known.contains(name)) continue;
        if (argument.is_boolean()) {
          if (!argument.get<bool>()) return at + "/" + name + " is not a known field";
        } else if (std::string problem = check(argument, member, at + "/" + name);
                   !problem.empty()) {
          return problem;
        }
      }
      return {};
    }
    if (keyword == "items") {
      if (!value.is_array()) return {};
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (std::string problem = check(argument, value[i], at + "/" + std::to_string(i));
            !problem.empty())
          return problem;
      }
      return {};
    }
    if (keyword == "enum") {
      for (const json& allowed : argument) {
        if (value == allowed) return {};
      }
      return place(at) + " must be one of " + argument.dump() + ", not " + value.dump();
    }
    if (keyword == "const") {
      return value == argument
                 ? std::string()
                 : place(at) + " must be " + argument.dump() + ", not " + value.dump();
    }
    if (keyword == "minimum" || keyword == "maximum" || keyword == "exclusiveMinimum" ||
        keyword == "exclusiveMaximum") {
      if (!value.is_number()) return {};
      const double number = value.get<double>(), bound = argument.get<double>();
      const bool holds = keyword == "minimum"            ? number >= bound
                         : keyword == "maximum"          ? number <= bound
                         : keyword == "exclusiveMinimum" ? number > bound
                                                         : number < bound;
      return holds ? std::string()
                   : place(at) + " is " + value.dump() + ", outside its " + keyword + " " +
                         argument.dump();
    }
    if (keyword == "minLength") {
      if (!value.is_string()) return {};
      return value.get<std::string>().size() >= argument.get<std::size_t>()
                 ? std::string()
                 : place(at) + " is shorter than " + argument.dump() + " characters";
    }
    if (keyword == "minItems" || keyword == "maxItems") {
      if (!value.is_array()) return {};
      const bool holds = keyword == "minItems" ? value.size() >= argument.get<std::size_t>()
                                               : value.size() <= argument.get<std::size_t>();
      return holds ? std::string()
                   : place(at) + " has " + std::to_string(value.size()) + " items, outside its " +
                         keyword + " " + argument.dump();
    }
    if (keyword == "pattern") {
      if (!value.is_string()) return {};
      return std::regex_search(value.get<std::string>(), std::regex(argument.get<std::string>()))
                 ? std::string()
                 : place(at) + " does not match " + argument.get<std::string>();
    }
    return "the schema uses the keyword " + keyword + ", which this check does not know";
  }

  const json& root_;
  const SiblingSchemas& siblings_;
};

}  // namespace

const nlohmann::json& result_schema() {
  static const nlohmann::json schema =
      nlohmann::json::parse(result_schema_source(), result_schema_source() + result_schema_size());
  return schema;
}

std::string schema_problem(const nlohmann::json& schema, const nlohmann::json& document,
                           const std::string& at, const SiblingSchemas& siblings) {
  return Walker(schema, siblings).check(schema, document, at);
}

}  // namespace memory_baseline
