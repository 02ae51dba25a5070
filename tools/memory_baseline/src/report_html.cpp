// report.html: one self-contained page. The tables are rendered here; the charts are drawn in the
// browser by Chart.js, embedded from Debian's libjs-chart.js at build time, from the data below.
// After drawing, the page lists every chart and its series in #chart-status, which the report
// test reads from headless Chromium.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "html.hpp"
#include "memory_baseline/report_tables.hpp"
#include "memory_baseline/reports.hpp"
#include "memory_baseline/sweep.hpp"
#include "memory_baseline/verdict.hpp"
#include "report_sites.hpp"

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
      html += (cell == "BREACHED"  ? "<td class=\"bad\">"
               : cell == "finding" ? "<td class=\"finding\">"
                                   : "<td>") +
              escape_html(cell) + "</td>";
    }
    if (table.allocators.size() >= 2) html += "<td>" + escape_html(row.ratio) + "</td>";
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

// The verdict summary: a table whose figure cells carry a bar as long as the ratio to the system
// allocator (up to 3x), as mimalloc-bench draws them.
std::string summary_html(const SummaryTable& summary) {
  std::string html =
      "<table class=\"summary\"><tr><th>scenario</th><th>allocator</th><th>budgets</th>";
  for (const std::string& figure : summary.figures) html += "<th>" + escape_html(figure) + "</th>";
  html += "</tr>\n";
  for (const SummaryRow& row : summary.rows) {
    html += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td>",
                        escape_html(row.scenario), escape_html(row.allocator),
                        row.breached.empty() ? "good" : (row.gated ? "bad" : "finding"),
                        escape_html(budgets_cell(row)));
    for (std::size_t i = 0; i < row.values.size(); ++i) {
      const double relative = row.relative[i].value_or(0);
      html += fmt::format("<td>{}{}<div class=\"bar\" style=\"width:{:.0f}%\"></div></td>",
                          escape_html(summary_cell(row.values[i])),
                          row.relative[i] ? fmt::format(" ({:.2f}x)", relative) : std::string(),
                          std::min(relative, 3.0) / 3.0 * 100.0);
    }
    html += "</tr>\n";
  }
  return html +
         "</table>\n<p>x: relative to the system allocator on the same scenario; a bar "
         "spans 3x at full width.</p>\n";
}

std::string build_cost_html(const std::vector<BuildCostRow>& rows) {
  if (rows.empty()) return {};
  std::string html =
      "<h2>What measuring costs the index build</h2>\n<table><tr><th>scenario</th>"
      "<th>allocator</th><th>threads</th><th>hooked s</th><th>no hooks s</th>"
      "<th>hooked / no hooks</th></tr>\n";
  for (const BuildCostRow& row : rows) {
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.2f}</td></tr>\n",
        escape_html(row.scenario), escape_html(row.allocator), row.threads, row.hooked_seconds,
        row.unhooked_seconds, row.ratio);
  }
  return html + "</table>\n";
}

// Per figure of the summary: the ratio to the system allocator, per scenario and allocator.
nlohmann::json relative_chart_data(const SummaryTable& summary, const Results& results) {
  nlohmann::json charts = nlohmann::json::array();
  if (summary.rows.empty()) return charts;  // no runs: the page has no summary
  const std::vector<std::string> scenarios = scenarios_in(results);
  for (std::size_t figure = 0; figure < summary.figures.size(); ++figure) {
    nlohmann::json datasets = nlohmann::json::array();
    for (const std::string& allocator : allocators_in(results)) {
      nlohmann::json values = nlohmann::json::array();
      for (const std::string& scenario : scenarios) {
        std::optional<double> relative;
        for (const SummaryRow& row : summary.rows) {
          if (row.scenario == scenario && row.allocator == allocator)
            relative = row.relative[figure];
        }
        values.push_back(relative ? nlohmann::json(*relative) : nlohmann::json(nullptr));
      }
      datasets.push_back({{"label", allocator}, {"values", values}});
    }
    charts.push_back({{"id", "relative-" + std::to_string(figure)},
                      {"title", summary.figures[figure] + " relative to system"},
                      {"labels", scenarios},
                      {"datasets", datasets}});
  }
  return charts;
}

// Per engine: peak RSS against N per allocator, the fitted lines out to the largest N, and the
// budget's line.
nlohmann::json sweep_chart_data(const SweepDocument& sweep) {
  nlohmann::json charts = nlohmann::json::array();
  const auto limit_mb = static_cast<double>(sweep.limit_mb);
  std::vector<std::string> engines;
  for (const SweepFit& fit : sweep.fits) {
    if (std::find(engines.begin(), engines.end(), fit.engine) == engines.end())
      engines.push_back(fit.engine);
  }
  for (const std::string& engine : engines) {
    double x_max = 0;
    for (const SweepFit& fit : sweep.fits) {
      if (fit.engine == engine && fit.largest_n)
        x_max = std::max(x_max, static_cast<double>(*fit.largest_n) * 1.1);
    }
    for (const SweepPoint& point : sweep.points)
      x_max = std::max(x_max, static_cast<double>(point.n));
    nlohmann::json datasets = nlohmann::json::array();
    for (const SweepFit& fit : sweep.fits) {
      if (fit.engine != engine) continue;
      nlohmann::json measured = nlohmann::json::array();
      for (const SweepPoint& point : sweep.points) {
        if (point.engine == engine && point.allocator == fit.allocator) {
          measured.push_back(
              {{"x", point.n}, {"y", static_cast<double>(point.peak_rss_bytes) / kBytesPerMB}});
        }
      }
      const double intercept = fit.rss.intercept_bytes / kBytesPerMB;
      const double slope = fit.rss.bytes_per_vector / kBytesPerMB;
      datasets.push_back(
          {{"label", fit.allocator + " peak RSS"}, {"kind", "points"}, {"points", measured}});
      datasets.push_back(
          {{"label", fit.allocator + " fit"},
           {"kind", "line"},
           {"points",
            {{{"x", 0}, {"y", intercept}}, {{"x", x_max}, {"y", intercept + slope * x_max}}}}});
    }
    // Peak live bytes are the program's requests, the same under every allocator: one line.
    for (const SweepFit& fit : sweep.fits) {
      if (fit.engine != engine) continue;
      const double intercept = fit.live.intercept_bytes / kBytesPerMB;
      const double slope = fit.live.bytes_per_vector / kBytesPerMB;
      datasets.push_back(
          {{"label", "peak live bytes fit"},
           {"kind", "live"},
           {"points",
            {{{"x", 0}, {"y", intercept}}, {{"x", x_max}, {"y", intercept + slope * x_max}}}}});
      break;
    }
    datasets.push_back(
        {{"label", fmt::format("{:.0f} MiB budget", limit_mb)},
         {"kind", "limit"},
         {"points", {{{"x", 0}, {"y", limit_mb}}, {{"x", x_max}, {"y", limit_mb}}}}});
    charts.push_back({{"id", "sweep-" + engine},
                      {"title", "index-" + engine + ": peak RSS (MiB) against N"},
                      {"datasets", datasets}});
  }
  // Per engine whose points measured recall: the lowest recall over the allocators at each N
  // (as the recall answer pools them) against N on a log scale, and the minimum.
  for (const std::string& engine : engines) {
    std::vector<SweepPoint> own;
    for (const SweepPoint& point : sweep.points) {
      if (point.engine == engine) own.push_back(point);
    }
    const std::map<std::uint64_t, SweepPoint> lowest = lowest_recall_by_n(own);
    if (lowest.empty()) continue;
    const std::string measure = lowest.begin()->second.recall_measure.value_or("recall_at_10");
    nlohmann::json measured = nlohmann::json::array();
    for (const auto& [n, point] : lowest) measured.push_back({{"x", n}, {"y", *point.recall}});
    const double min_recall = sweep.min_recall.value_or(0.9);
    const auto first = lowest.begin()->first, last = lowest.rbegin()->first;
    charts.push_back(
        {{"id", "sweep-recall-" + engine},
         {"title", "index-" + engine + ": " + measure + " against N (default search parameters)"},
         {"x_type", "logarithmic"},
         {"y_title", measure},
         {"datasets",
          {{{"label", measure}, {"kind", "measured"}, {"points", measured}},
           {{"label", fmt::format("minimum {}", min_recall)},
            {"kind", "limit"},
            {"points", {{{"x", first}, {"y", min_recall}}, {{"x", last}, {"y", min_recall}}}}}}}});
  }
  return charts;
}

// The sweep's answers as a table (sweep_answer_table), the "NOT CREDIBLE" ones marked.
std::string sweep_table_html(const SweepDocument& sweep) {
  const std::vector<std::vector<std::string>> table = sweep_answer_table(sweep);
  std::string html = "<table id=\"sweep-table\">";
  for (std::size_t row = 0; row < table.size(); ++row) {
    html += "<tr>";
    for (const std::string& cell : table[row]) {
      const bool bad = cell.find("NOT CREDIBLE") != std::string::npos;
      html += fmt::format("<{0}{1}>{2}</{0}>", row == 0 ? "th" : "td", bad ? " class=\"bad\"" : "",
                          escape_html(cell));
    }
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
    for (const scenarios::ScenarioResult& run : results.runs) {
      if (run.scenario != scenario) continue;
      const std::string& allocator = run.allocator.name;
      for (const scenarios::CaseFigures& measured : run.cases) {
        const scenarios::LatencyFigures& ns = measured.alloc_latency_ns;
        latency.push_back({{"label", allocator + " " + measured.name},
                           {"values", {ns.p50_ns, ns.p90_ns, ns.p99_ns, ns.p999_ns, ns.max_ns}}});
      }
      nlohmann::json rss = nlohmann::json::array(), live = nlohmann::json::array();
      for (const scenarios::SnapshotFigures& snapshot : run.memory.snapshots) {
        rss.push_back({{"x", snapshot.time_ms},
                       {"y", static_cast<double>(snapshot.rss_bytes) / kBytesPerMB}});
        live.push_back({{"x", snapshot.time_ms},
                        {"y", static_cast<double>(snapshot.live_bytes) / kBytesPerMB}});
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
      const scenarios::ScenarioResult* run = results.find_run(scenario + "/" + allocator);
      double requested = 0, reserved = 0;
      if (run != nullptr) {
        for (const scenarios::CaseFigures& measured : run->cases) {
          requested += static_cast<double>(measured.requested_bytes);
          reserved += static_cast<double>(measured.reserved_bytes);
        }
      }
      rss_values.push_back(
          run == nullptr ? 0.0 : static_cast<double>(run->process.peak_rss_bytes) / kBytesPerMB);
      ratio_values.push_back(requested > 0 ? reserved / requested : 0.0);
    }
    peak_rss.push_back({{"label", allocator}, {"values", rss_values}});
    reserved_ratio.push_back({{"label", allocator}, {"values", ratio_values}});
  }
  bars["peak_rss_mb"] = peak_rss;
  bars["reserved_ratio"] = reserved_ratio;
  return {{"scenarios", scenarios},
          {"bars", bars},
          {"relative", relative_chart_data(build_summary(results), results)},
          {"sweep", results.sweep ? sweep_chart_data(*results.sweep) : nlohmann::json::array()}};
}

// Draws every chart from `data` (charts_script records what was drawn).
constexpr const char* kChartsScript = R"(
for (const chart of data.relative) {
  draw(chart.id, {
    type: 'bar',
    data: {labels: chart.labels, datasets: chart.datasets.map((s, i) => ({label: s.label, data: s.values, backgroundColor: colour(i)}))},
    options: {indexAxis: 'y', plugins: {title: {display: true, text: chart.title}},
              scales: {x: {title: {display: true, text: 'x system'}}}}});
}
for (const chart of data.sweep) {
  draw(chart.id, {
    type: 'scatter',
    data: {datasets: chart.datasets.map((s, i) => ({label: s.label, data: s.points,
      showLine: s.kind !== 'points', borderDash: s.kind === 'limit' ? [6, 4] : s.kind === 'live' ? [2, 2] : [],
      borderColor: s.kind === 'limit' ? '#c00' : s.kind === 'live' ? '#555' : colour(Math.floor(i / 2)),
      backgroundColor: s.kind === 'limit' ? '#c00' : s.kind === 'live' ? '#555' : colour(Math.floor(i / 2)),
      pointRadius: s.kind === 'points' || s.kind === 'measured' ? 4 : 0}))},
    options: {plugins: {title: {display: true, text: chart.title}},
              scales: {x: {type: chart.x_type || 'linear', title: {display: true, text: 'vectors (N)'}},
                       y: {title: {display: true, text: chart.y_title || 'MiB'}}}}});
}
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
    options: {plugins: {title: {display: true, text: scenario.name + ': memory over time (MiB)'}},
              scales: {x: {type: 'linear', title: {display: true, text: 'ms'}}, y: {title: {display: true, text: 'MiB'}}}}});
}
draw('bars-peak-rss', {
  type: 'bar',
  data: {labels: data.bars.scenarios, datasets: data.bars.peak_rss_mb.map((s, i) => ({label: s.label, data: s.values, backgroundColor: colour(i)}))},
  options: {plugins: {title: {display: true, text: 'peak RSS per scenario (MiB)'}}}});
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
  // The verdict, then each breach (gated) and finding (not gated) linking to its section.
  html += fmt::format("<section id=\"verdict\"><p><b>{}</b></p>\n<ul id=\"breaches\">",
                      escape_html(verdict_words(results)));
  for (const Breach& breach : breaches(results)) {
    html += fmt::format("<li class=\"{}\"><a href=\"#{}\">{}</a></li>",
                        breach.gated ? "bad" : "finding", escape_html(breach.anchor),
                        escape_html(breach_line(breach, "")));
  }
  html += "</ul></section>\n";
  const SummaryTable summary = build_summary(results);
  if (!summary.rows.empty()) {
    html += "<h2>Summary</h2>\n" + summary_html(summary) + "<div class=\"charts\">";
    for (std::size_t figure = 0; figure < summary.figures.size(); ++figure) {
      html +=
          fmt::format("<div class=\"chart\"><canvas id=\"relative-{}\"></canvas></div>", figure);
    }
    html += "</div>\n";
  }
  if (results.sweep) {
    const SweepDocument& sweep = *results.sweep;
    html += "<h2 id=\"sweep\">Largest N within the budget</h2>\n<div class=\"charts\">";
    for (const nlohmann::json& chart : sweep_chart_data(sweep)) {
      html += fmt::format("<div class=\"chart\"><canvas id=\"{}\"></canvas></div>",
                          escape_html(chart.at("id").get<std::string>()));
    }
    html += "</div>\n" + sweep_table_html(sweep) + "<ul id=\"sweep-answer\">";
    for (const std::string& line : sweep_answer_lines(sweep))
      html += "<li>" + escape_html(line) + "</li>";
    html += "</ul>\n";
  }
  html += build_cost_html(build_cost_rows(results));
  if (!results.runs.empty()) html += "<h1>Details</h1>\n";
  const std::vector<SitesView> views = sites_views(results);
  nlohmann::json flame_graphs = nlohmann::json::array();
  for (const ReportTable& table : build_report_tables(results)) {
    // fmt rather than a chain of +: GCC 12 warns falsely (-Wrestrict) on long std::string chains.
    html += fmt::format(
        "<h2 id=\"{2}\">{0}</h2>\n<div class=\"charts\"><div class=\"chart\"><canvas "
        "id=\"latency-{0}\"></canvas></div>"
        "<div class=\"chart\"><canvas id=\"memory-{0}\"></canvas></div></div>\n{1}",
        escape_html(table.scenario), table_html(table),
        escape_html(scenario_anchor(table.scenario)));
    for (const SitesView& view : views) {
      if (view.scenario != table.scenario) continue;
      const std::string prefix = "flame-" + view.scenario;
      html += fmt::format("<h3>Where the memory went: {} under {}</h3>\n",
                          escape_html(view.scenario), escape_html(view.allocator));
      html += top_sites_html(view.sites, view.peak_bytes);
      html += flame_graph_elements(
          prefix,
          fmt::format("Live bytes at the peak of case {} (click a frame to zoom)", view.case_name),
          "Time spent allocating, every case");
      add_flame_graphs(flame_graphs, prefix, view.sites.peak_folded, view.latency_folded);
    }
  }
  html +=
      "<h2>All scenarios</h2>\n<div class=\"charts\"><div class=\"chart\"><canvas "
      "id=\"bars-peak-rss\"></canvas></div>"
      "<div class=\"chart\"><canvas id=\"bars-reserved-ratio\"></canvas></div></div>\n";
  html += "<h2>Charts drawn</h2>\n<pre id=\"chart-status\">charts not drawn</pre>\n";
  html += "<pre id=\"flame-status\">flame graphs not drawn</pre>\n";
  html +=
      charts_script(data, kChartsScript) + flame_graphs_script(flame_graphs) + "</body></html>\n";
  return html;
}

}  // namespace memory_baseline
