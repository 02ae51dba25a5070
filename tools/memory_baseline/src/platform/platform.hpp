// Where the runner's programs are, one implementation file per OS (starting them is the process
// library's).
#pragma once

#include <string>

namespace memory_baseline::platform {

// The folder of the running executable.
std::string executable_directory();
// The file name of a program in that folder ("scenario_vector" or "scenario_vector.exe").
std::string program_file(const std::string& name);

}  // namespace memory_baseline::platform
