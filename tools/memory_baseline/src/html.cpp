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

std::string flame_graph_element(const std::string& id, const std::string& title) {
  return "<div class=\"flame\"><h3>" + escape_html(title) + "</h3><svg id=\"" + escape_html(id) +
         "\" width=\"1100\" height=\"40\"></svg></div>\n";
}

std::string flame_graphs_script(const nlohmann::json& graphs) {
  return "<script>\nconst flameGraphs = " + script_json(graphs) + ";\n" + R"(
const flameDrawn = [];
function flameTree(folded) {
  const root = {name: 'all', value: 0, children: new Map()};
  for (const [stack, value] of folded) {
    if (value <= 0) continue;
    root.value += value;
    let node = root;
    for (const name of stack.split(';')) {
      if (!node.children.has(name)) node.children.set(name, {name, value: 0, children: new Map(), parent: node});
      node = node.children.get(name);
      node.value += value;
    }
  }
  return root;
}
function flameLabel(value, unit) {
  if (unit === 'ns') return value >= 1e6 ? (value / 1e6).toFixed(2) + ' ms' : value.toFixed(0) + ' ns';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (value >= 1024 && i + 1 < units.length) { value /= 1024; ++i; }
  return value.toFixed(i === 0 ? 0 : 2) + ' ' + units[i];
}
function flameDraw(svg, graph, root, focus) {
  const width = svg.width.baseVal.value, row = 18, ns = 'http://www.w3.org/2000/svg';
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const frames = [];
  let depth = 0;
  const place = (node, x, w, level) => {
    depth = Math.max(depth, level + 1);
    frames.push({name: node.name, value: node.value, level});
    const g = document.createElementNS(ns, 'g');
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', x); rect.setAttribute('y', level * row);
    rect.setAttribute('width', Math.max(w - 1, 0.5)); rect.setAttribute('height', row - 1);
    const hue = 10 + (node.name.length * 7 + node.name.charCodeAt(0)) % 40;
    rect.setAttribute('fill', node === root ? '#bbb' : `hsl(${hue}, 80%, ${60 + level % 3 * 5}%)`);
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${node.name}: ${flameLabel(node.value, graph.unit)} (${(100 * node.value / root.value).toFixed(1)} %)`;
    g.appendChild(title); g.appendChild(rect);
    if (w > 40) {
      const text = document.createElementNS(ns, 'text');
      text.setAttribute('x', x + 3); text.setAttribute('y', level * row + 13);
      text.setAttribute('font-size', '11'); text.setAttribute('font-family', 'monospace');
      const fits = Math.floor((w - 6) / 6.6);
      text.textContent = node.name.length > fits ? node.name.slice(0, Math.max(fits - 1, 0)) + '…' : node.name;
      g.appendChild(text);
    }
    g.style.cursor = 'pointer';
    g.addEventListener('click', () => flameDraw(svg, graph, root, node === focus ? root : node));
    svg.appendChild(g);
    let childX = x;
    for (const child of node.children.values()) {
      const childW = w * child.value / node.value;
      place(child, childX, childW, level + 1);
      childX += childW;
    }
  };
  // The focus spans the width; its ancestors sit above it, full width.
  const chain = [];
  for (let node = focus; node; node = node.parent) chain.unshift(node);
  chain.slice(0, -1).forEach((node, level) => {
    const g = document.createElementNS(ns, 'g');
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', 0); rect.setAttribute('y', level * row);
    rect.setAttribute('width', width - 1); rect.setAttribute('height', row - 1);
    rect.setAttribute('fill', '#ddd');
    const text = document.createElementNS(ns, 'text');
    text.setAttribute('x', 3); text.setAttribute('y', level * row + 13); text.setAttribute('font-size', '11');
    text.textContent = node.name;
    g.appendChild(rect); g.appendChild(text);
    g.addEventListener('click', () => flameDraw(svg, graph, root, node));
    svg.appendChild(g);
  });
  place(focus, 0, width, chain.length - 1);
  svg.setAttribute('height', Math.max(depth, 1) * row + 2);
  return frames;
}
for (const graph of flameGraphs) {
  const svg = document.getElementById(graph.id);
  const root = flameTree(graph.folded);
  const frames = root.value > 0 ? flameDraw(svg, graph, root, root) : [];
  if (root.value <= 0) svg.outerHTML = '<p>No sampled site: nothing to draw.</p>';
  flameDrawn.push({id: graph.id, total: root.value, rendered: frames.length > 0 && svg.getBBox !== undefined,
                   frames: frames.map(({name, value, level}) => ({name, value, level}))});
}
document.getElementById('flame-status').textContent = JSON.stringify(flameDrawn);
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
td.finding, li.finding a { color: #a60; }
li.bad a { color: #b00; font-weight: bold; }
table.summary td { position: relative; min-width: 7em; }
.bar { height: 4px; background: #4a7bd0; margin-top: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
.chart { width: 560px; height: 340px; }
table.sites td:last-child { text-align: left; }
.flame svg { border: 1px solid #ddd; }
.flame h3 { font-size: 1em; margin: 1em 0 0.3em; }
)";

}  // namespace memory_baseline
