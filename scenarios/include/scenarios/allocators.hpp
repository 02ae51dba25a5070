// The allocators a run may choose (alloc_hooks' backends), for the tools that start measured
// processes: which this build has, and the environment a process needs from its start to run
// under one.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace scenarios {

// Every backend alloc_hooks knows, built or not: what the --allocator flags accept.
std::vector<std::string> allocator_names();
// Those this build has, in the same order (the default of --allocators).
std::vector<std::string> built_allocators();
// "" when `name` is built, else why it is not and how to get it.
std::string allocator_missing(const std::string& name);
// The environment variables (name, value) a process needs from its start to run under `name`:
// ALLOC_HOOKS_BACKEND, and for jemalloc GLIBC_TUNABLES (extended if already set).
std::vector<std::pair<std::string, std::string>> allocator_environment(const std::string& name);

}  // namespace scenarios
