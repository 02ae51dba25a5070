// What `memory_baseline profile` needs of the OS: find a program, tell whether the hooks' library
// can be put into it, and start it with that library and extra environment and its own standard
// streams (process/ then says how it ended). Linux preloads liballoc_hooks_preload.so (LD_PRELOAD);
// Windows starts the program suspended and loads alloc_hooks_inject.dll into it before it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "memory_baseline/profile.hpp"

namespace memory_baseline::platform {

// The program's file: `name` itself when it names a folder, else the first match on the search
// path; nullopt when there is none, or it is not an executable file.
std::optional<std::string> find_program(const std::string& name);
// Why the hooks' library cannot be put into the program, or "" (Linux: a dynamically linked
// 64-bit ELF executable that runs as the runner's user and group, or a script whose interpreter is
// one; Windows: a 64-bit PE executable).
std::string why_not_preloadable(const std::string& program);
// Why `allocator` cannot be the program's allocator in a profile here, or "".
std::string allocator_problem(const std::string& allocator);
// The ends after which the hooks' library cannot write the program's figures, as the line that
// says there are none names them ("SIGKILL, ...").
const char* ends_without_figures();
// Whether the hooks' library follows the program's child processes here (Linux: fork children and
// every program started, each with a report of its own; Windows: the program's process only).
bool follows_process_trees();
// Makes the runner the parent of the processes of the program's tree whose parent ends before
// them (Linux: a child subreaper), so that it can wait for the whole tree to end.
void adopt_orphans();
// Reaps the adopted processes that ended, but never `program` (its process::Process waits for it).
void reap_orphans(std::int64_t program);
// The ids of the runner's children still running.
std::vector<std::int64_t> running_children();
// Whether the hooks' library takes snapshots while the program runs here (Linux: on SIGUSR2 and as
// the peak grows; Windows: none).
bool takes_snapshots();
// A reader of the program's live bytes while it runs, for the sampler (monitor::Readers): from the
// address the report's start at `report_path` names, in process `program`, read from outside
// (Linux: process_vm_readv); it reads 0 until the report's start is there and once that image has
// ended (the report rewritten). Empty where the program's memory is not read (Windows).
std::function<std::int64_t()> live_bytes_reader(std::int64_t program,
                                                const std::string& report_path);
// Where the hooks' library must be: beside the runner (Linux: ../lib/liballoc_hooks_preload.so;
// Windows: alloc_hooks_inject.dll in the runner's folder).
std::string hooks_library();
// Starts the program file `program` with `argument0` (the name as the user gave it) and
// `arguments` as its arguments, the hooks' `library` in it and `extra_environment`
// ("NAME=value") over the runner's own; it shares the runner's standard streams. Throws
// process::StartError when it cannot start.
process::Process start_program(const std::string& program, const std::string& argument0,
                               const std::vector<std::string>& arguments,
                               const std::string& library,
                               const std::vector<std::string>& extra_environment);

}  // namespace memory_baseline::platform
