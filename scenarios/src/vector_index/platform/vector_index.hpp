// The OS part of the index scenario (vector_index/), one implementation file per OS
// (linux.cpp, windows.cpp beside it): what a mutex costs, the id its saved index is
// named by, and how the build is run in a process with no hooks (build_cost.hpp).
#pragma once

#include <cstddef>
#include <process/process.hpp>
#include <string>
#include <vector>

namespace scenarios::platform {

// The bytes a std::mutex allocates at its first lock and keeps until it is destroyed: mingw-w64's
// (winpthreads) makes its state then; glibc's and MSVC's hold theirs inside. hnswlib locks two
// per element it inserts.
std::size_t mutex_state_bytes();

// This process's id: runs side by side (a sweep's points) save their indexes to different files.
long process_id();

// The command that runs vector_index_build, which lies beside this program, with `arguments`, in
// a process whose allocations go where this process's hooks send them under the backend
// `allocator` ("system", "mimalloc", ...), with no hooks: Linux preloads the allocator's library
// the hooks loaded; Windows runs the build linked with that allocator
// (vector_index_build_mimalloc), whose operator new is the allocator's and malloc the C runtime's,
// as under the hooks there. Throws std::runtime_error when there is none (Linux: the allocator's
// library is not loaded here; Windows: no build linked with it lies beside this program).
process::Command unhooked_build_command(const std::vector<std::string>& arguments,
                                        const std::string& allocator);

}  // namespace scenarios::platform
