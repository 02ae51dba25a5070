// The vector index scenario's own figures: the result document's "index" (result.schema.json).
// Every figure but the theoretical size is absent when an allocation failure stopped the run
// before the index was built and queried.
#pragma once

#include <alloc_hooks/alloc_hooks.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "scenarios/json_record.hpp"

namespace scenarios {

struct TheoreticalIndexSize {
  double bytes_per_vector = 0;
  double fixed_bytes = 0;
  double total_bytes = 0;
  std::string formula;  // e.g. "4d + 2M*4 + 4 + 8 (label) + ..."
};

// The index's live bytes after the build, per source (alloc_hooks::Source). Files written before
// the Win32 heap was counted lack it.
struct IndexBytesBySource {
  std::int64_t operator_new = 0;
  std::int64_t malloc = 0;
  std::optional<std::int64_t> win32_heap;
};
static_assert(alloc_hooks::kSourceCount == 3, "IndexBytesBySource lists every source");

// Build time on a number of threads, with the hooks and without them.
struct BuildCostFigures {
  std::uint64_t threads = 0;
  double hooked_seconds = 0;
  double unhooked_seconds = 0;
  double ratio = 0;
};

struct IndexFigures {
  TheoreticalIndexSize theoretical;
  std::optional<std::int64_t> index_live_bytes;
  std::optional<IndexBytesBySource> index_live_bytes_by_source;
  std::optional<double> bytes_per_vector;
  std::optional<double> measured_over_theoretical;
  std::optional<double> build_seconds;
  std::optional<double> vectors_per_second;
  std::optional<double> queries_per_second;
  std::optional<double> recall_at_10;
  std::optional<double> recall_at_10_after_load;
  std::optional<double> nearest_in_top_10;
  // Which of the two recall figures the min_recall budget checks: "recall_at_10" or
  // "nearest_in_top_10".
  std::optional<std::string> recall_budget_measure;
  std::optional<bool> loaded_answers_identical;
  std::optional<double> rss_over_live;
  std::optional<std::vector<BuildCostFigures>> build_cost;

  // The measure the budget checks (files written before the field checked recall_at_10), and
  // its figure; empty when the run has none.
  std::string budget_recall_measure() const {
    return recall_budget_measure.value_or("recall_at_10");
  }
  std::optional<double> budget_recall() const {
    return budget_recall_measure() == "nearest_in_top_10" ? nearest_in_top_10 : recall_at_10;
  }
};

constexpr auto json_fields(std::type_identity<TheoreticalIndexSize>) {
  using json_record::field;
  using T = TheoreticalIndexSize;
  return std::tuple{field("bytes_per_vector", &T::bytes_per_vector),
                    field("fixed_bytes", &T::fixed_bytes), field("total_bytes", &T::total_bytes),
                    field("formula", &T::formula)};
}
constexpr auto json_fields(std::type_identity<IndexBytesBySource>) {
  using json_record::field;
  return std::tuple{field("operator_new", &IndexBytesBySource::operator_new),
                    field("malloc", &IndexBytesBySource::malloc),
                    field("win32_heap", &IndexBytesBySource::win32_heap)};
}
constexpr auto json_fields(std::type_identity<BuildCostFigures>) {
  using json_record::field;
  using B = BuildCostFigures;
  return std::tuple{field("threads", &B::threads), field("hooked_seconds", &B::hooked_seconds),
                    field("unhooked_seconds", &B::unhooked_seconds), field("ratio", &B::ratio)};
}
constexpr auto json_fields(std::type_identity<IndexFigures>) {
  using json_record::field;
  using I = IndexFigures;
  return std::tuple{field("theoretical", &I::theoretical),
                    field("index_live_bytes", &I::index_live_bytes),
                    field("index_live_bytes_by_source", &I::index_live_bytes_by_source),
                    field("bytes_per_vector", &I::bytes_per_vector),
                    field("measured_over_theoretical", &I::measured_over_theoretical),
                    field("build_seconds", &I::build_seconds),
                    field("vectors_per_second", &I::vectors_per_second),
                    field("queries_per_second", &I::queries_per_second),
                    field("recall_at_10", &I::recall_at_10),
                    field("recall_at_10_after_load", &I::recall_at_10_after_load),
                    field("nearest_in_top_10", &I::nearest_in_top_10),
                    field("recall_budget_measure", &I::recall_budget_measure),
                    field("loaded_answers_identical", &I::loaded_answers_identical),
                    field("rss_over_live", &I::rss_over_live),
                    field("build_cost", &I::build_cost)};
}

}  // namespace scenarios
