// Reading the hooks' sites, symbolizing them, merging and ranking them, and writing folded stacks.
#include "alloc_hooks/site_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "alloc_hooks/alloc_hooks.hpp"

namespace alloc_hooks {

namespace {

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "ns::Type<T>::method" out of "void ns::Type<T>::method(int) const": the parameters and a
// leading return type dropped, template arguments kept.
std::string short_function(std::string_view full_name) {
  std::string anonymous_renamed(full_name);
  for (std::size_t at; (at = anonymous_renamed.find("(anonymous namespace)")) != std::string::npos;)
    anonymous_renamed.replace(at, 21, "{anonymous}");
  const std::string_view name = anonymous_renamed;
  int depth = 0;
  std::size_t start = 0, end = name.size();
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<') ++depth;
    if (c == '>') --depth;
    if (depth != 0) continue;
    if (c == ' ' && name.substr(0, i) != "operator" && name.substr(i + 1, 3) != "new" &&
        name.substr(i + 1, 6) != "delete")
      start = i + 1;
    if (c == '(' && i > 0 && !name.substr(0, i).ends_with("operator")) {
      end = i;
      break;
    }
  }
  return std::string(name.substr(start, end - start));
}

// The hooks' own frames, which every stack starts with: the capture, the accounting, and the
// replaced allocation function the program called (by its source, its module, or its name).
bool is_hooks_frame(const Frame& frame) {
  const std::string_view module = base_name(frame.module);
  if (module.starts_with("liballoc_hooks_preload") || module.starts_with("alloc_hooks_inject") ||
      module.starts_with("libunwind"))
    return true;
  if (frame.file.find("alloc_hooks/src/") != std::string::npos) return true;
  const std::string_view function = frame.function;
  if (function.starts_with("alloc_hooks::detail::") || function.starts_with("operator new") ||
      function.find("backtrace") != std::string_view::npos)
    return true;
  static constexpr std::array<std::string_view, 10> kMallocFamily = {
      "malloc",         "calloc",   "realloc", "reallocarray", "aligned_alloc",
      "posix_memalign", "memalign", "valloc",  "pvalloc",      "free"};
  return std::find(kMallocFamily.begin(), kMallocFamily.end(), function) != kMallocFamily.end();
}

bool is_standard_library(const Frame& frame) {
  const std::string name = short_function(frame.function);
  return name.starts_with("std::") || name.starts_with("__gnu_cxx::") || name.starts_with("__cxx");
}

std::string describe(const Frame& frame) {
  if (frame.function.empty()) {
    if (frame.module.empty()) return fmt::format("{:#x}", frame.address);
    return fmt::format("{}+{:#x}", frame.module, frame.offset);
  }
  if (frame.file.empty())
    return fmt::format("{} ({})", short_function(frame.function), frame.module);
  return fmt::format("{} ({}:{})", short_function(frame.function), base_name(frame.file),
                     frame.line);
}

void add_figures(SiteFigures& into, const SiteFigures& figures) {
  into.live_bytes += figures.live_bytes;
  into.peak_snapshot_bytes += figures.peak_snapshot_bytes;
  into.allocated_bytes += figures.allocated_bytes;
  into.allocations += figures.allocations;
  into.alloc_latency_ns += figures.alloc_latency_ns;
}

}  // namespace

void subtract_figures(std::map<std::uint32_t, SiteFigures>& after,
                      const std::vector<SiteFigures>& before) {
  for (auto& [id, figures] : after) {
    if (id >= before.size()) continue;
    figures.live_bytes -= before[id].live_bytes;
    figures.peak_snapshot_bytes -= before[id].live_bytes;
    figures.allocated_bytes -= before[id].allocated_bytes;
    figures.allocations -= before[id].allocations;
    figures.alloc_latency_ns -= before[id].alloc_latency_ns;
  }
}

std::int64_t measure_of(const SiteFigures& figures, SiteMeasure measure) {
  switch (measure) {
    case SiteMeasure::peak_bytes:
      return figures.peak_snapshot_bytes;
    case SiteMeasure::live_bytes:
      return figures.live_bytes;
    case SiteMeasure::allocated_bytes:
      return static_cast<std::int64_t>(figures.allocated_bytes);
    case SiteMeasure::alloc_latency_ns:
      return static_cast<std::int64_t>(figures.alloc_latency_ns);
  }
  return 0;
}

std::string Site::where() const {
  if (frames.empty()) return "(no stack)";
  for (const Frame& frame : frames) {
    if (!is_standard_library(frame)) return describe(frame);
  }
  return describe(frames.front());
}

// The symbolizer, a temporary of the delegating call, lives until this report is made.
SiteReport::SiteReport(const RawSites& raw)
    : SiteReport(raw, *std::make_unique<Symbolizer>(raw.modules)) {}

SiteReport::SiteReport(const RawSites& raw, Symbolizer& symbolizer) : sampling_(raw.sampling) {
  std::unordered_map<std::string, std::size_t> by_frames;
  for (const auto& [id, addresses] : raw.stacks) {
    Site site;
    bool leading = true;
    std::string key;
    for (const std::uintptr_t address : addresses) {
      for (const Frame& frame : symbolizer.frames(address)) {
        if (leading && is_hooks_frame(frame)) continue;
        leading = false;
        site.frames.push_back(frame);
        key += frame.function.empty()
                   ? fmt::format("{:#x}", address)
                   : fmt::format("{}@{}:{}", frame.function, frame.file, frame.line);
        key += '\n';
      }
    }
    const auto figures = raw.figures.find(id);
    const auto [entry, inserted] = by_frames.try_emplace(key, sites_.size());
    if (inserted) sites_.push_back(std::move(site));
    if (figures != raw.figures.end()) add_figures(sites_[entry->second].figures, figures->second);
    by_stack_id_[id] = entry->second;
  }
}

std::vector<Site> SiteReport::top(SiteMeasure measure, std::size_t count) const {
  std::vector<Site> merged;
  std::unordered_map<std::string, std::size_t> by_where;
  for (const Site& site : sites_) {
    if (measure_of(site.figures, measure) <= 0) continue;
    const auto [entry, inserted] = by_where.try_emplace(site.where(), merged.size());
    if (inserted) {
      merged.push_back(site);
    } else {
      Site& kept = merged[entry->second];
      // The frames shown are those of the larger stack.
      if (measure_of(site.figures, measure) > measure_of(kept.figures, measure)) {
        SiteFigures figures = kept.figures;
        kept.frames = site.frames;
        kept.figures = site.figures;
        add_figures(kept.figures, figures);
      } else {
        add_figures(kept.figures, site.figures);
      }
    }
  }
  std::stable_sort(merged.begin(), merged.end(), [&](const Site& a, const Site& b) {
    return measure_of(a.figures, measure) > measure_of(b.figures, measure);
  });
  if (merged.size() > count) merged.resize(count);
  return merged;
}

std::vector<std::pair<std::string, std::int64_t>> SiteReport::folded_stacks(
    SiteMeasure measure) const {
  std::vector<std::pair<std::string, std::int64_t>> stacks;
  for (const Site& site : sites_) {
    const std::int64_t value = measure_of(site.figures, measure);
    if (value <= 0) continue;
    std::string line;
    for (auto frame = site.frames.rbegin(); frame != site.frames.rend(); ++frame) {
      if (!line.empty()) line += ';';
      std::string label =
          frame->function.empty() ? describe(*frame) : short_function(frame->function);
      std::replace(label.begin(), label.end(), ';', ',');  // ';' separates frames
      line += label;
    }
    if (line.empty()) line = "(no stack)";
    stacks.emplace_back(std::move(line), value);
  }
  return stacks;
}

std::string SiteReport::folded(SiteMeasure measure) const {
  std::string text;
  for (const auto& [stack, value] : folded_stacks(measure))
    text += fmt::format("{} {}\n", stack, value);
  return text;
}

Site SiteReport::site_of(std::uint32_t stack_id) const {
  const auto found = by_stack_id_.find(stack_id);
  if (found == by_stack_id_.end()) return {};
  Site site = sites_[found->second];
  site.figures = {};
  return site;
}

std::string format_bytes(double bytes) {
  static constexpr std::array<const char*, 4> kUnits = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  std::size_t unit = 0;
  bytes /= 1024;
  while (bytes >= 1024 && unit + 1 < kUnits.size()) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{:.2f} {}", bytes, kUnits[unit]);
}

std::string top_sites_line(const SiteReport& report, SiteMeasure measure, std::size_t count) {
  const std::vector<Site> top = report.top(measure, count);
  if (top.empty()) {
    return report.sampling().sample_bytes == 0 ? "top sites: none (sampling is off)"
                                               : "top sites: none sampled";
  }
  std::string line = "top:";
  for (std::size_t i = 0; i < top.size(); ++i) {
    const std::int64_t value = measure_of(top[i].figures, measure);
    line += fmt::format("{} {} {}", i == 0 ? "" : ";",
                        measure == SiteMeasure::alloc_latency_ns
                            ? fmt::format("{:.3f} ms", static_cast<double>(value) / 1e6)
                            : format_bytes(static_cast<double>(value)),
                        top[i].where());
  }
  return line;
}

}  // namespace alloc_hooks
