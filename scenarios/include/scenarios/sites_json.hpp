// The call sites of a measured span as the result documents hold them ("sites" of a case in
// result.schema.json, of the program in profile.schema.json): the top sites at the peak, and the
// folded stacks of the peak and of allocation latency that the reports draw as flame graphs.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "alloc_hooks/site_report.hpp"

namespace scenarios {

inline constexpr std::size_t kTopSites = 10;

// {"sample_bytes", "samples", "snapshot_live_bytes", "top": [...], "peak_folded": [[stack, bytes]],
//  "latency_folded": [[stack, ns]]}
nlohmann::json sites_json(const alloc_hooks::SiteReport& report);

// "stack value" lines of a folded-stacks array: the file flamegraph.pl and speedscope read.
std::string folded_text(const nlohmann::json& folded);

}  // namespace scenarios
