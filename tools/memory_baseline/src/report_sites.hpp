// Where the memory went, in the reports: the top sites at a peak as a table, and the flame graphs
// of the peak and of allocation latency, from a result's or a profile's "sites"
// (result.schema.json's $defs/sites).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "memory_baseline/results.hpp"
#include "scenarios/site_figures.hpp"

namespace memory_baseline {

// The sites a report shows for one scenario: those of the case with the highest peak of the
// scenario's first run that has sites, and the latency of all that run's cases.
struct SitesView {
  std::string scenario;
  std::string allocator;
  std::string case_name;
  double peak_bytes = 0;  // the case's peak live bytes, which its sites share
  scenarios::SitesFigures sites;
  std::vector<scenarios::FoldedStack> latency_folded;  // every case's latency stacks
};
std::vector<SitesView> sites_views(const Results& results);

// "| bytes at the peak | share | site |" rows of the top sites; `peak_bytes` the peak they share.
std::string top_sites_markdown(const scenarios::SitesFigures& sites, double peak_bytes);
std::string top_sites_html(const scenarios::SitesFigures& sites, double peak_bytes);

// Every case's folded stacks in one file, each stack under "scenario/allocator;case;": the live
// bytes at each case's peak, or the time spent allocating (peak.folded, latency.folded).
std::string peak_folded_report(const Results& results);
std::string latency_folded_report(const Results& results);

// The flame graphs of a view: ids "<prefix>-peak" and "<prefix>-latency". The elements go in the
// page; the graphs in flame_graphs_script's list.
std::string flame_graph_elements(const std::string& prefix, const std::string& peak_title,
                                 const std::string& latency_title);
// One flame graph for flame_graphs_script: its element's `id`, the `unit` of its values ("bytes",
// "ns") and its stacks.
void add_flame_graph(nlohmann::json& graphs, const std::string& id, const char* unit,
                     const std::vector<scenarios::FoldedStack>& folded);
void add_flame_graphs(nlohmann::json& graphs, const std::string& prefix,
                      const std::vector<scenarios::FoldedStack>& peak_folded,
                      const std::vector<scenarios::FoldedStack>& latency_folded);

}  // namespace memory_baseline
