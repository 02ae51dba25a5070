// Prints the usable size of every request of a fixed list, one line each, freeing each block at
// once: built three ways (with the hooks' malloc family; plain; plain linked with mimalloc), its
// outputs must agree between the hooked build and the plain build of the same allocator
// (tests/alloc_hooks/no_perturbation_test.cpp). A misaligned block is marked, not measured.
#include <malloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <new>

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

}  // namespace

int main() {
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
  return 0;
}
