// The keeper (Linux preload library): a process started beside the profiled program that shares
// the hooks' state with it and writes the report when the program ended without writing it
// (SIGKILL, a stack overflow, an exit_group or execve system call made directly), so that the
// figures survive every end (docs/profile.md).
//
// What the report reads lives in two places, both shared memory when the keeper starts: the pages
// the hooks map for it (platform::map_report_pages), carved from one shared reservation made at
// the first such request, and this library's own writable data (its .data and .bss), remapped in
// place as a shared copy before the keeper is forked. The keeper is a grandchild made by fork (so
// not the program's child: a program waiting for all its children does not wait for it), in a
// session of its own, its signals blocked and the program's files closed; it holds a lock until it
// ends, which the runner takes before reading the report, and watches the program through a pidfd.
// A fork child of the program gets private copies of both places first, so that it does not count
// into the program's figures.
#pragma once

#include "core/internal.hpp"

ALLOC_HOOKS_INTERNAL_BEGIN
namespace alloc_hooks::detail {

// Has each fork child of the program (but the keeper's forks) make private copies of the shared
// pages and data first: registered when the library starts, whether a keeper starts or not.
void keep_fork_children_apart();

// Starts the keeper, which holds a lock on `lock_path` until it ends (the runner waits for that
// before reading the report) and calls `after_the_program()` once the program has ended (however
// it ended: the callback writes the report unless the program did). Does nothing when the process
// already runs more than one thread (remapping would lose their writes) or the OS refuses a step:
// the program then runs as without a keeper.
void start_keeper(const char* lock_path, void (*after_the_program)());

}  // namespace alloc_hooks::detail
ALLOC_HOOKS_INTERNAL_END
