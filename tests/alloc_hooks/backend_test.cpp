// Backend provenance: the blocks really come from the backend the run names. The test binary is
// run once per backend (ALLOC_HOOKS_BACKEND), and mimalloc's own mi_is_in_heap_region decides.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "alloc_hooks/alloc_hooks.hpp"
#include "support/observe.hpp"

#if defined(_WIN32)
#include <mimalloc.h>  // Windows links mimalloc into the hooks
#else
#include <dlfcn.h>  // elsewhere it is loaded at run time (alloc_hooks/src/mimalloc_loaded.cpp)
#endif

namespace {

using InHeapRegion = bool (*)(const void*);

InHeapRegion mimalloc_in_heap_region() {
#if defined(_WIN32)
  return mi_is_in_heap_region;
#else
  void* library = dlopen("libmimalloc.so.2", RTLD_NOW | RTLD_LOCAL);
  return library == nullptr
             ? nullptr
             : reinterpret_cast<InHeapRegion>(dlsym(library, "mi_is_in_heap_region"));
#endif
}

#if defined(_WIN32)
constexpr const char* kSystemAllocator = "Windows ";
#else
constexpr const char* kSystemAllocator = "glibc ";
#endif

std::string expected_backend() {
  const char* requested = std::getenv("ALLOC_HOOKS_BACKEND");
  return requested == nullptr || *requested == '\0' ? "system" : requested;
}

TEST(Backend, NamesTheRequestedBackendAndItsVersion) {
  const alloc_hooks::BackendInfo info = alloc_hooks::backend();
  EXPECT_EQ(info.name, expected_backend());
  const std::string version = info.version;
  EXPECT_EQ(version.rfind(expected_backend() == "system" ? kSystemAllocator : "mimalloc ", 0), 0u)
      << version;
}

TEST(Backend, EveryBlockComesFromTheNamedBackend) {
  const InHeapRegion in_heap_region = mimalloc_in_heap_region();
  ASSERT_NE(in_heap_region, nullptr);
  const bool expect_mimalloc = expected_backend() == "mimalloc";
  std::vector<void*> blocks;
  for (std::size_t size : {1u, 16u, 512u, 1024u, 8192u, 100'000u, 4'000'000u}) {
    blocks.push_back(::operator new(size));
    blocks.push_back(::operator new[](size, std::align_val_t{4096}));
    blocks.push_back(::operator new(size, std::nothrow));
  }
  auto owned = std::make_unique<std::string>(200, 'x');
  test_support::keep(owned->data());
  for (void* block : blocks) EXPECT_EQ(in_heap_region(block), expect_mimalloc) << block;
  EXPECT_EQ(in_heap_region(owned->data()), expect_mimalloc);
  // A C malloc is not routed through the hooks: it must stay the C runtime's.
  void* c_block = std::malloc(64);
  EXPECT_FALSE(in_heap_region(c_block));
  std::free(c_block);
  for (std::size_t i = 0; i < blocks.size(); i += 3) {
    ::operator delete(blocks[i]);
    ::operator delete[](blocks[i + 1], std::align_val_t{4096});
    ::operator delete(blocks[i + 2], std::nothrow);
  }
}

}  // namespace
