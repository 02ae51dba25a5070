// A global object in its own translation unit that allocates in its constructor (before main) and
// in its destructor (after main). The destructor ends the process with status 3 if its allocation
// was not counted, which fails the test run.
#include <cstdio>
#include <cstdlib>

#include <new>

#include "alloc_hooks/alloc_hooks.hpp"
#include "static_init_object.hpp"
#include "support/observe.hpp"

namespace {

struct AllocatesAtStartAndExit {
  AllocatesAtStartAndExit() {
    const alloc_hooks::Counters before = alloc_hooks::read_counters();
    block = ::operator new(333);
    test_support::keep(block);
    const alloc_hooks::Counters after = alloc_hooks::read_counters();
    static_init_figures.allocations_counted = after.allocations - before.allocations;
    static_init_figures.bytes_counted = after.bytes_allocated - before.bytes_allocated;
  }
  ~AllocatesAtStartAndExit() {
    ::operator delete(block);
    const alloc_hooks::Counters before = alloc_hooks::read_counters();
    void* at_exit = ::operator new(444);
    test_support::keep(at_exit);
    ::operator delete(at_exit);
    const alloc_hooks::Counters after = alloc_hooks::read_counters();
    if (after.allocations - before.allocations != 1 ||
        after.bytes_allocated - before.bytes_allocated != 444 ||
        after.live_bytes != before.live_bytes) {
      static const char message[] = "allocation in a static destructor was not counted\n";
      std::fputs(message, stderr);
      std::_Exit(3);
    }
  }
  void* block = nullptr;
};

AllocatesAtStartAndExit global_object;

}  // namespace

StaticInitFigures static_init_figures;
