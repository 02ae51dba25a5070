// Helpers of the HTML reports (html.hpp).
#include "html.hpp"

#include "embedded_files.hpp"

namespace memory_baseline {

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (const char character : text) {
    switch (character) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += character;
    }
  }
  return escaped;
}

std::string script_json(const nlohmann::json& data) {
  std::string text;
  for (const char character : data.dump()) {
    if (character == '/' && !text.empty() && text.back() == '<') text += '\\';
    text += character;
  }
  return text;
}

std::string chart_js_element() {
  std::string element = "<script>\n";
  element.append(chart_js_source(), chart_js_size());
  return element + "\n</script>\n";
}

std::string charts_script(const std::string& data, const char* drawing) {
  return "<script>\nconst data = " + data + ";\n" + R"(
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const colour = (i) => palette[i % palette.length];
const drawn = [];
function draw(id, config) {
  config.options = Object.assign({animation: false, responsive: true, maintainAspectRatio: false}, config.options);
  drawn.push({id, chart: new Chart(document.getElementById(id), config)});
}
)" + drawing +
         R"(
document.getElementById('chart-status').textContent = JSON.stringify(drawn.map(({id, chart}) => ({
  id, type: chart.config.type, rendered: chart.canvas.width > 0 && chart.canvas.height > 0,
  series: chart.data.datasets.map((d) => ({label: d.label, points: d.data.length,
    values: d.data.map((v) => (v !== null && typeof v === 'object') ? v.y : v)}))})));
</script>
)";
}

const char* const kReportStyle = R"(
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:first-child, th:first-child { text-align: left; }
td.bad { color: #b00; font-weight: bold; }
td.good { color: #070; }
table.summary td { position: relative; min-width: 7em; }
.bar { height: 4px; background: #4a7bd0; margin-top: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
.chart { width: 560px; height: 340px; }
)";

}  // namespace memory_baseline
