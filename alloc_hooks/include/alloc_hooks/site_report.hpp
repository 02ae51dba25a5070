// The call sites of a process (alloc_hooks/sites.hpp's RawSites), symbolized and merged: the top
// sites by a figure, the line a failure message names them with, and folded stacks for flame
// graphs. Target alloc_hooks::symbolize, which links none of the hooks: a tool that reads another
// process's sites is not measured itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "alloc_hooks/sites.hpp"
#include "alloc_hooks/symbolize.hpp"

namespace alloc_hooks {

// The figures of a span: `after` minus `before` (read_site_figures at its start). Live bytes and
// the peak snapshot become growth over the live bytes at the start.
void subtract_figures(std::map<std::uint32_t, SiteFigures>& after,
                      const std::vector<SiteFigures>& before);

enum class SiteMeasure { peak_bytes, live_bytes, allocated_bytes, alloc_latency_ns };
std::int64_t measure_of(const SiteFigures& figures, SiteMeasure measure);

struct Site {
  std::vector<Frame> frames;  // innermost first; the hooks' own frames left out
  SiteFigures figures;
  // The first frame outside the C++ standard library: "function (file:line)", or the module and
  // offset where there is no symbol.
  std::string where() const;
};

class SiteReport {
 public:
  // Symbolized with `symbolizer` (whose cache later reports reuse), made for raw.modules.
  SiteReport(const RawSites& raw, Symbolizer& symbolizer);
  explicit SiteReport(const RawSites& raw);
  // Sites merged by where() and sorted by `measure`, largest first; at most `count`.
  std::vector<Site> top(SiteMeasure measure, std::size_t count) const;
  // One "root;...;leaf" stack per site with a positive value (flamegraph.pl's frames; a ';' in a
  // name becomes ','), with its value.
  std::vector<std::pair<std::string, std::int64_t>> folded_stacks(SiteMeasure measure) const;
  // Those as "stack value" lines: the folded-stacks file flamegraph.pl, speedscope and
  // heaptrack read.
  std::string folded(SiteMeasure measure) const;
  // A stack id's site (a slow allocation's); frames empty when the id has no stack.
  Site site_of(std::uint32_t stack_id) const;
  const std::vector<Site>& sites() const { return sites_; }
  const SamplingReport& sampling() const { return sampling_; }

 private:
  std::vector<Site> sites_;  // one per distinct symbolized stack
  std::map<std::uint32_t, std::size_t> by_stack_id_;
  SamplingReport sampling_;
};

// "1.21 GiB", "812.0 MiB", "4.0 KiB", "96 B".
std::string format_bytes(double bytes);
// "top: 0.80 GiB f (file:line); 0.30 GiB g (file:line); ..." for the first `count` sites by
// `measure`; "top: no sampled site (sampling is off)" and the like when there is none.
std::string top_sites_line(const SiteReport& report, SiteMeasure measure, std::size_t count = 3);

}  // namespace alloc_hooks
