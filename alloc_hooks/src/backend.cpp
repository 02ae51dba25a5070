// Backend selection and process start-up of the hooks. mimalloc is loaded with local symbol
// binding instead of being linked: Debian's libmimalloc.so exports malloc and operator new, so
// linking it would silently turn every "system" run into a mimalloc run.
#include "backend.hpp"

#include <mimalloc.h>

#include <cstdio>
#include <cstring>

#include "alloc_hooks/alloc_hooks.hpp"
#include "clock.hpp"
#include "platform/platform.hpp"
#include "settings.hpp"

namespace alloc_hooks::detail {

std::atomic<const Backend*> active_backend_pointer{nullptr};

namespace {

char system_version[64];
char mimalloc_version[64];
Backend system_backend{"system",
                       platform::system_allocate,
                       platform::system_allocate_aligned,
                       platform::system_release,
                       platform::system_usable_size,
                       system_version};
Backend mimalloc_backend{"mimalloc", nullptr, nullptr, nullptr, nullptr, mimalloc_version};

// mimalloc's argument order differs from the Backend signature for aligned blocks.
decltype(&mi_malloc_aligned) mi_malloc_aligned_function = nullptr;
void* mimalloc_allocate_aligned(std::size_t alignment, std::size_t size) {
  return mi_malloc_aligned_function(size, alignment);
}

template <typename Function>
Function load_symbol(void* library, const char* name) {
  void* symbol = platform::find_symbol(library, name);
  if (symbol == nullptr) {
    platform::fail_fast("ALLOC_HOOKS_BACKEND=mimalloc: " ALLOC_HOOKS_MIMALLOC_LIBRARY
                        " lacks a mimalloc function",
                        2);
  }
  return reinterpret_cast<Function>(symbol);
}

const Backend* load_mimalloc() {
  void* library = platform::open_local_library(ALLOC_HOOKS_MIMALLOC_LIBRARY);
  if (library == nullptr) {
    platform::fail_fast("ALLOC_HOOKS_BACKEND=mimalloc but " ALLOC_HOOKS_MIMALLOC_LIBRARY
                        " cannot be loaded (install libmimalloc2.0)",
                        2);
  }
  mimalloc_backend.allocate = load_symbol<decltype(&mi_malloc)>(library, "mi_malloc");
  mi_malloc_aligned_function =
      load_symbol<decltype(&mi_malloc_aligned)>(library, "mi_malloc_aligned");
  mimalloc_backend.allocate_aligned = mimalloc_allocate_aligned;
  mimalloc_backend.release = load_symbol<decltype(&mi_free)>(library, "mi_free");
  mimalloc_backend.usable_size = load_symbol<decltype(&mi_usable_size)>(library, "mi_usable_size");
  const int version = load_symbol<decltype(&mi_version)>(library, "mi_version")();
  std::snprintf(mimalloc_version, sizeof mimalloc_version, "mimalloc %d.%d.%d", version / 100,
                version / 10 % 10, version % 10);
  return &mimalloc_backend;
}

const Backend* choose_backend() {
  platform::describe_system_allocator(system_version, sizeof system_version);
  const char* requested = platform::environment("ALLOC_HOOKS_BACKEND");
  if (requested == nullptr || requested[0] == '\0' || std::strcmp(requested, "system") == 0) {
    return &system_backend;
  }
  if (std::strcmp(requested, "mimalloc") == 0) return load_mimalloc();
  platform::fail_fast("ALLOC_HOOKS_BACKEND must be system or mimalloc", 2);
}

std::atomic<bool> start_up_claimed{false};
thread_local bool this_thread_starts_up = false;

}  // namespace

const Backend& start_up() {
  if (this_thread_starts_up) platform::fail_fast("the backend allocated through operator new", 2);
  if (!start_up_claimed.exchange(true, std::memory_order_acq_rel)) {
    this_thread_starts_up = true;
    start_clock();
    load_settings_from_environment();
    active_backend_pointer.store(choose_backend(), std::memory_order_release);
    this_thread_starts_up = false;
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
