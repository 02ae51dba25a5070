// Backend selection and process start-up of the hooks. The system backend is the C runtime's
// allocator (platform/); mimalloc is bound in mimalloc_loaded.cpp or mimalloc_linked.cpp.
#include "core/backend.hpp"

#include <cstdio>
#include <cstring>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/backends.hpp"
#include "core/clock.hpp"
#include "core/platform/platform.hpp"
#include "core/sampler.hpp"
#include "core/scoped_flag.hpp"
#include "core/settings.hpp"

namespace alloc_hooks::detail {

std::atomic<const Backend*> active_backend_pointer{nullptr};

namespace {

char system_version[64];
// Its allocation functions are the C runtime's own, bound at start-up (choose_backend).
Backend system_backend{"system",
                       nullptr,
                       nullptr,
                       nullptr,
                       nullptr,
                       platform::system_usable_size,
                       nullptr,
                       platform::system_allocate_aligned_new,
                       platform::system_release_aligned,
                       platform::system_usable_size_aligned,
                       system_version};

const Backend& bind_system_backend() {
  const platform::SystemFunctions functions = platform::bind_system_allocator();
  system_backend.allocate = functions.allocate;
  system_backend.allocate_zeroed = functions.allocate_zeroed;
  system_backend.reallocate = functions.reallocate;
  system_backend.release = functions.release;
  system_backend.allocate_aligned = functions.allocate_aligned;
  return system_backend;
}

char choice_message[256];

// The backends other than the system's, by name, as this build has them.
struct Loader {
  const char* name;
  const Backend& (*bind)();
};
constexpr Loader kLoaders[] = {
    {"mimalloc", mimalloc_backend},
#if ALLOC_HOOKS_JEMALLOC_BUILT
    {"jemalloc", jemalloc_backend},
#endif
#if ALLOC_HOOKS_TCMALLOC_BUILT
    {"tcmalloc", tcmalloc_backend},
#endif
};

const Backend* choose_backend() {
  const Backend& system = bind_system_backend();
  platform::describe_system_allocator(system_version, sizeof system_version);
  const char* requested = platform::environment("ALLOC_HOOKS_BACKEND");
  if (requested == nullptr || requested[0] == '\0' || std::strcmp(requested, "system") == 0) {
    return &system;
  }
  for (const BackendChoice& choice : kBackendChoices) {
    if (std::strcmp(requested, choice.name) != 0) continue;
    if (!choice.built) {
      std::snprintf(choice_message, sizeof choice_message,
                    "ALLOC_HOOKS_BACKEND=%s: this build has no %s backend (%s was missing when it "
                    "was built)",
                    choice.name, choice.name, choice.package);
      platform::fail_fast(choice_message, 2);
    }
    break;
  }
  for (const auto& [name, bind] : kLoaders) {
    if (std::strcmp(requested, name) == 0) return &bind();
  }
  platform::fail_fast("ALLOC_HOOKS_BACKEND must be system, mimalloc, jemalloc or tcmalloc", 2);
}

std::atomic<bool> start_up_claimed{false};
constinit thread_local bool this_thread_starts_up = false;

}  // namespace

void describe_mimalloc_version(int version, char* out, std::size_t capacity) {
  std::snprintf(out, capacity, "mimalloc %d.%d.%d", version / 100, version / 10 % 10, version % 10);
}

const Backend& start_up() {
  // An allocation caused by the start-up below (the loader's, or an intercepting tool's).
  if (this_thread_starts_up) return start_up_arena_backend;
  if (!start_up_claimed.exchange(true, std::memory_order_acq_rel)) {
    const ScopedFlag starting(this_thread_starts_up);
    start_clock();
    load_settings_from_environment();
    platform::prime_stack_walker(settings.frame_pointer_walk.load(std::memory_order_relaxed));
    sampler::prepare();
    active_backend_pointer.store(choose_backend(), std::memory_order_release);
  }
  // Another thread is starting up: its first allocation happens before ours.
  const Backend* backend;
  while ((backend = active_backend_pointer.load(std::memory_order_acquire)) == nullptr) {
  }
  return *backend;
}

}  // namespace alloc_hooks::detail

namespace alloc_hooks {

BackendInfo backend() {
  const detail::Backend& active = detail::active_backend();
  return {active.name, active.version};
}

}  // namespace alloc_hooks
