// The budgets file (a JSON object with any of the keys of json_fields(Budgets)) and the budgets'
// words.
#include "scenarios/budgets.hpp"

#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <stdexcept>

namespace scenarios {

std::string process_limit_exceeded(std::uint64_t limit_mb) {
  return limit_mb == kSeedProcessLimitMb
             ? "Total memory exceeded 1GB limit"
             : "Total memory exceeded the " + std::to_string(limit_mb) + " MiB limit";
}

std::string allocation_budget_exceeded(std::uint64_t budget_us) {
  return budget_us == kSeedAllocBudgetUs ? "Allocation exceeded 5ms budget"
                                         : fmt::format("Allocation exceeded the {} ms budget",
                                                       static_cast<double>(budget_us) / 1e3);
}

const BudgetKind* budget_kind(const std::string& key) {
  for (const BudgetKind& kind : kBudgetKinds) {
    if (key == kind.key) return &kind;
  }
  return nullptr;
}

namespace {

std::uint64_t whole_number(const nlohmann::json& value, const std::string& key,
                           std::uint64_t highest) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > highest) {
    throw std::runtime_error(key + " must be a whole number from 0 to " + std::to_string(highest));
  }
  return value.get<std::uint64_t>();
}

double positive_number(const nlohmann::json& value, const std::string& key, double lowest,
                       double highest) {
  if (!value.is_number() || !(value.get<double>() >= lowest && value.get<double>() <= highest)) {
    throw std::runtime_error(key + " must be a number from " + nlohmann::json(lowest).dump() +
                             " to " + nlohmann::json(highest).dump());
  }
  return value.get<double>();
}

}  // namespace

void apply_budgets_file(const std::string& path, Budgets& budgets) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read budgets file " + path);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(file);
  } catch (const nlohmann::json::parse_error& error) {
    throw std::runtime_error("budgets file " + path + " is not valid JSON (byte " +
                             std::to_string(error.byte) + ")");
  }
  if (!json.is_object())
    throw std::runtime_error("budgets file " + path + " must hold a JSON object");
  for (const auto& [key, value] : json.items()) {
    const std::string where = "budgets file " + path + ": " + key;
    if (key == "process_limit_mb") {
      budgets.process_limit_mb = whole_number(value, where, kMaxLimitMb);
    } else if (key == "alloc_budget_us") {
      budgets.alloc_budget_us = whole_number(value, where, kMaxAllocBudgetUs);
    } else if (key == "iteration_budget_ms") {
      budgets.iteration_budget_ms =
          positive_number(value, where, kMinIterationBudgetMs, kMaxIterationBudgetMs);
    } else if (key == "reserved_ratio_limit") {
      budgets.reserved_ratio_limit =
          positive_number(value, where, std::numeric_limits<double>::min(), kMaxReservedRatioLimit);
    } else if (key == "growth_limit_mb") {
      budgets.growth_limit_mb = whole_number(value, where, kMaxLimitMb);
    } else if (key == "min_recall") {
      budgets.min_recall = positive_number(value, where, 0.0, 1.0);
    } else {
      throw std::runtime_error("budgets file " + path + ": unknown key " + key);
    }
  }
}

}  // namespace scenarios
