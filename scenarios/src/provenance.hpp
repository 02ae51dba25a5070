// Provenance of a result document.
#pragma once

#include <nlohmann/json.hpp>

namespace scenarios {

nlohmann::json provenance();

}  // namespace scenarios
