// A scenario program for the preemption tests: each iteration allocates one block of kSlowSize
// bytes, and the system backend's malloc of that size is made slow, 20 ms at least, for the first
// SLOW_BACKEND_CALLS such calls (default: all of them): every such call breaks a budget below
// 20 ms, whatever the machine does.
//
// What the scheduler did to the thread meanwhile is not left to the machine either: the harness
// reads it through the scenario's schedule seam (Scenario::read_schedule), and SLOW_BACKEND_MODE
// says what each slow call reports there (a comma-separated list is taken in turn, call by call):
//   preempted          the CPU taken away for the whole iteration: switched out, never blocked
//   preempted-briefly  switched out for 1 ms only, on the CPU the rest: slow work that a short
//                      preemption does not explain
//   cpu                on the CPU throughout: slow work
//   lock               blocked waiting for a lock another thread holds (and switched out too); the
//                      call really waits for one
// With SLOW_BACKEND_SCHEDULE=real the harness reads the real scheduler instead: a real lock wait
// blocks on any machine, so the lock mode's verdict is the same.
//
// Only an iteration with a slow call is timed (alloc_hooks::set_timing): another iteration's one
// allocation may take longer than the budget when this machine preempts it for real, which no test
// here is about. Every other malloc goes straight to glibc's.
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <alloc_hooks/alloc_hooks.hpp>
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
constexpr std::uint64_t kBriefOffCpuNs = 1'000'000;

enum class Mode { none, preempted, preempted_briefly, cpu, lock };

// The modes of SLOW_BACKEND_MODE in turn; read without allocating (this runs inside malloc).
struct Modes {
  static constexpr std::size_t kCapacity = 8;
  Mode modes[kCapacity] = {};
  std::size_t count = 0;
};

Mode mode_named(const char* name, std::size_t length) {
  const auto is = [&](const char* word) {
    return std::strlen(word) == length && std::strncmp(name, word, length) == 0;
  };
  if (is("preempted")) return Mode::preempted;
  if (is("preempted-briefly")) return Mode::preempted_briefly;
  if (is("cpu")) return Mode::cpu;
  if (is("lock")) return Mode::lock;
  return Mode::none;
}

const Modes& modes() {
  static const Modes parsed = [] {
    Modes read;
    const char* list = std::getenv("SLOW_BACKEND_MODE");
    while (list != nullptr && *list != '\0' && read.count < Modes::kCapacity) {
      const std::size_t length = std::strcspn(list, ",");
      read.modes[read.count++] = mode_named(list, length);
      list += length + (list[length] == ',' ? 1 : 0);
    }
    return read;
  }();
  return parsed;
}

std::atomic<long> slow_calls_left{-1};  // -1: not read yet
std::atomic<long> slow_calls_made{0};

long slow_calls_due() {
  long left = slow_calls_left.load();
  if (left < 0) {
    const char* calls = std::getenv("SLOW_BACKEND_CALLS");
    left = calls != nullptr ? std::atol(calls) : 1'000'000'000;
    slow_calls_left.store(left);
  }
  return left;
}

// What the last slow call reports to the harness's next reading.
std::atomic<Mode> reported{Mode::none};

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
  if (slow_calls_due() == 0 || modes().count == 0) return;
  slow_calls_left.store(slow_calls_left.load() - 1);
  const Modes& list = modes();
  const Mode mode = list.modes[static_cast<std::size_t>(slow_calls_made++) % list.count];
  if (mode == Mode::none) return;  // a name none of the above: not slow
  if (mode == Mode::lock) {
    wait_for_a_held_lock(kSlowMs);
  } else {
    test_support::spin_for(kSlowMs);
  }
  reported.store(mode);
}

// The scheduler as the slow calls report it: the thread's CPU time runs with the clock except for
// the time a call says the CPU was taken away or the thread blocked. Each reading reads the clock
// once, so the harness's wall time minus CPU time is exactly the time reported off the CPU.
struct FakeScheduler {
  std::uint64_t last_wall_ns = 0;
  std::uint64_t off_cpu_ns = 0;
  std::uint64_t voluntary = 0, involuntary = 0;
};
FakeScheduler fake;

scenarios::ScheduleReading reported_schedule() {
  const std::uint64_t wall_ns = test_support::monotonic_ns();
  const std::uint64_t since_last = wall_ns - fake.last_wall_ns;
  switch (reported.exchange(Mode::none)) {
    case Mode::preempted:
      ++fake.involuntary;
      fake.off_cpu_ns += since_last;
      break;
    case Mode::preempted_briefly:
      ++fake.involuntary;
      fake.off_cpu_ns += std::min(kBriefOffCpuNs, since_last);
      break;
    case Mode::lock:
      ++fake.voluntary;
      ++fake.involuntary;
      fake.off_cpu_ns += since_last;
      break;
    case Mode::cpu:
    case Mode::none:
      break;
  }
  fake.last_wall_ns = wall_ns;
  return {wall_ns, wall_ns - fake.off_cpu_ns, fake.voluntary, fake.involuntary};
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
                              alloc_hooks::set_timing(slow_calls_due() > 0
                                                          ? alloc_hooks::TimingMode::allocations
                                                          : alloc_hooks::TimingMode::off);
                              measurement.begin();
                              void* block = ::operator new(kSlowSize);
                              alloc_hooks::keep_observable(block);
                              ::operator delete(block);
                              measurement.end();
                            }});
  const char* schedule = std::getenv("SLOW_BACKEND_SCHEDULE");
  if (schedule == nullptr || std::strcmp(schedule, "real") != 0)
    scenario.read_schedule = reported_schedule;
  return scenarios::scenario_main(argc, argv, scenario);
}
