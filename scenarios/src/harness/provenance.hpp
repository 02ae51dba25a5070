// Provenance of a result document.
#pragma once

#include "scenarios/result_model.hpp"

namespace scenarios {

Provenance provenance();

}  // namespace scenarios
