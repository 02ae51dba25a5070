// What the global object in static_init_object.cpp saw during static initialisation.
#pragma once

#include <cstdint>

struct StaticInitFigures {
  std::uint64_t allocations_counted;
  std::uint64_t bytes_counted;
};
extern StaticInitFigures static_init_figures;
