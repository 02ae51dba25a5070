// report.md and report.html of a profile document: the verdict first, then the process tree (when
// it has more than the program's), counts and bytes by source, live and peak bytes, the
// allocation-latency histogram and the slowest allocations, RSS and the processes over time. One
// table list feeds both formats.
#include <fmt/format.h>

#include <algorithm>
#include <alloc_hooks/alloc_hooks.hpp>
#include <alloc_hooks/site_report.hpp>
#include <iterator>
#include <string_view>
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

std::string verdict(const ProfileDocument& document) {
  std::string text = document.passed ? "every budget held" : "budgets breached";
  text += document.exit.status
              ? fmt::format("; the program exited with status {}", *document.exit.status)
              : fmt::format("; the program was ended by signal {}",
                            document.exit.signal ? std::to_string(*document.exit.signal) : "null");
  if (const std::optional<std::string> stopped = document.exit.stopped_early())
    text += "; the figures go up to its " + *stopped;
  return text;
}

// The counters by name, in the order of their names.
std::vector<std::pair<std::string_view, std::uint64_t ProfileCounters::*>> counters_by_name() {
  std::vector<std::pair<std::string_view, std::uint64_t ProfileCounters::*>> counters = {
#define MEMORY_BASELINE_COUNTER_ENTRY(name) {#name, &ProfileCounters::name},
      ALLOC_HOOKS_SOURCE_COUNTER_FIELDS(MEMORY_BASELINE_COUNTER_ENTRY)
#undef MEMORY_BASELINE_COUNTER_ENTRY
  };
  std::sort(counters.begin(), counters.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return counters;
}

// The processes depth first from the program's, each child after its parent in the order they
// started, with its depth in the tree.
std::vector<std::pair<const ProfileProcess*, std::size_t>> tree_order(
    const std::vector<ProfileProcess>& processes) {
  const auto is_parent = [](const ProfileProcess& parent, const ProfileProcess& child) {
    return child.parent_pid == parent.pid && child.parent_image == parent.image;
  };
  std::vector<std::pair<const ProfileProcess*, std::size_t>> order;
  std::vector<bool> placed(processes.size(), false);
  const auto place = [&](auto& self, std::size_t index, std::size_t depth) -> void {
    placed[index] = true;
    order.emplace_back(&processes[index], depth);
    for (std::size_t child = 0; child < processes.size(); ++child) {
      if (!placed[child] && is_parent(processes[index], processes[child]))
        self(self, child, depth + 1);
    }
  };
  // The tree's roots: the program's process, and any whose parent left no report.
  for (std::size_t i = 0; i < processes.size(); ++i) {
    const bool has_parent =
        std::any_of(processes.begin(), processes.end(),
                    [&](const ProfileProcess& p) { return is_parent(p, processes[i]); });
    if (!placed[i] && !has_parent) place(place, i, 0);
  }
  return order;
}

std::string process_name(const ProfileProcess& process) {
  std::string name = process.command.empty() ? "?" : process.command.front();
  for (std::size_t i = 1; i < process.command.size(); ++i) {
    name += ' ';
    name += process.command[i];
  }
  constexpr std::size_t kLongest = 80;
  return name.size() > kLongest ? name.substr(0, kLongest - 3) + "..." : name;
}

Table tree_table(const ProfileDocument& document) {
  const ProfileTree& tree = *document.tree;
  Table table{
      fmt::format("Process tree: {} processes, {} allocations; peak of summed live bytes "
                  "between {} and {}",
                  tree.processes, tree.allocations,
                  alloc_hooks::format_bytes(static_cast<double>(tree.peak_live_bytes_at_least)),
                  alloc_hooks::format_bytes(static_cast<double>(tree.peak_live_bytes_at_most))),
      {"process", "pid", "ended by", "allocations", "peak live", "live at its end",
       "held at its fork", "started (ms)", "lasted (ms)", "top site at its peak"},
      {}};
  const auto bytes = [](std::int64_t value) {
    return alloc_hooks::format_bytes(static_cast<double>(value));
  };
  for (const auto& [process, depth] : tree_order(document.processes)) {
    std::string indent;
    for (std::size_t i = 0; i < depth; ++i) indent += "· ";
    const bool figures = process->ended_by != "no figures";
    table.rows.push_back(
        {indent + process_name(*process),
         process->image == 0 ? std::to_string(process->pid)
                             : fmt::format("{} (image {})", process->pid, process->image),
         process->ended_by, figures ? std::to_string(process->allocations) : "",
         figures ? bytes(static_cast<std::int64_t>(process->peak_live_bytes)) : "",
         figures ? bytes(process->live_bytes) : "",
         process->inherited_live_bytes != 0 ? bytes(process->inherited_live_bytes) : "",
         fmt::format("{:.1f}", process->started_ms),
         figures ? fmt::format("{:.1f}", process->ended_ms - process->started_ms) : "",
         process->top_site.value_or("")});
  }
  return table;
}

std::vector<Table> tables(const ProfileDocument& document) {
  std::vector<Table> result;
  if (document.processes.size() > 1 && document.tree) result.push_back(tree_table(document));
  // A column per source, headed by its words.
  static constexpr std::pair<ProfileCounters ProfileSources::*, const char*> kSourceColumns[] = {
      {&ProfileSources::operator_new, "operator new"},
      {&ProfileSources::malloc, "malloc family"},
      {&ProfileSources::win32_heap, "Win32 heap"}};
  static_assert(std::size(kSourceColumns) == alloc_hooks::kSourceCount);
  Table counts{"Counts and bytes by source", {"figure", "total"}, {}};
  for (const auto& [source, heading] : kSourceColumns) counts.header.push_back(heading);
  for (const auto& [field, counter] : counters_by_name()) {
    const bool is_bytes = field.find("bytes") != std::string_view::npos;
    const auto cell = [is_bytes](std::uint64_t number) {
      return is_bytes ? fmt::format("{} ({})", number,
                                    alloc_hooks::format_bytes(static_cast<double>(number)))
                      : std::to_string(number);
    };
    std::vector<std::string> row{std::string(field), cell(document.totals.*counter)};
    for (const auto& [source, heading] : kSourceColumns)
      row.push_back(cell(document.by_source.*source.*counter));
    counts.rows.push_back(std::move(row));
  }
  result.push_back(counts);

  const ProfileMemory& memory = document.memory;
  result.push_back(
      {"Memory",
       {"figure", "value"},
       {{"live bytes at exit (leaked or freed later)",
         alloc_hooks::format_bytes(static_cast<double>(document.live_bytes))},
        {"peak live bytes",
         alloc_hooks::format_bytes(static_cast<double>(document.peak_live_bytes))},
        {"live reserved bytes at exit",
         alloc_hooks::format_bytes(static_cast<double>(document.live_reserved_bytes))},
        {"peak RSS (sampled every " + std::to_string(memory.sample_interval_ms) + " ms or more)",
         alloc_hooks::format_bytes(static_cast<double>(memory.peak_rss_bytes))},
        {"wall time", fmt::format("{:.1f} ms", document.wall_time_ms)}}});

  Table latency{
      "Allocation latency (ns)", {"", "count", "p50", "p90", "p99", "p99.9", "max", "mean"}, {}};
  for (const auto& [words, figures] : {std::pair<const char*, const scenarios::LatencyFigures*>{
                                           "allocations", &document.alloc_latency_ns},
                                       {"frees", &document.free_latency_ns}}) {
    std::vector<std::string> row{words};
#define MEMORY_BASELINE_LATENCY_CELL(member, name) row.push_back(std::to_string(figures->member));
    ALLOC_HOOKS_LATENCY_SUMMARY_FIELDS(MEMORY_BASELINE_LATENCY_CELL)
#undef MEMORY_BASELINE_LATENCY_CELL
    latency.rows.push_back(row);
  }
  result.push_back(latency);

  Table slowest{
      "Slowest allocations", {"#", "latency (ns)", "size (bytes)", "thread", "made at"}, {}};
  std::size_t rank = 0;
  for (const ProfiledAllocation& slow : document.slowest_allocations) {
    slowest.rows.push_back({std::to_string(++rank), std::to_string(slow.latency_ns),
                            std::to_string(slow.size), std::to_string(slow.thread_id),
                            slow.site.value_or("")});
  }
  result.push_back(slowest);

  if (!document.snapshots.empty()) {
    Table snapshots{"Snapshots taken while it ran (report.html draws each one's flame graph)",
                    {"#", "at (ms)", "taken", "live bytes", "peak so far", "top site"},
                    {}};
    for (const ProfileSnapshot& snapshot : document.snapshots) {
      snapshots.rows.push_back(
          {std::to_string(snapshot.index), fmt::format("{:.1f}", snapshot.time_ms),
           snapshot.trigger == "signal" ? "on the signal" : "as the peak grew",
           alloc_hooks::format_bytes(static_cast<double>(snapshot.live_bytes)),
           alloc_hooks::format_bytes(static_cast<double>(snapshot.peak_live_bytes)),
           snapshot.top_site.value_or("")});
    }
    result.push_back(snapshots);
  }
  if (!document.sized_delete_mismatches.empty()) {
    Table mismatches{"Sized deletes of another size than allocated",
                     {"requested size", "delete size", "thread"},
                     {}};
    for (const SizedDeleteMismatch& mismatch : document.sized_delete_mismatches) {
      mismatches.rows.push_back({std::to_string(mismatch.requested_size),
                                 std::to_string(mismatch.delete_size),
                                 std::to_string(mismatch.thread_id)});
    }
    result.push_back(mismatches);
  }
  return result;
}

std::string snapshot_title(const ProfileSnapshot& snapshot) {
  return fmt::format("Snapshot {} at {:.1f} ms ({}): live bytes {}", snapshot.index,
                     snapshot.time_ms,
                     snapshot.trigger == "signal" ? "on the signal" : "as the peak grew",
                     alloc_hooks::format_bytes(static_cast<double>(snapshot.live_bytes)));
}

std::string title(const ProfileDocument& document) {
  std::string command = document.program;
  for (const std::string& argument : document.arguments) {
    command += ' ';  // appended apart: GCC 12 warns falsely (-Wrestrict) on " " + string
    command += argument;
  }
  return fmt::format("Profile of {} ({} {})", command, document.allocator.name,
                     document.allocator.version);
}

constexpr const char* kProfileCharts = R"(
draw('latency-histogram', {
  type: 'bar',
  data: {labels: data.histogram.map((b) => b.label),
         datasets: [{label: 'allocations', data: data.histogram.map((b) => b.count), backgroundColor: colour(0)}]},
  options: {plugins: {title: {display: true, text: 'allocation latency histogram (ns, count on a log scale)'}},
            scales: {y: {type: 'logarithmic', title: {display: true, text: 'allocations'}}}}});
draw('process-timeline', {
  type: 'bar',
  data: {labels: data.processes.map((p) => p.label),
         datasets: [{label: 'processes', data: data.processes.map((p) => [p.started, p.ended]), backgroundColor: colour(2)}]},
  options: {indexAxis: 'y',
            plugins: {title: {display: true, text: 'processes of the tree over time (ms since the start)'}},
            scales: {x: {type: 'linear', title: {display: true, text: 'ms'}}}}});
const memoryDatasets = [{label: 'RSS', data: data.rss, borderColor: colour(1), fill: false, pointRadius: 1}];
if (data.live.length > 0)
  memoryDatasets.push({label: 'live bytes', data: data.live, borderColor: colour(3), fill: false, pointRadius: 1});
if (data.snapshots.length > 0)
  memoryDatasets.push({type: 'scatter', label: 'snapshots', data: data.snapshots, backgroundColor: colour(4), pointRadius: 6});
draw('rss-over-time', {
  type: 'line',
  data: {datasets: memoryDatasets},
  options: {plugins: {title: {display: true, text: 'memory over time (MiB); click a snapshot for its flame graph'}},
            scales: {x: {type: 'linear', title: {display: true, text: 'ms'}}, y: {title: {display: true, text: 'MiB'}}},
            onClick: (event, elements, chart) => {
              const hit = elements.find((e) => chart.data.datasets[e.datasetIndex].label === 'snapshots');
              if (hit) location.hash = 'snapshot-' + data.snapshots[hit.index].index;
            }}});
)";

}  // namespace

std::string profile_markdown_report(const ProfileDocument& document) {
  std::string text = "# " + title(document) + "\n\n**Verdict:** " + verdict(document) + "\n";
  for (const ProfileViolation& violation : document.violations)
    text += "- BREACHED: " + violation.message + "\n";
  if (document.sites) {
    text += "\n## Where the memory went\n\n" +
            top_sites_markdown(*document.sites, static_cast<double>(document.peak_live_bytes));
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

std::string profile_html_report(const ProfileDocument& document) {
  json histogram = json::array();
  for (const HistogramBucket& bucket : document.alloc_latency_histogram) {
    histogram.push_back({{"label", std::to_string(bucket.highest_ns)}, {"count", bucket.count}});
  }
  json rss = json::array();
  json live = json::array();
  const bool live_read =
      std::any_of(document.memory.snapshots.begin(), document.memory.snapshots.end(),
                  [](const RssSnapshot& snapshot) { return snapshot.live_bytes != 0; });
  for (const RssSnapshot& snapshot : document.memory.snapshots) {
    rss.push_back(
        {{"x", snapshot.time_ms}, {"y", static_cast<double>(snapshot.rss_bytes) / kBytesPerMB}});
    if (live_read) {
      live.push_back(
          {{"x", snapshot.time_ms}, {"y", static_cast<double>(snapshot.live_bytes) / kBytesPerMB}});
    }
  }
  json snapshots = json::array();
  for (const ProfileSnapshot& snapshot : document.snapshots) {
    snapshots.push_back({{"x", snapshot.time_ms},
                         {"y", static_cast<double>(snapshot.live_bytes) / kBytesPerMB},
                         {"index", snapshot.index}});
  }
  json processes = json::array();
  for (const auto& [process, depth] : tree_order(document.processes)) {
    processes.push_back({{"label", fmt::format("{} {}", process->pid, process_name(*process))},
                         {"started", process->started_ms},
                         {"ended", std::max(process->ended_ms, process->started_ms)}});
  }
  std::string html = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     escape_html(title(document)) + "</title>\n<style>" + kReportStyle +
                     "</style>\n" + chart_js_element() + "</head><body>\n<h1>" +
                     escape_html(title(document)) + "</h1>\n";
  html += "<p>Verdict: <b>" + escape_html(verdict(document)) + "</b></p>\n<ul>\n";
  for (const ProfileViolation& violation : document.violations)
    html += "<li class=\"bad\">" + escape_html(violation.message) + "</li>\n";
  html +=
      "</ul>\n<div class=\"charts\"><div class=\"chart\"><canvas id=\"latency-histogram\">"
      "</canvas></div><div class=\"chart\"><canvas id=\"rss-over-time\"></canvas></div>"
      "<div class=\"chart\"><canvas id=\"process-timeline\"></canvas></div></div>\n";
  json flame_graphs = json::array();
  if (document.sites) {
    const scenarios::SitesFigures& sites = *document.sites;
    html += "<h2>Where the memory went</h2>\n" +
            top_sites_html(sites, static_cast<double>(document.peak_live_bytes)) +
            flame_graph_elements("flame", "Live bytes at the peak (click a frame to zoom)",
                                 "Time spent allocating");
    add_flame_graphs(flame_graphs, "flame", sites.peak_folded, sites.latency_folded);
  }
  if (!document.snapshots.empty()) html += "<h2>Snapshots</h2>\n";
  for (const ProfileSnapshot& snapshot : document.snapshots) {
    const std::string id = fmt::format("snapshot-{}", snapshot.index);
    html += "<div id=\"" + id + "\">" +
            flame_graph_element("flame-" + id, snapshot_title(snapshot)) + "</div>\n";
    add_flame_graph(flame_graphs, "flame-" + id, "bytes", snapshot.live_folded);
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
  html += charts_script(script_json({{"histogram", histogram},
                                     {"rss", rss},
                                     {"live", live},
                                     {"snapshots", snapshots},
                                     {"processes", processes}}),
                        kProfileCharts);
  html += flame_graphs_script(flame_graphs);
  return html + "</body></html>\n";
}

}  // namespace memory_baseline
