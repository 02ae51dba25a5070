// Process control for the runner, one implementation file per OS.
#pragma once

#include <string>
#include <vector>

namespace memory_baseline::platform {

// Runs `program` with `arguments`, its stdout and stderr into `log_path`, and waits. Returns its
// exit status, or -1 if it could not start or did not exit normally.
int run_process(const std::string& program, const std::vector<std::string>& arguments,
                const std::string& log_path);
#if defined(_WIN32)
// The command line that hands `arguments` to `program` unchanged, as the C runtime's parser
// (CommandLineToArgvW rules) reads it back.
std::string command_line_of(const std::string& program, const std::vector<std::string>& arguments);
#endif
// The folder of the running executable.
std::string executable_directory();
// The file name of a program in that folder ("scenario_vector" or "scenario_vector.exe").
std::string program_file(const std::string& name);

}  // namespace memory_baseline::platform
