// Backend provenance: the blocks really come from the backend the run names. The test binary is
// run once per backend (ALLOC_HOOKS_BACKEND), and the allocators decide themselves: mimalloc's
// mi_is_in_heap_region, tcmalloc's ownership, jemalloc's count of what a thread allocated.
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
#include <dlfcn.h>  // elsewhere it is loaded at run time (alloc_hooks/src/backends/mimalloc_loaded.cpp)
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
  const std::string prefix =
      expected_backend() == "system" ? kSystemAllocator : expected_backend() + " ";
  EXPECT_EQ(version.rfind(prefix, 0), 0u) << version;
  EXPECT_GT(version.size(), prefix.size()) << version;  // and a version number
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

#if !defined(_WIN32)
// jemalloc and tcmalloc, asked themselves (loaded apart with RTLD_NOLOAD: the copy the hooks use,
// if they use one). tcmalloc answers ownership for any pointer; jemalloc only counts what this
// thread allocated through it (its ownership lookup crashes on a foreign pointer).
using Ownership = int (*)(const void*);  // MallocExtension_GetOwnership: 1 owned, 2 not owned
using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

std::uint64_t jemalloc_thread_allocated(Mallctl mallctl) {
  std::uint64_t allocated = 0;
  std::size_t length = sizeof allocated;
  EXPECT_EQ(mallctl("thread.allocated", &allocated, &length, nullptr, 0), 0);
  return allocated;
}

TEST(Backend, TcmallocOwnsEveryBlockExactlyWhenNamed) {
#if defined(__SANITIZE_ADDRESS__)
  // tcmalloc's start-up keeps an operator new block for the process's life, a leak to LSan.
  GTEST_SKIP() << "tcmalloc is not loaded beside AddressSanitizer's malloc";
#endif
  void* library = dlopen("libtcmalloc_minimal.so.4", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) GTEST_SKIP() << "libtcmalloc_minimal.so.4 is not installed";
  const auto owned = reinterpret_cast<Ownership>(dlsym(library, "MallocExtension_GetOwnership"));
  ASSERT_NE(owned, nullptr);
  const int expected = expected_backend() == "tcmalloc" ? 1 : 2;
  for (std::size_t size : {1u, 16u, 512u, 8192u, 100'000u, 4'000'000u}) {
    void* block = ::operator new(size);
    void* aligned = ::operator new[](size, std::align_val_t{4096});
    EXPECT_EQ(owned(block), expected) << size;
    EXPECT_EQ(owned(aligned), expected) << size;
    ::operator delete(block);
    ::operator delete[](aligned, std::align_val_t{4096});
  }
}

TEST(Backend, JemallocGivesEveryBlockWhenNamed) {
  if (expected_backend() != "jemalloc") GTEST_SKIP() << "jemalloc loads only with its tunable";
  void* library = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  ASSERT_NE(library, nullptr) << "the jemalloc backend did not load libjemalloc.so.2";
  const auto mallctl = reinterpret_cast<Mallctl>(dlsym(library, "mallctl"));
  ASSERT_NE(mallctl, nullptr);
  for (std::size_t size : {1u, 16u, 512u, 8192u, 100'000u, 4'000'000u}) {
    const std::uint64_t before = jemalloc_thread_allocated(mallctl);
    void* block = ::operator new(size);
    void* aligned = ::operator new[](size, std::align_val_t{4096});
    EXPECT_GE(jemalloc_thread_allocated(mallctl) - before, 2 * size) << size;
    ::operator delete(block);
    ::operator delete[](aligned, std::align_val_t{4096});
  }
}
#endif

}  // namespace
