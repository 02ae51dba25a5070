// The sites part of the reports (report_sites.hpp).
#include "report_sites.hpp"

#include <fmt/format.h>

#include "html.hpp"
#include "memory_baseline/report_tables.hpp"

namespace memory_baseline {

namespace {

struct SiteRow {
  double bytes;
  double share;  // of the peak, in percent
  std::string where;
};

std::vector<SiteRow> top_rows(const scenarios::SitesFigures& sites, double peak_bytes) {
  std::vector<SiteRow> rows;
  for (const scenarios::TopSiteFigures& site : sites.top) {
    const auto bytes = static_cast<double>(site.peak_bytes);
    rows.push_back({bytes, peak_bytes > 0 ? 100.0 * bytes / peak_bytes : 0.0, site.where});
  }
  return rows;
}

std::string sampling_note(const scenarios::SitesFigures& sites) {
  const std::uint64_t interval = sites.sample_bytes;
  if (interval == 0) return "sampling was off (ALLOC_HOOKS_SAMPLE_BYTES=0)";
  if (interval == 1) return "every allocation recorded (ALLOC_HOOKS_SAMPLE_BYTES=1): exact";
  return fmt::format(
      "sampled every {} bytes on average: estimates (ALLOC_HOOKS_SAMPLE_BYTES=1 records every "
      "allocation)",
      interval);
}

}  // namespace

std::vector<SitesView> sites_views(const Results& results) {
  std::vector<SitesView> views;
  for (const std::string& scenario : scenarios_in(results)) {
    for (const scenarios::ScenarioResult& run : results.runs) {
      if (run.scenario != scenario) continue;
      const scenarios::CaseFigures* highest = nullptr;
      std::vector<scenarios::FoldedStack> latency;
      for (const scenarios::CaseFigures& measured : run.cases) {
        if (!measured.sites) continue;
        latency.insert(latency.end(), measured.sites->latency_folded.begin(),
                       measured.sites->latency_folded.end());
        if (highest == nullptr || measured.peak_live_bytes > highest->peak_live_bytes)
          highest = &measured;
      }
      if (highest == nullptr) continue;
      views.push_back({scenario, run.allocator.name, highest->name,
                       static_cast<double>(highest->peak_live_bytes), *highest->sites, latency});
      break;
    }
  }
  return views;
}

namespace {

std::string folded_report(const Results& results,
                          std::vector<scenarios::FoldedStack> scenarios::SitesFigures::*stacks) {
  std::string text;
  for (const scenarios::ScenarioResult& run : results.runs) {
    for (const scenarios::CaseFigures& measured : run.cases) {
      if (!measured.sites) continue;
      const std::string root =
          fmt::format("{}/{};{}", run.scenario, run.allocator.name, measured.name);
      for (const auto& [stack, value] : *measured.sites.*stacks)
        text += fmt::format("{};{} {}\n", root, stack, value);
    }
  }
  return text;
}

}  // namespace

std::string peak_folded_report(const Results& results) {
  return folded_report(results, &scenarios::SitesFigures::peak_folded);
}

std::string latency_folded_report(const Results& results) {
  return folded_report(results, &scenarios::SitesFigures::latency_folded);
}

std::string top_sites_markdown(const scenarios::SitesFigures& sites, double peak_bytes) {
  const std::vector<SiteRow> rows = top_rows(sites, peak_bytes);
  if (rows.empty()) return fmt::format("No sampled site ({}).\n", sampling_note(sites));
  std::string text = fmt::format(
      "Top sites at the peak ({}):\n\n| bytes at the peak | share | site |\n|---:|---:|---|\n",
      sampling_note(sites));
  for (const SiteRow& row : rows)
    text += fmt::format("| {:.0f} | {:.1f} % | `{}` |\n", row.bytes, row.share, row.where);
  return text;
}

std::string top_sites_html(const scenarios::SitesFigures& sites, double peak_bytes) {
  const std::vector<SiteRow> rows = top_rows(sites, peak_bytes);
  std::string html = "<p>Top sites at the peak (" + escape_html(sampling_note(sites)) + ")</p>\n";
  if (rows.empty()) return html;
  html += "<table class=\"sites\"><tr><th>bytes at the peak</th><th>share</th><th>site</th></tr>";
  for (const SiteRow& row : rows) {
    html += fmt::format("<tr><td>{:.0f}</td><td>{:.1f} %</td><td><code>{}</code></td></tr>",
                        row.bytes, row.share, escape_html(row.where));
  }
  return html + "</table>\n";
}

std::string flame_graph_elements(const std::string& prefix, const std::string& peak_title,
                                 const std::string& latency_title) {
  return flame_graph_element(prefix + "-peak", peak_title) +
         flame_graph_element(prefix + "-latency", latency_title);
}

void add_flame_graph(nlohmann::json& graphs, const std::string& id, const char* unit,
                     const std::vector<scenarios::FoldedStack>& folded) {
  graphs.push_back({{"id", id}, {"unit", unit}, {"folded", scenarios::json_record::write(folded)}});
}

void add_flame_graphs(nlohmann::json& graphs, const std::string& prefix,
                      const std::vector<scenarios::FoldedStack>& peak_folded,
                      const std::vector<scenarios::FoldedStack>& latency_folded) {
  add_flame_graph(graphs, prefix + "-peak", "bytes", peak_folded);
  add_flame_graph(graphs, prefix + "-latency", "ns", latency_folded);
}

}  // namespace memory_baseline
