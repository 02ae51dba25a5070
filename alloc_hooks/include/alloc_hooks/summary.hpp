// Human-readable summaries of alloc_hooks figures, printed through spdlog (never on the hot path).
#pragma once

#include <string>

#include "alloc_hooks/alloc_hooks.hpp"

namespace alloc_hooks {

std::string format_summary(const Counters& counters);
std::string format_summary(const WindowResult& result);
// Logs the process-wide figures and the slowest allocations at info level.
void log_summary();

}  // namespace alloc_hooks
