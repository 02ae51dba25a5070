// What `memory_baseline profile` needs of the OS: find a program, tell whether preloading can reach
// it, start it with extra environment and its own standard streams, and learn how it ended.
// Linux only (LD_PRELOAD); on Windows the first of these refuses.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "memory_baseline/profile.hpp"

namespace memory_baseline::platform {

// The program's file: `name` itself when it holds a '/', else the first match on PATH; nullopt
// when there is none, or it is not an executable file.
std::optional<std::string> find_program(const std::string& name);
// Why a preload library cannot reach the program, or "" (a dynamically linked executable, or a
// script whose interpreter is one).
std::string why_not_preloadable(const std::string& program);
// Starts the program with `extra_environment` ("NAME=value") over the runner's own; it shares the
// runner's standard streams. Returns its process id; throws InputError when it cannot start.
int start_program(const std::string& program, const std::vector<std::string>& arguments,
                  const std::vector<std::string>& extra_environment);
// How the program ended, or nullopt while it runs (does not wait).
std::optional<ProgramEnd> program_end(int process_id);
// The preload library beside the runner (../lib), or "" when it is not there.
std::string preload_library();

}  // namespace memory_baseline::platform
