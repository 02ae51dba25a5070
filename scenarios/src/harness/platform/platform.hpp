// Machine facts and process control the scenarios need, one implementation file per OS (memory
// readings are the monitor library's).
#pragma once

#include <cstdint>
#include <string>

namespace scenarios::platform {

std::string os_description();  // e.g. "Linux 6.1.0 x86_64"
std::string cpu_model();
// Runs this program again, same arguments, under another alloc_hooks backend (the backend is
// fixed before main): Linux replaces the process (exec); Windows runs a child and exits with its
// status. Returns only on failure.
void restart_with_backend(const std::string& backend, char** argv);

}  // namespace scenarios::platform
