// The "sites" record of the result documents, from a symbolized site report.
#include "scenarios/site_figures.hpp"

#include <fmt/format.h>

namespace scenarios {

SitesFigures sites_figures(const alloc_hooks::SiteReport& report) {
  SitesFigures figures;
  for (const alloc_hooks::Site& site :
       report.top(alloc_hooks::SiteMeasure::peak_bytes, kTopSites)) {
    TopSiteFigures& top = figures.top.emplace_back();
    top.where = site.where();
    top.peak_bytes = site.figures.peak_snapshot_bytes;
    top.live_bytes = site.figures.live_bytes;
    top.allocated_bytes = site.figures.allocated_bytes;
    top.allocations = site.figures.allocations;
    top.alloc_latency_ns = site.figures.alloc_latency_ns;
    for (std::size_t i = 0; i < site.frames.size() && i < kStackFramesShown; ++i) {
      const alloc_hooks::Frame& frame = site.frames[i];
      top.stack.push_back({frame.function, frame.file, frame.line, frame.module});
    }
  }
  const alloc_hooks::SamplingReport& sampling = report.sampling();
  figures.sample_bytes = sampling.sample_bytes;
  figures.samples = sampling.samples;
  figures.stack_walker = sampling.stack_walker;
  figures.peak_folded = report.folded_stacks(alloc_hooks::SiteMeasure::peak_bytes);
  figures.latency_folded = report.folded_stacks(alloc_hooks::SiteMeasure::alloc_latency_ns);
  return figures;
}

std::string folded_text(const std::vector<FoldedStack>& folded) {
  std::string text;
  for (const auto& [stack, value] : folded) text += fmt::format("{} {}\n", stack, value);
  return text;
}

}  // namespace scenarios
