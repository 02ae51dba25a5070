// The "sites" object of the result documents, from a symbolized site report.
#include "scenarios/sites_json.hpp"

#include <fmt/format.h>

namespace scenarios {

namespace {

constexpr std::size_t kStackFramesShown = 24;

nlohmann::json frame_json(const alloc_hooks::Frame& frame) {
  return {{"function", frame.function},
          {"file", frame.file},
          {"line", frame.line},
          {"module", frame.module}};
}

nlohmann::json folded_json(const alloc_hooks::SiteReport& report,
                           alloc_hooks::SiteMeasure measure) {
  nlohmann::json folded = nlohmann::json::array();
  for (const auto& [stack, value] : report.folded_stacks(measure))
    folded.push_back(nlohmann::json::array({stack, value}));
  return folded;
}

}  // namespace

nlohmann::json sites_json(const alloc_hooks::SiteReport& report) {
  nlohmann::json top = nlohmann::json::array();
  for (const alloc_hooks::Site& site :
       report.top(alloc_hooks::SiteMeasure::peak_bytes, kTopSites)) {
    nlohmann::json stack = nlohmann::json::array();
    for (std::size_t i = 0; i < site.frames.size() && i < kStackFramesShown; ++i)
      stack.push_back(frame_json(site.frames[i]));
    top.push_back({{"where", site.where()},
                   {"peak_bytes", site.figures.peak_snapshot_bytes},
                   {"live_bytes", site.figures.live_bytes},
                   {"allocated_bytes", site.figures.allocated_bytes},
                   {"allocations", site.figures.allocations},
                   {"alloc_latency_ns", site.figures.alloc_latency_ns},
                   {"stack", stack}});
  }
  const alloc_hooks::SamplingReport& sampling = report.sampling();
  return {{"sample_bytes", sampling.sample_bytes},
          {"samples", sampling.samples},
          {"stack_walker", sampling.stack_walker},
          {"top", top},
          {"peak_folded", folded_json(report, alloc_hooks::SiteMeasure::peak_bytes)},
          {"latency_folded", folded_json(report, alloc_hooks::SiteMeasure::alloc_latency_ns)}};
}

std::string folded_text(const nlohmann::json& folded) {
  std::string text;
  for (const nlohmann::json& entry : folded)
    text += fmt::format("{} {}\n", entry.at(0).get<std::string>(), entry.at(1).get<std::int64_t>());
  return text;
}

}  // namespace scenarios
