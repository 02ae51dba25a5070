// Windows implementation of the platform services (the C runtime's heap as the system backend).
#include <windows.h>

#include <malloc.h>
#if defined(__MINGW32__)
#include <pthread.h>
#endif

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/platform/platform.hpp"

namespace alloc_hooks::platform {

void* map_zeroed_pages(std::size_t bytes) {
  void* pages = VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (pages == nullptr) return nullptr;
  // Touched up front: the hooks' own pages must not show up later as the program's working set
  // growth (Linux does the same with MAP_POPULATE).
  SYSTEM_INFO system{};
  GetSystemInfo(&system);
  for (std::size_t offset = 0; offset < bytes; offset += system.dwPageSize) {
    static_cast<volatile char*>(pages)[offset] = 0;
  }
  return pages;
}

std::uint64_t current_thread_id() {
  return GetCurrentThreadId();
}

#if defined(__MINGW32__)
// mingw keeps thread_local data in emulated TLS, which winpthreads frees in its key destructors
// before any fiber-storage callback runs: a later callback touching thread_local data would
// re-create it and leak it (the measurement of mimalloc's same leak: docs/windows.md). A key
// destructor runs in those same passes instead, and what it re-creates is freed in the next pass.
bool call_at_thread_exit(void (*on_exit)(void*), void* arg) {
  static pthread_key_t key;
  static const bool key_created = pthread_key_create(&key, on_exit) == 0;
  return key_created && pthread_setspecific(key, arg) == 0;
}
#else
namespace {
void (*thread_exit_callback)(void*) = nullptr;
void WINAPI on_fiber_storage_released(void* arg) {
  if (arg != nullptr) thread_exit_callback(arg);
}
}  // namespace

bool call_at_thread_exit(void (*on_exit)(void*), void* arg) {
  // Fiber-local storage callbacks run when a thread exits, for every thread that set a value;
  // one index serves the process.
  static const DWORD index = [on_exit] {
    thread_exit_callback = on_exit;
    return FlsAlloc(on_fiber_storage_released);
  }();
  return index != FLS_OUT_OF_INDEXES && FlsSetValue(index, arg) != 0;
}
#endif

namespace {

constinit std::atomic<DWORD> thread_block_index{TLS_OUT_OF_INDEXES};
SRWLOCK thread_block_lock = SRWLOCK_INIT;
void* given_back_blocks = nullptr;  // a list through each block's first word
unsigned char* unused_block_pages = nullptr;
std::size_t unused_block_bytes = 0;
constexpr std::size_t kBlockPagesBytes = 64 * 1024;

DWORD thread_block_tls_index() {
  const DWORD index = thread_block_index.load(std::memory_order_acquire);
  if (index != TLS_OUT_OF_INDEXES) return index;
  const DWORD made = TlsAlloc();
  if (made == TLS_OUT_OF_INDEXES) fail_fast("cannot allocate a TLS index for the hooks", 2);
  DWORD expected = TLS_OUT_OF_INDEXES;
  if (thread_block_index.compare_exchange_strong(expected, made, std::memory_order_acq_rel))
    return made;
  TlsFree(made);  // another thread made one first
  return expected;
}

void* new_thread_block() {
  AcquireSRWLockExclusive(&thread_block_lock);
  void* block = given_back_blocks;
  if (block != nullptr) {
    given_back_blocks = *static_cast<void**>(block);
    std::memset(block, 0, kThreadBlockBytes);
  } else {
    if (unused_block_bytes < kThreadBlockBytes) {
      unused_block_pages = static_cast<unsigned char*>(map_zeroed_pages(kBlockPagesBytes));
      if (unused_block_pages == nullptr) fail_fast("cannot map the hooks' thread blocks", 2);
      unused_block_bytes = kBlockPagesBytes;
    }
    block = unused_block_pages;
    unused_block_pages += kThreadBlockBytes;
    unused_block_bytes -= kThreadBlockBytes;
  }
  ReleaseSRWLockExclusive(&thread_block_lock);
  return block;
}

// A TLS callback in the last section the loader calls at a thread's end (.CRT$XLY), after the C++
// runtime's and winpthreads' callbacks, which may still free.
void NTAPI give_back_thread_block(PVOID, DWORD reason, PVOID) {
  const DWORD index = thread_block_index.load(std::memory_order_acquire);
  if (reason != DLL_THREAD_DETACH || index == TLS_OUT_OF_INDEXES) return;
  void* block = TlsGetValue(index);
  if (block == nullptr) return;
  TlsSetValue(index, nullptr);
  AcquireSRWLockExclusive(&thread_block_lock);
  *static_cast<void**>(block) = given_back_blocks;
  given_back_blocks = block;
  ReleaseSRWLockExclusive(&thread_block_lock);
}
#if defined(_MSC_VER)
#pragma comment(linker, "/INCLUDE:_tls_used")
#pragma comment(linker, "/INCLUDE:alloc_hooks_thread_block_callback")
#pragma section(".CRT$XLY", long, read)
extern "C" __declspec(allocate(".CRT$XLY")) const PIMAGE_TLS_CALLBACK
    alloc_hooks_thread_block_callback = give_back_thread_block;
#else
__attribute__((section(".CRT$XLY"), used)) const PIMAGE_TLS_CALLBACK thread_block_callback =
    give_back_thread_block;
#endif

}  // namespace

void* this_thread_block() noexcept {
  const DWORD index = thread_block_tls_index();
  const DWORD last_error = GetLastError();  // TlsGetValue clears it: the program's, kept
  void* block = TlsGetValue(index);
  if (block == nullptr) [[unlikely]] {
    block = new_thread_block();
    TlsSetValue(index, block);
  }
  SetLastError(last_error);
  return block;
}

const char* environment(const char* name) {
  return std::getenv(name);
}

// A write into each page: the OS backs it then.
void make_resident(void* pages, std::size_t bytes) {
  auto* byte = static_cast<volatile unsigned char*>(pages);
  for (std::size_t offset = 0; offset < bytes; offset += 4096) byte[offset] = 0;
}

void* map_lazy_zeroed_pages(std::size_t bytes) {
  // Committed pages are zero-filled and backed only once touched.
  return VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

void unmap_pages(void* pages, std::size_t) {
  VirtualFree(pages, 0, MEM_RELEASE);
}

void prime_stack_walker(bool) {
  void* frames[4];
  (void)RtlCaptureStackBackTrace(0, 4, frames, nullptr);
}

// Walks with the unwind data of x64 code (no frame pointers needed).
int capture_stack(void** frames, int capacity) {
  return RtlCaptureStackBackTrace(0, static_cast<DWORD>(capacity), frames, nullptr);
}

const char* stack_walker_name() {
  return "RtlCaptureStackBackTrace";
}

std::intptr_t create_file(const char* path) {
  wchar_t wide[4096];
  if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, 4096) == 0) return -1;
  const HANDLE file = CreateFileW(wide, GENERIC_WRITE, FILE_SHARE_READ, nullptr, CREATE_ALWAYS,
                                  FILE_ATTRIBUTE_NORMAL, nullptr);
  return file == INVALID_HANDLE_VALUE ? -1 : reinterpret_cast<std::intptr_t>(file);
}

bool write_file(std::intptr_t file, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const DWORD part = static_cast<DWORD>(size - done < (1u << 30) ? size - done : 1u << 30);
    DWORD written = 0;
    if (!WriteFile(reinterpret_cast<HANDLE>(file), data + done, part, &written, nullptr) ||
        written == 0)
      return false;
    done += written;
  }
  return true;
}

bool close_file(std::intptr_t file) {
  return CloseHandle(reinterpret_cast<HANDLE>(file)) != 0;
}

void say(const char* message) {
  const HANDLE error = GetStdHandle(STD_ERROR_HANDLE);
  DWORD written = 0;
  const char prefix[] = "alloc_hooks: ";
  WriteFile(error, prefix, sizeof prefix - 1, &written, nullptr);
  WriteFile(error, message, static_cast<DWORD>(std::strlen(message)), &written, nullptr);
  WriteFile(error, "\r\n", 2, &written, nullptr);
}

void fail_fast(const char* message, int status) {
  say(message);
  // No exit handlers: this may run inside an allocation, before or after main.
  TerminateProcess(GetCurrentProcess(), static_cast<UINT>(status));
  ExitProcess(static_cast<UINT>(status));  // not reached: this tells the compiler so
}

std::size_t system_usable_size(const void* block) {
  return _msize(const_cast<void*>(block));
}
// The C runtime's free() does not take over-aligned blocks, and mingw's msvcrt lacks
// _aligned_msize: aligned blocks are carved out of a larger malloc block here, with that block's
// address stored just below the aligned one (as _aligned_malloc does).
namespace {
void*& malloc_block_below(const void* aligned) {
  return reinterpret_cast<void**>(const_cast<void*>(aligned))[-1];
}

void* allocate_aligned(std::size_t alignment, std::size_t size) {
  const std::size_t overhead = alignment - 1 + sizeof(void*);
  if (size > SIZE_MAX - overhead) return nullptr;
  void* block = std::malloc(size + overhead);
  if (block == nullptr) return nullptr;
  const std::uintptr_t aligned =
      (reinterpret_cast<std::uintptr_t>(block) + overhead) & ~std::uintptr_t{alignment - 1};
  malloc_block_below(reinterpret_cast<void*>(aligned)) = block;
  return reinterpret_cast<void*>(aligned);
}
}  // namespace

SystemFunctions bind_system_allocator() {
  return {[](std::size_t size) { return std::malloc(size); },
          [](std::size_t count, std::size_t size) { return std::calloc(count, size); },
          [](void* block, std::size_t size) { return std::realloc(block, size); },
          [](void* block) { std::free(block); }, allocate_aligned};
}

void* system_allocate_aligned_new(std::size_t alignment, std::size_t size) {
  return allocate_aligned(alignment, size);
}
void system_release_aligned(void* block, std::size_t) {
  std::free(malloc_block_below(block));
}
std::size_t system_usable_size_aligned(const void* block, std::size_t) {
  void* malloc_block = malloc_block_below(block);
  return _msize(malloc_block) - static_cast<std::size_t>(static_cast<const char*>(block) -
                                                         static_cast<char*>(malloc_block));
}

void describe_system_allocator(char* out, std::size_t capacity) {
#if defined(_UCRT) || defined(_MSC_VER)
  std::snprintf(out, capacity, "Windows UCRT heap");
#else
  std::snprintf(out, capacity, "Windows msvcrt heap");
#endif
}

}  // namespace alloc_hooks::platform
