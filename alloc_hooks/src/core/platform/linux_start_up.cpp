// The hooks' start-up point on Linux: the executable's .preinit_array, which the dynamic loader
// runs before any shared library's constructor. Libraries allocate in their constructors
// (libstdc++ does), and a tool that intercepts malloc may start itself up inside that first
// call: heaptrack does, holding its lock while it calls operator new. Were the backend loaded
// there, mimalloc's dlopen would enter heaptrack's dlopen hook and wait for that same lock
// forever. Here nobody holds a lock yet.
//
// getenv does not work this early: the C library sets environ from the environment the loader
// passes to this entry only later. It is set here to that same pointer, so that getenv works for
// the hooks' settings and for any tool that starts itself up inside the backend's loading
// (heaptrack reads its output path with getenv; without environ it writes nothing).
//
// Only an executable may have a .preinit_array: CMake pulls this object into executables alone
// (through the symbol below); linked into a shared library, the hooks start up at the first
// allocation instead.
#include <unistd.h>

#include "core/backend.hpp"

extern "C" {
extern const int alloc_hooks_start_before_libraries;
const int alloc_hooks_start_before_libraries = 1;
}

namespace {

void start_before_libraries(int, char**, char** environment) {
  if (environ == nullptr) environ = environment;
  (void)alloc_hooks::detail::active_backend();
}

[[gnu::section(".preinit_array"),
  gnu::used]] void (*const start_before_libraries_entry)(int, char**,
                                                         char**) = start_before_libraries;

}  // namespace
