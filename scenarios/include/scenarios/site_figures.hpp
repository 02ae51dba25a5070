// The call sites of a measured span as the result documents hold them ("sites" of a case in
// result.schema.json, of the program in profile.schema.json): the top sites at the peak, and the
// folded stacks of the peak and of allocation latency that the reports draw as flame graphs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "alloc_hooks/site_report.hpp"
#include "scenarios/json_record.hpp"

namespace scenarios {

inline constexpr std::size_t kTopSites = 10;
inline constexpr std::size_t kStackFramesShown = 24;

struct FrameFigures {
  std::string function;
  std::string file;
  std::uint32_t line = 0;
  std::string module;
};

// A site that held the most at the peak, its figures estimates from the sampled allocations.
struct TopSiteFigures {
  std::string where;  // the first frame outside the C++ standard library
  std::int64_t peak_bytes = 0;
  std::int64_t live_bytes = 0;
  std::uint64_t allocated_bytes = 0;
  std::uint64_t allocations = 0;
  std::uint64_t alloc_latency_ns = 0;
  std::vector<FrameFigures> stack;  // innermost first, at most kStackFramesShown
};

// One "root;...;leaf" stack and its value: a line of flamegraph.pl's folded file.
using FoldedStack = std::pair<std::string, std::int64_t>;

struct SitesFigures {
  std::uint64_t sample_bytes = 0;  // the mean sampling interval; 0: sampling was off
  std::uint64_t samples = 0;
  std::string stack_walker;
  std::vector<TopSiteFigures> top;          // largest at the peak first, at most kTopSites
  std::vector<FoldedStack> peak_folded;     // live bytes at the peak
  std::vector<FoldedStack> latency_folded;  // nanoseconds spent allocating
};

constexpr auto json_fields(std::type_identity<FrameFigures>) {
  using json_record::field;
  return std::tuple{field("function", &FrameFigures::function), field("file", &FrameFigures::file),
                    field("line", &FrameFigures::line), field("module", &FrameFigures::module)};
}
constexpr auto json_fields(std::type_identity<TopSiteFigures>) {
  using json_record::field;
  using T = TopSiteFigures;
  return std::tuple{field("where", &T::where),
                    field("peak_bytes", &T::peak_bytes),
                    field("live_bytes", &T::live_bytes),
                    field("allocated_bytes", &T::allocated_bytes),
                    field("allocations", &T::allocations),
                    field("alloc_latency_ns", &T::alloc_latency_ns),
                    field("stack", &T::stack)};
}
constexpr auto json_fields(std::type_identity<SitesFigures>) {
  using json_record::field;
  using S = SitesFigures;
  return std::tuple{
      field("sample_bytes", &S::sample_bytes), field("samples", &S::samples),
      field("stack_walker", &S::stack_walker), field("top", &S::top),
      field("peak_folded", &S::peak_folded),   field("latency_folded", &S::latency_folded)};
}

SitesFigures sites_figures(const alloc_hooks::SiteReport& report);

// "stack value" lines of folded stacks: the file flamegraph.pl and speedscope read.
std::string folded_text(const std::vector<FoldedStack>& folded);

}  // namespace scenarios
