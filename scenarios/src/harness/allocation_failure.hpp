// After a std::bad_alloc, in the run (harness.cpp) or around it (cli.cpp): what refused the
// allocation, with the live-bytes limit lifted so that the program can go on to report it.
#pragma once

#include <cstdint>

namespace scenarios {

struct AllocationFailure {
  bool refused_by_limit = false;  // else memory ran out
  std::uint64_t live_bytes_limit = 0;
};
// Reads the hooks' budget report, then lifts the limit. Allocates nothing.
AllocationFailure take_allocation_failure();

}  // namespace scenarios
