// The report a profiled process leaves for `memory_baseline profile` (docs/profile.md): the
// figures, the sampled sites and the modules, in the lines alloc_hooks/profile_format.hpp
// defines, written by the library that was put into a program never linked with the hooks (the
// preload library on Linux, the injected DLL on Windows) when the program exits.
#pragma once

#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Names one module of the process ("module BASE PATH" in the report): where it was loaded (the
// bias of an ELF object, the base of a PE image) and its file.
using ModuleLine = void (*)(std::uintptr_t base, const char* path);

// Writes this process's report to `path` (created or truncated); `ended_by` says how the program
// ended (profile_format.hpp, kEndedBy); `list_modules(line)` calls `line` for each module, so that
// the stacks can be symbolized after the process is gone. Nothing here allocates: the text goes
// through a fixed buffer. False when the file could not be written.
bool write_profile_report(const char* path, const char* ended_by,
                          void (*list_modules)(ModuleLine line));

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
