// A scenario program for the preemption tests: each iteration allocates one block of kSlowSize
// bytes, and the system backend's malloc of that size can be made slow in three ways, chosen by
// SLOW_BACKEND_MODE for the first SLOW_BACKEND_CALLS such calls (default: all of them):
//   preempted  the CPU is taken away from the thread for 20 ms (a busy thread on its CPU)
//   cpu        the call itself keeps the CPU busy for 20 ms (slow work: must fail at once)
//   lock       the call waits 20 ms for a lock another thread holds (blocked, not preempted)
// Every other malloc goes straight to glibc's, so only that one call per iteration is slow.
#include <pthread.h>
#include <unistd.h>

#include <alloc_hooks/observe.hpp>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <scenarios/harness.hpp>

#include "support/preemption.hpp"

extern "C" void* __libc_malloc(std::size_t size);

namespace {

constexpr std::size_t kSlowSize = 777'000;
constexpr double kSlowMs = 20;
std::atomic<long> slow_calls_left{-1};  // -1: not read yet

long read_slow_calls() {
  const char* calls = std::getenv("SLOW_BACKEND_CALLS");
  return calls != nullptr ? std::atol(calls) : 1'000'000'000;
}

void wait_for_a_held_lock(double ms) {
  struct Holder {
    double ms;
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_barrier_t held{};
  } holder{ms};
  pthread_barrier_init(&holder.held, nullptr, 2);
  pthread_t thread;
  pthread_create(
      &thread, nullptr,
      [](void* argument) -> void* {
        auto* state = static_cast<Holder*>(argument);
        pthread_mutex_lock(&state->mutex);
        pthread_barrier_wait(&state->held);
        usleep(static_cast<useconds_t>(state->ms * 1000));
        pthread_mutex_unlock(&state->mutex);
        return nullptr;
      },
      &holder);
  pthread_barrier_wait(&holder.held);
  pthread_mutex_lock(&holder.mutex);  // blocks until the holder lets go
  pthread_mutex_unlock(&holder.mutex);
  pthread_join(thread, nullptr);
  pthread_barrier_destroy(&holder.held);
}

void be_slow() {
  long left = slow_calls_left.load();
  if (left < 0) left = read_slow_calls();
  if (left == 0) return;
  slow_calls_left.store(left - 1);
  const char* mode = std::getenv("SLOW_BACKEND_MODE");
  if (mode == nullptr) return;
  if (std::strcmp(mode, "preempted") == 0) test_support::be_preempted_for(kSlowMs);
  if (std::strcmp(mode, "cpu") == 0) test_support::spin_for(kSlowMs);
  if (std::strcmp(mode, "lock") == 0) wait_for_a_held_lock(kSlowMs);
}

}  // namespace

// The hooks ask the backend for exactly the request; the range (up to a page more) leaves room for
// a backend that rounds.
extern "C" void* malloc(std::size_t size) {
  if (size >= kSlowSize && size < kSlowSize + 4096) be_slow();
  return __libc_malloc(size);
}

int main(int argc, char** argv) {
  scenarios::Scenario scenario;
  scenario.name = "slow_backend";
  scenario.description = "one allocation per iteration whose backend call may be made slow";
  scenario.expectation_note = "one block of 777,000 bytes";
  scenario.parameters = nlohmann::json::object();
  scenario.default_iterations = 3;
  scenario.too_slow_words = "Iteration too slow";
  scenario.too_much_memory_words = "Too much memory";
  scenario.cases.push_back({"one block", nlohmann::json::object(), kSlowSize, 1,
                            [](scenarios::Measurement& measurement) {
                              measurement.begin();
                              void* block = ::operator new(kSlowSize);
                              alloc_hooks::keep_observable(block);
                              ::operator delete(block);
                              measurement.end();
                            }});
  return scenarios::scenario_main(argc, argv, scenario);
}
