// report.md and report.html of a profile document: the verdict first, then counts and bytes by
// source, live and peak bytes, the allocation-latency histogram and the slowest allocations, and
// RSS over time. One table list feeds both formats.
#include <fmt/format.h>

#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/site_report.hpp>
#include <utility>
#include <vector>

#include "html.hpp"
#include "memory_baseline/profile.hpp"
#include "memory_baseline/results.hpp"
#include "report_sites.hpp"

namespace memory_baseline {

namespace {

using nlohmann::json;

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::string verdict(const json& document) {
  std::string text = document.at("passed").get<bool>() ? "every budget held" : "budgets breached";
  const json& end = document.at("exit");
  text += end.at("status").is_null()
              ? fmt::format("; the program was ended by signal {}", end.at("signal").dump())
              : fmt::format("; the program exited with status {}", end.at("status").dump());
  return text;
}

std::vector<Table> tables(const json& document) {
  std::vector<Table> result;
  const json& totals = document.at("totals");
  const json& by_source = document.at("by_source");
  // A column per source the profile has (a profile written before the Win32 heap was counted has
  // two).
  static constexpr std::pair<const char*, const char*> kSourceColumns[] = {
      {"operator_new", "operator new"}, {"malloc", "malloc family"}, {"win32_heap", "Win32 heap"}};
  Table counts{"Counts and bytes by source", {"figure", "total"}, {}};
  for (const auto& [source, heading] : kSourceColumns) {
    if (by_source.contains(source)) counts.header.push_back(heading);
  }
  for (const auto& [field, value] : totals.items()) {
    const bool is_bytes = field.find("bytes") != std::string::npos;
    const auto cell = [is_bytes](const json& number) {
      return is_bytes ? fmt::format("{} ({})", number.get<std::uint64_t>(),
                                    alloc_hooks::format_bytes(number.get<double>()))
                      : std::to_string(number.get<std::uint64_t>());
    };
    std::vector<std::string> row{field, cell(value)};
    for (const auto& [source, heading] : kSourceColumns) {
      if (by_source.contains(source)) row.push_back(cell(by_source.at(source).at(field)));
    }
    counts.rows.push_back(std::move(row));
  }
  result.push_back(counts);

  const json& memory = document.at("memory");
  result.push_back(
      {"Memory",
       {"figure", "value"},
       {{"live bytes at exit (leaked or freed later)",
         alloc_hooks::format_bytes(document.at("live_bytes").get<double>())},
        {"peak live bytes",
         alloc_hooks::format_bytes(document.at("peak_live_bytes").get<double>())},
        {"live reserved bytes at exit",
         alloc_hooks::format_bytes(document.at("live_reserved_bytes").get<double>())},
        {"peak RSS (sampled every " + memory.at("sample_interval_ms").dump() + " ms or more)",
         alloc_hooks::format_bytes(memory.at("peak_rss_bytes").get<double>())},
        {"wall time", fmt::format("{:.1f} ms", document.at("wall_time_ms").get<double>())}}});

  Table latency{
      "Allocation latency (ns)", {"", "count", "p50", "p90", "p99", "p99.9", "max", "mean"}, {}};
  for (const char* which : {"alloc_latency_ns", "free_latency_ns"}) {
    std::vector<std::string> row{which == std::string("alloc_latency_ns") ? "allocations"
                                                                          : "frees"};
    for (const char* field : alloc_hooks::kLatencySummaryNames)
      row.push_back(document.at(which).at(field).dump());
    latency.rows.push_back(row);
  }
  result.push_back(latency);

  Table slowest{
      "Slowest allocations", {"#", "latency (ns)", "size (bytes)", "thread", "made at"}, {}};
  std::size_t rank = 0;
  for (const json& slow : document.at("slowest_allocations")) {
    slowest.rows.push_back({std::to_string(++rank), slow.at("latency_ns").dump(),
                            slow.at("size").dump(), slow.at("thread_id").dump(),
                            slow.value("site", "")});
  }
  result.push_back(slowest);

  if (!document.at("sized_delete_mismatches").empty()) {
    Table mismatches{"Sized deletes of another size than allocated",
                     {"requested size", "delete size", "thread"},
                     {}};
    for (const json& mismatch : document.at("sized_delete_mismatches")) {
      mismatches.rows.push_back({mismatch.at("requested_size").dump(),
                                 mismatch.at("delete_size").dump(),
                                 mismatch.at("thread_id").dump()});
    }
    result.push_back(mismatches);
  }
  return result;
}

std::string title(const json& document) {
  std::string command = document.at("program").get<std::string>();
  for (const json& argument : document.at("arguments")) {
    command += ' ';  // appended apart: GCC 12 warns falsely (-Wrestrict) on " " + string
    command += argument.get<std::string>();
  }
  return fmt::format("Profile of {} ({} {})", command,
                     document.at("allocator").at("name").get<std::string>(),
                     document.at("allocator").at("version").get<std::string>());
}

constexpr const char* kProfileCharts = R"(
draw('latency-histogram', {
  type: 'bar',
  data: {labels: data.histogram.map((b) => b.label),
         datasets: [{label: 'allocations', data: data.histogram.map((b) => b.count), backgroundColor: colour(0)}]},
  options: {plugins: {title: {display: true, text: 'allocation latency histogram (ns, count on a log scale)'}},
            scales: {y: {type: 'logarithmic', title: {display: true, text: 'allocations'}}}}});
draw('rss-over-time', {
  type: 'line',
  data: {datasets: [{label: 'RSS', data: data.rss, borderColor: colour(1), fill: false, pointRadius: 1}]},
  options: {plugins: {title: {display: true, text: 'RSS over time (MiB)'}},
            scales: {x: {type: 'linear', title: {display: true, text: 'ms'}}, y: {title: {display: true, text: 'MiB'}}}}});
)";

}  // namespace

std::string profile_markdown_report(const json& document) {
  std::string text = "# " + title(document) + "\n\n**Verdict:** " + verdict(document) + "\n";
  for (const json& violation : document.at("violations"))
    text += "- BREACHED: " + violation.at("message").get<std::string>() + "\n";
  if (document.contains("sites")) {
    text += "\n## Where the memory went\n\n" +
            top_sites_markdown(document.at("sites"), document.at("peak_live_bytes").get<double>());
  }
  for (const Table& table : tables(document)) {
    text += "\n## " + table.title + "\n\n|";
    for (const std::string& column : table.header) text += " " + column + " |";
    text += "\n|";
    for (std::size_t i = 0; i < table.header.size(); ++i) text += i == 0 ? "---|" : "---:|";
    text += "\n";
    for (const std::vector<std::string>& row : table.rows) {
      text += "|";
      for (const std::string& cell : row) text += " " + cell + " |";
      text += "\n";
    }
  }
  return text;
}

std::string profile_html_report(const json& document) {
  json histogram = json::array();
  for (const json& bucket : document.at("alloc_latency_histogram")) {
    histogram.push_back({{"label", bucket.at("highest_ns").dump()}, {"count", bucket.at("count")}});
  }
  json rss = json::array();
  for (const json& snapshot : document.at("memory").at("snapshots")) {
    rss.push_back({{"x", snapshot.at("time_ms")},
                   {"y", snapshot.at("rss_bytes").get<double>() / kBytesPerMB}});
  }
  std::string html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     escape_html(title(document)) + "</title>\n<style>" + kReportStyle +
                     "</style>\n" + chart_js_element() + "</head><body>\n<h1>" +
                     escape_html(title(document)) + "</h1>\n";
  html += "<p>Verdict: <b>" + escape_html(verdict(document)) + "</b></p>\n<ul>\n";
  for (const json& violation : document.at("violations"))
    html +=
        "<li class=\"bad\">" + escape_html(violation.at("message").get<std::string>()) + "</li>\n";
  html +=
      "</ul>\n<div class=\"charts\"><div class=\"chart\"><canvas id=\"latency-histogram\">"
      "</canvas></div><div class=\"chart\"><canvas id=\"rss-over-time\"></canvas></div></div>\n";
  json flame_graphs = json::array();
  if (document.contains("sites")) {
    const json& sites = document.at("sites");
    html += "<h2>Where the memory went</h2>\n" +
            top_sites_html(sites, document.at("peak_live_bytes").get<double>()) +
            flame_graph_elements("flame", "Live bytes at the peak (click a frame to zoom)",
                                 "Time spent allocating");
    add_flame_graphs(flame_graphs, "flame", sites.at("peak_folded"), sites.at("latency_folded"));
  }
  for (const Table& table : tables(document)) {
    html += "<h2>" + escape_html(table.title) + "</h2>\n<table><tr>";
    for (const std::string& column : table.header) html += "<th>" + escape_html(column) + "</th>";
    html += "</tr>\n";
    for (const std::vector<std::string>& row : table.rows) {
      html += "<tr>";
      for (const std::string& cell : row) html += "<td>" + escape_html(cell) + "</td>";
      html += "</tr>\n";
    }
    html += "</table>\n";
  }
  html += "<h2>Charts drawn</h2>\n<pre id=\"chart-status\">charts not drawn</pre>\n";
  html += "<pre id=\"flame-status\">flame graphs not drawn</pre>\n";
  html += charts_script(script_json({{"histogram", histogram}, {"rss", rss}}), kProfileCharts);
  html += flame_graphs_script(flame_graphs);
  return html + "</body></html>\n";
}

}  // namespace memory_baseline
