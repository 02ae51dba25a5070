// The report a profiled process leaves for `memory_baseline profile` (docs/profile.md): the
// figures, the sampled sites and the modules, in the lines alloc_hooks/profile_format.hpp
// defines, written by the library that was put into a program never linked with the hooks (the
// preload library on Linux, the injected DLL on Windows) when the program exits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Names one module of the process ("module BASE PATH" in the report): where it was loaded (the
// bias of an ELF object, the base of a PE image) and its file.
using ModuleLine = void (*)(std::uintptr_t base, const char* path);

// Which process image writes the report (profile_format.hpp, kProcess); `list_arguments(line)`
// calls `line` for each of its arguments (nullptr: none are written).
using ArgumentLine = void (*)(const char* argument, std::size_t length);
struct ProcessIdentity {
  long long pid = 0, image = 0;
  long long parent_pid = -1, parent_image = -1;  // -1 -1: the process the runner started
  long long started_ns = 0, ended_ns = 0;        // monotonic clock; 0: not known
  void (*list_arguments)(ArgumentLine line) = nullptr;
};

// Writes this process's report to `path` (created or truncated); `ended_by` says how the program
// ended (profile_format.hpp, kEndedBy); `list_modules(line)` calls `line` for each module, so that
// the stacks can be symbolized after the process is gone. Nothing here allocates: the text goes
// through a fixed buffer. The figures are those since the last restart (core/restart.hpp).
// `snapshot_signal`: the kSnapshotSignal line's value, or nullptr. False when the file could not
// be written.
bool write_profile_report(const char* path, const char* ended_by, const ProcessIdentity& process,
                          const char* snapshot_signal, void (*list_modules)(ModuleLine line));

// Writes the start of `process`'s report to `path`: its first line, who it is and its arguments,
// no figures and no end; so that a process that ends without writing its report (SIGKILL) is
// still known. False when the file could not be written.
bool write_profile_report_start(const char* path, const ProcessIdentity& process);

// Writes snapshot `index` to `path` (profile_format.hpp, kSnapshot): the live bytes now, by
// stack, taken at `time_ns` (the monotonic clock) because of `trigger` ("signal" or "growth"). Its
// own buffer: a snapshot may be taken while the report is being written. One at a time: false, and
// nothing written, while another is being written (or when the file could not be written).
bool write_profile_snapshot(const char* path, unsigned index, long long time_ns,
                            const char* trigger);

// In a fork child (one thread): no snapshot is being written, whatever a parent thread was doing
// at the fork.
void restart_profile_snapshots();

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
