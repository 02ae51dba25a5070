// Lock-free registry of per-thread counter records (see thread_counters.hpp).
#include <new>

#include "core/platform/platform.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks::detail {

namespace {
std::atomic<ThreadCounters*> registry_head{nullptr};
}

ThreadCounters* first_thread_counters() {
  return registry_head.load(std::memory_order_acquire);
}

ThreadCounters* acquire_thread_counters() {
  ThreadCounters* counters = nullptr;
  for (ThreadCounters* candidate = first_thread_counters(); candidate != nullptr;
       candidate = candidate->next) {
    bool free_record = false;
    if (candidate->in_use.compare_exchange_strong(free_record, true, std::memory_order_acq_rel)) {
      counters = candidate;
      break;
    }
  }
  if (counters == nullptr) {
    void* pages = platform::map_zeroed_pages(sizeof(ThreadCounters));
    if (pages == nullptr) platform::fail_fast("out of memory for per-thread counters", 2);
    // Zeroed pages are a valid all-zero record; placement new only begins its lifetime.
    counters = new (pages) ThreadCounters;
    counters->in_use.store(true, std::memory_order_relaxed);
    ThreadCounters* head = registry_head.load(std::memory_order_relaxed);
    do {
      counters->next = head;
    } while (!registry_head.compare_exchange_weak(head, counters, std::memory_order_release,
                                                  std::memory_order_relaxed));
  }
  counters->thread_id = platform::current_thread_id();
  return counters;
}

void release_thread_counters(ThreadCounters* counters) {
  counters->in_use.store(false, std::memory_order_release);
}

}  // namespace alloc_hooks::detail
