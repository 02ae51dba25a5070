// The backend the hooks forward to, called directly (bypassing the hooks): glibc under its own
// names, or mimalloc, jemalloc, tcmalloc loaded apart. What a program would get without the hooks
// is what these return.
#pragma once

#include <dlfcn.h>
#include <mimalloc.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "alloc_hooks/alloc_hooks.hpp"

extern "C" {
void* __libc_malloc(std::size_t size);
void __libc_free(void* block);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* block, std::size_t size);
}

namespace test_support {

struct RawBackend {
  void* (*malloc)(std::size_t);
  void (*free)(void*);
  void* (*calloc)(std::size_t, std::size_t);
  void* (*realloc)(void*, std::size_t);
  std::size_t (*usable_size)(void*);
};

template <typename Function>
Function find(void* library, const char* name) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) std::abort();
  return reinterpret_cast<Function>(symbol);
}

// The functions of a backend library the hooks loaded (RTLD_NOLOAD: the same copy).
template <typename Usable>
RawBackend loaded_raw_backend(const char* file, const char* malloc_name, const char* free_name,
                              const char* calloc_name, const char* realloc_name,
                              const char* usable_name) {
  void* library = dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (library == nullptr) std::abort();
  static auto usable = find<Usable>(library, usable_name);
  return {find<void* (*)(std::size_t)>(library, malloc_name),
          find<void (*)(void*)>(library, free_name),
          find<void* (*)(std::size_t, std::size_t)>(library, calloc_name),
          find<void* (*)(void*, std::size_t)>(library, realloc_name),
          [](void* block) { return usable(block); }};
}

// The raw functions of the backend the hooks use in this process.
inline RawBackend raw_backend() {
  const char* name = alloc_hooks::backend().name;
  if (std::strcmp(name, "jemalloc") == 0) {
    return loaded_raw_backend<std::size_t (*)(void*)>("libjemalloc.so.2", "malloc", "free",
                                                      "calloc", "realloc", "malloc_usable_size");
  }
  if (std::strcmp(name, "tcmalloc") == 0) {
    return loaded_raw_backend<std::size_t (*)(const void*)>("libtcmalloc_minimal.so.4", "tc_malloc",
                                                            "tc_free", "tc_calloc", "tc_realloc",
                                                            "tc_malloc_size");
  }
  if (std::strcmp(name, "mimalloc") == 0) {
    void* mimalloc = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (mimalloc == nullptr) std::abort();
    static auto usable = find<decltype(&mi_usable_size)>(mimalloc, "mi_usable_size");
    return {find<decltype(&mi_malloc)>(mimalloc, "mi_malloc"),
            find<decltype(&mi_free)>(mimalloc, "mi_free"),
            find<decltype(&mi_calloc)>(mimalloc, "mi_calloc"),
            find<decltype(&mi_realloc)>(mimalloc, "mi_realloc"),
            [](void* block) { return usable(block); }};
  }
  static auto usable = find<std::size_t (*)(void*)>(dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD),
                                                    "malloc_usable_size");
  return {__libc_malloc, __libc_free, __libc_calloc, __libc_realloc,
          [](void* block) { return usable(block); }};
}

}  // namespace test_support
