// Terminal summary of a scenario run (spdlog).
#pragma once

#include "scenarios/harness.hpp"

namespace scenarios {

void log_run(const RunResult& run);

}  // namespace scenarios
