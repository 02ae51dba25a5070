// report.html: one self-contained page. The tables are rendered here; the charts are drawn in the
// browser by Chart.js, embedded from Debian's libjs-chart.js at build time, from the data below.
// After drawing, the page lists every chart and its series in #chart-status, which the report
// test reads from headless Chromium.
#include <fmt/format.h>

#include "html.hpp"
#include "memory_baseline/report_tables.hpp"
#include "memory_baseline/reports.hpp"

namespace memory_baseline {

namespace {

std::string table_html(const ReportTable& table) {
  std::string html = "<table><tr><th>figure</th>";
  for (const std::string& allocator : table.allocators)
    html += "<th>" + escape_html(allocator) + "</th>";
  if (table.allocators.size() >= 2)
    html += "<th>" + escape_html(table.allocators[1] + " / " + table.allocators[0]) + "</th>";
  html += "</tr>\n";
  for (const ReportRow& row : table.rows) {
    html += "<tr><td>" + escape_html(row.figure) + "</td>";
    for (const std::string& cell : row.cells) {
      html += (cell == "BREACHED" ? "<td class=\"bad\">" : "<td>") + escape_html(cell) + "</td>";
    }
    if (table.allocators.size() >= 2) html += "<td>" + escape_html(row.ratio) + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

// What the charts draw, per scenario: latency percentiles per run and case, memory over time per
// run.
nlohmann::json chart_data(const Results& results) {
  nlohmann::json scenarios = nlohmann::json::array();
  for (const std::string& scenario : scenarios_in(results)) {
    nlohmann::json latency = nlohmann::json::array(), memory = nlohmann::json::array();
    for (const nlohmann::json& run : results.runs()) {
      if (run.at("scenario") != scenario) continue;
      const std::string allocator = run.at("allocator").at("name");
      for (const nlohmann::json& measured : run.at("cases")) {
        const nlohmann::json& ns = measured.at("alloc_latency_ns");
        latency.push_back(
            {{"label", allocator + " " + measured.at("name").get<std::string>()},
             {"values", {ns.at("p50"), ns.at("p90"), ns.at("p99"), ns.at("p999"), ns.at("max")}}});
      }
      nlohmann::json rss = nlohmann::json::array(), live = nlohmann::json::array();
      for (const nlohmann::json& snapshot : run.at("memory").at("snapshots")) {
        rss.push_back({{"x", snapshot.at("time_ms")},
                       {"y", snapshot.at("rss_bytes").get<double>() / kBytesPerMB}});
        live.push_back({{"x", snapshot.at("time_ms")},
                        {"y", snapshot.at("live_bytes").get<double>() / kBytesPerMB}});
      }
      memory.push_back({{"label", allocator + " RSS"}, {"points", rss}});
      memory.push_back({{"label", allocator + " live bytes"}, {"points", live}});
    }
    scenarios.push_back({{"name", scenario}, {"latency", latency}, {"memory", memory}});
  }
  nlohmann::json bars = {{"scenarios", scenarios_in(results)},
                         {"allocators", allocators_in(results)}};
  nlohmann::json peak_rss = nlohmann::json::array(), reserved_ratio = nlohmann::json::array();
  for (const std::string& allocator : allocators_in(results)) {
    nlohmann::json rss_values = nlohmann::json::array(), ratio_values = nlohmann::json::array();
    for (const std::string& scenario : scenarios_in(results)) {
      const nlohmann::json* run = find_run(results, scenario + "/" + allocator);
      double requested = 0, reserved = 0;
      if (run != nullptr) {
        for (const nlohmann::json& measured : (*run).at("cases")) {
          requested += measured.at("requested_bytes").get<double>();
          reserved += measured.at("reserved_bytes").get<double>();
        }
      }
      rss_values.push_back(
          run == nullptr ? 0.0
                         : (*run).at("process").at("peak_rss_bytes").get<double>() / kBytesPerMB);
      ratio_values.push_back(requested > 0 ? reserved / requested : 0.0);
    }
    peak_rss.push_back({{"label", allocator}, {"values", rss_values}});
    reserved_ratio.push_back({{"label", allocator}, {"values", ratio_values}});
  }
  bars["peak_rss_mb"] = peak_rss;
  bars["reserved_ratio"] = reserved_ratio;
  return {{"scenarios", scenarios}, {"bars", bars}};
}

// Draws every chart from `data` (charts_script records what was drawn).
constexpr const char* kChartsScript = R"(
for (const scenario of data.scenarios) {
  draw('latency-' + scenario.name, {
    type: 'line',
    data: {labels: ['p50', 'p90', 'p99', 'p99.9', 'max'],
           datasets: scenario.latency.map((s, i) => ({label: s.label, data: s.values, borderColor: colour(i), fill: false}))},
    options: {plugins: {title: {display: true, text: scenario.name + ': allocation latency (ns, log scale)'}},
              scales: {y: {type: 'logarithmic', title: {display: true, text: 'ns'}}}}});
  draw('memory-' + scenario.name, {
    type: 'line',
    data: {datasets: scenario.memory.map((s, i) => ({label: s.label, data: s.points, borderColor: colour(i), fill: false,
                                                    pointRadius: 1}))},
    options: {plugins: {title: {display: true, text: scenario.name + ': memory over time (MB)'}},
              scales: {x: {type: 'linear', title: {display: true, text: 'ms'}}, y: {title: {display: true, text: 'MB'}}}}});
}
draw('bars-peak-rss', {
  type: 'bar',
  data: {labels: data.bars.scenarios, datasets: data.bars.peak_rss_mb.map((s, i) => ({label: s.label, data: s.values, backgroundColor: colour(i)}))},
  options: {plugins: {title: {display: true, text: 'peak RSS per scenario (MB)'}}}});
draw('bars-reserved-ratio', {
  type: 'bar',
  data: {labels: data.bars.scenarios, datasets: data.bars.reserved_ratio.map((s, i) => ({label: s.label, data: s.values, backgroundColor: colour(i)}))},
  options: {plugins: {title: {display: true, text: 'reserved / requested bytes per scenario'}}}});
)";

}  // namespace

std::string html_report(const Results& results) {
  const std::string data = script_json(chart_data(results));
  std::string html =
      "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Memory "
      "baseline</title>\n<style>";
  html += kReportStyle;
  html += "</style>\n" + chart_js_element() + "</head><body>\n<h1>Memory baseline</h1>\n";
  html += fmt::format(
      "<p>Verdict: <b>{}</b></p>\n<pre>{}</pre>\n",
      results.document.value("passed", false) ? "every budget held" : "budgets breached",
      escape_html(compliance_lines(results)));
  for (const ReportTable& table : build_report_tables(results)) {
    // fmt rather than a chain of +: GCC 12 warns falsely (-Wrestrict) on long std::string chains.
    html += fmt::format(
        "<h2>{0}</h2>\n<div class=\"charts\"><div class=\"chart\"><canvas "
        "id=\"latency-{0}\"></canvas></div>"
        "<div class=\"chart\"><canvas id=\"memory-{0}\"></canvas></div></div>\n{1}",
        escape_html(table.scenario), table_html(table));
  }
  html +=
      "<h2>All scenarios</h2>\n<div class=\"charts\"><div class=\"chart\"><canvas "
      "id=\"bars-peak-rss\"></canvas></div>"
      "<div class=\"chart\"><canvas id=\"bars-reserved-ratio\"></canvas></div></div>\n";
  html += "<h2>Charts drawn</h2>\n<pre id=\"chart-status\">charts not drawn</pre>\n";
  html += charts_script(data, kChartsScript) + "</body></html>\n";
  return html;
}

}  // namespace memory_baseline
