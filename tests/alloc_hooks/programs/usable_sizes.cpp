// Prints where the allocator puts requests, for tests/alloc_hooks/no_perturbation_test.cpp to
// compare a build with the hooks against the same program built plain (or linked with the
// backend's library). Built four ways: with the hooks' malloc family; with the operator forms
// alone (USABLE_SIZES_OPERATOR_FORMS); plain; plain linked with mimalloc, jemalloc or tcmalloc.
//
// Without arguments: the usable size of every request of a fixed list, one line each, freeing each
// block at once (a misaligned block is marked, not measured).
//
// `every-new ALLOCATOR [thread]`: one operator new and delete of every size from 1 B to 1 MiB
// (with `thread`: 1 B to 64 KiB, on a second thread), each block freed before the next is asked
// for, as a program allocating one size after another would. Each request is described by its
// usable size and, where ALLOCATOR is glibc, by where the block lies: "m" for a chunk of its own
// (mmap; glibc marks it in the chunk header's IS_MMAPPED bit), else its distance in bytes from the
// first block of the heap, so that anything else taking memory from the program's heap (or moving
// glibc's top chunk or its mmap threshold) shows as other offsets or another "m". Consecutive
// sizes described alike are printed as one line, `first last usable where`: about 65,000 lines for
// glibc's 16-byte size classes, a few hundred for the other allocators.
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>
#include <thread>

#if defined(USABLE_SIZES_OPERATOR_FORMS)
#include <dlfcn.h>
#endif

namespace {

void print(const char* what, std::size_t size, std::size_t alignment, void* block) {
  if (block == nullptr) {
    std::printf("%s %zu %zu failed\n", what, size, alignment);
  } else if (alignment != 0 && reinterpret_cast<std::uintptr_t>(block) % alignment != 0) {
    std::printf("%s %zu %zu misaligned\n", what, size, alignment);
  } else {
    std::printf("%s %zu %zu %zu\n", what, size, alignment, malloc_usable_size(block));
  }
}

void fixed_list() {
  for (std::size_t size = 1; size <= 65536; ++size) {
    void* block = std::malloc(size);
    print("malloc", size, 0, block);
    std::free(block);
    block = ::operator new(size);
    print("new", size, 0, block);
    ::operator delete(block);
  }
  for (std::size_t power = std::size_t{1} << 17; power <= (std::size_t{1} << 26); power <<= 1) {
    for (const std::size_t size : {power - 1, power, power + 1, power + power / 3}) {
      void* block = std::malloc(size);
      print("malloc", size, 0, block);
      std::free(block);
      block = std::calloc(size, 1);
      print("calloc", size, 0, block);
      std::free(block);
    }
  }
  for (std::size_t alignment = 16; alignment <= 4096; alignment <<= 1) {
    for (const std::size_t size :
         {std::size_t{1}, std::size_t{8}, std::size_t{24}, alignment - 1, alignment, alignment + 1,
          3 * alignment + 5, std::size_t{65536}, std::size_t{1} << 20}) {
      void* block = ::operator new (size, std::align_val_t{alignment}, std::nothrow);
      print("aligned_new", size, alignment, block);
      ::operator delete (block, std::align_val_t{alignment});
      block = memalign(alignment, size);
      print("memalign", size, alignment, block);
      std::free(block);
      block = aligned_alloc(alignment, size);
      print("aligned_alloc", size, alignment, block);
      std::free(block);
      block = nullptr;
      print("posix_memalign", size, alignment,
            posix_memalign(&block, alignment, size) == 0 ? block : nullptr);
      std::free(block);
    }
  }
}

using UsableSize = std::size_t (*)(void*);

// The usable size of an operator new block. malloc_usable_size is the allocator's own everywhere
// but in the build with the operator forms alone: there it is glibc's, while operator new's blocks
// come from the backend, so the backend's library (loaded by the hooks) is asked directly.
UsableSize usable_size_function(const std::string& allocator) {
#if defined(USABLE_SIZES_OPERATOR_FORMS)
  const char* library = nullptr;
  const char* symbol = nullptr;
  if (allocator == "mimalloc") {
    library = "libmimalloc.so.2";
    symbol = "mi_usable_size";
  } else if (allocator == "jemalloc") {
    library = "libjemalloc.so.2";
    symbol = "malloc_usable_size";
  } else if (allocator == "tcmalloc") {
    library = "libtcmalloc_minimal.so.4";
    symbol = "tc_malloc_size";
  }
  if (library != nullptr) {
    void* handle = dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    void* found = handle != nullptr ? dlsym(handle, symbol) : nullptr;
    if (found == nullptr) {
      std::fprintf(stderr, "%s is not loaded or lacks %s\n", library, symbol);
      std::exit(2);
    }
    return reinterpret_cast<UsableSize>(found);
  }
#else
  (void)allocator;
#endif
  return malloc_usable_size;
}

// Trivial, so that the static array of them below is zero pages until written.
struct Run {
  std::size_t first, last, usable;
  bool mmapped;
  std::ptrdiff_t offset;
};

// glibc's chunk header, the word before the block: its size with three flag bits, of which
// IS_MMAPPED (2) marks a chunk mmapped for this request alone.
bool glibc_chunk_is_mmapped(const void* block) {
  std::size_t header = 0;
  std::memcpy(&header, static_cast<const unsigned char*>(block) - sizeof header, sizeof header);
  return (header & 2) != 0;
}

// Fills `runs` (room for one per size) and returns their count. Nothing is printed or otherwise
// allocated until the loop is done, so the requests alone shape the heap.
std::size_t describe_every_size(std::size_t largest, bool glibc, UsableSize usable_size,
                                Run* runs) {
  std::size_t count = 0;
  std::uintptr_t first_heap_block = 0;
  for (std::size_t size = 1; size <= largest; ++size) {
    void* block = ::operator new(size);
    Run here{size, size, usable_size(block), false, 0};
    if (glibc) {
      here.mmapped = glibc_chunk_is_mmapped(block);
      const auto address = reinterpret_cast<std::uintptr_t>(block);
      if (!here.mmapped && first_heap_block == 0) first_heap_block = address;
      if (!here.mmapped) here.offset = static_cast<std::ptrdiff_t>(address - first_heap_block);
    }
    ::operator delete(block);
    if (count > 0 && runs[count - 1].usable == here.usable &&
        runs[count - 1].mmapped == here.mmapped && runs[count - 1].offset == here.offset) {
      runs[count - 1].last = size;
    } else {
      runs[count++] = here;
    }
  }
  return count;
}

int every_new(const std::string& allocator, bool on_a_thread) {
  const bool glibc = allocator == "glibc";
  const std::size_t largest = on_a_thread ? std::size_t{1} << 16 : std::size_t{1} << 20;
  const UsableSize usable_size = usable_size_function(allocator);
  // Static: the record is the test's, not a block of the heap being described.
  static Run runs[std::size_t{1} << 20];
  std::size_t count = 0;
  if (on_a_thread) {
    std::thread thread([&] { count = describe_every_size(largest, glibc, usable_size, runs); });
    thread.join();
  } else {
    count = describe_every_size(largest, glibc, usable_size, runs);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Run& run = runs[i];
    if (!glibc) {
      std::printf("%zu %zu %zu -\n", run.first, run.last, run.usable);
    } else if (run.mmapped) {
      std::printf("%zu %zu %zu m\n", run.first, run.last, run.usable);
    } else {
      std::printf("%zu %zu %zu %td\n", run.first, run.last, run.usable, run.offset);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "every-new") == 0) {
    return every_new(argv[2], argc >= 4 && std::strcmp(argv[3], "thread") == 0);
  }
  if (argc != 1) {
    std::fprintf(stderr,
                 "usage: usable_sizes [every-new glibc|mimalloc|jemalloc|tcmalloc [thread]]\n");
    return 2;
  }
  fixed_list();
  return 0;
}
