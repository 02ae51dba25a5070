// Machine facts and process control the scenarios need, one implementation file per OS (memory
// readings are the monitor library's).
#pragma once

#include <cstdint>
#include <string>

namespace scenarios::platform {

std::string os_description();  // e.g. "Linux 6.1.0 x86_64"
std::string cpu_model();
// Replaces this process with itself under another alloc_hooks backend (the backend is fixed
// before main). Returns only on failure.
void restart_with_backend(const std::string& backend, char** argv);

}  // namespace scenarios::platform
