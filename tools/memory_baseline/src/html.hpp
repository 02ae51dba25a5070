// What the HTML reports share: escaping, data for a script element, and the embedded Chart.js.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace memory_baseline {

std::string escape_html(const std::string& text);
// `data` as JavaScript source for a script element ("</" would end the element: "<\/" instead).
std::string script_json(const nlohmann::json& data);
// A <script> element holding Chart.js.
std::string chart_js_element();
// A <script> element that draws charts: `drawing` calls draw(id, Chart.js config) (colour(i) picks
// a series colour) with `data` in scope; afterwards every chart drawn and its series are listed
// in the element #chart-status, which the report tests read from headless Chromium.
std::string charts_script(const std::string& data, const char* drawing);
// A flame graph's place in the page: an <svg> that flame_graphs_script fills.
std::string flame_graph_element(const std::string& id, const std::string& title);
// A <script> element that draws every flame graph of `graphs` ([{id, unit, folded: [[stack,
// value]...]}]) as an icicle (root on top, each frame as wide as its share; a click zooms into a
// frame, a click on the root zooms out) and lists in #flame-status what each drew: its total and
// every frame with its value, which the report tests read from headless Chromium.
std::string flame_graphs_script(const nlohmann::json& graphs);
// The page style both reports use.
extern const char* const kReportStyle;

}  // namespace memory_baseline
