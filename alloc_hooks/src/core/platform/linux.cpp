// Linux (glibc) implementation of the platform services.
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/platform/linux_allocator.hpp"
#include "core/platform/platform.hpp"

namespace alloc_hooks::platform {

void* map_zeroed_pages(std::size_t bytes) {
  // Populated up front: the hooks' own pages must not show up later as RSS growth of the program.
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return pages == MAP_FAILED ? nullptr : pages;
}

void* map_lazy_zeroed_pages(std::size_t bytes) {
  void* pages = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return pages == MAP_FAILED ? nullptr : pages;
}

void unmap_pages(void* pages, std::size_t bytes) {
  munmap(pages, bytes);
}

// One madvise (Linux 5.14) backs the pages in one call rather than a fault per page, which a
// profiled tree's every process pays at its start (docs/performance.md); a kernel without it
// gets the faults.
void make_resident(void* pages, std::size_t bytes) {
#if !defined(MADV_POPULATE_WRITE)
  constexpr int MADV_POPULATE_WRITE = 23;
#endif
  constexpr std::uintptr_t kPage = 4096;
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(pages) & ~(kPage - 1);
  const std::uintptr_t end =
      (reinterpret_cast<std::uintptr_t>(pages) + bytes + kPage - 1) & ~(kPage - 1);
  if (madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_WRITE) == 0) return;
  auto* byte = static_cast<volatile unsigned char*>(pages);
  for (std::size_t offset = 0; offset < bytes; offset += kPage) byte[offset] = 0;
}

std::uint64_t current_thread_id() {
  return static_cast<std::uint64_t>(syscall(SYS_gettid));
}

bool call_at_thread_exit(void (*on_exit)(void*), void* arg) {
  // One key for the process. pthread key destructors run after C++ thread_local destructors, so
  // allocations made by those are still counted on the thread's own counters.
  static pthread_key_t key;
  static const bool key_created = pthread_key_create(&key, on_exit) == 0;
  return key_created && pthread_setspecific(key, arg) == 0;
}

const char* environment(const char* name) {
  return std::getenv(name);
}

std::intptr_t create_file(const char* path) {
  return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

bool write_file(std::intptr_t file, const char* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t written = write(static_cast<int>(file), data + done, size - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    done += static_cast<std::size_t>(written);
  }
  return true;
}

bool close_file(std::intptr_t file) {
  return close(static_cast<int>(file)) == 0;
}

void say(const char* message) {
  const char prefix[] = "alloc_hooks: ";
  ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
  ignored = write(STDERR_FILENO, message, std::strlen(message));
  ignored = write(STDERR_FILENO, "\n", 1);
  (void)ignored;
}

void fail_fast(const char* message, int status) {
  say(message);
  // The system call itself: the preload library replaces _exit with one that writes a report.
  for (;;) syscall(SYS_exit_group, status);
}

void* open_local_library(const char* file) {
  return dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

void* find_symbol(void* library, const char* name) {
  return dlsym(library, name);
}

const char* library_load_error() {
  const char* error = dlerror();
  return error != nullptr ? error : "unknown error";
}

namespace {

int (*stack_walker)(void**, int) = nullptr;
const char* walker_name = "none";

// libgcc's unwinder, which glibc's backtrace() calls too, called directly: it is loaded already
// (with the C++ runtime) and allocates nothing, while backtrace()'s first call dlopens libgcc_s
// again and takes the loader's bookkeeping from the program's heap. Like backtrace(), it leaves
// out its own frame, stops at a frame that repeats the last one (the same address and frame
// address: it would loop) and drops a last null address.
struct UnwindTrace {
  void** frames;
  int capacity;
  int depth;  // -1 until the walker's own frame is passed
  _Unwind_Word last_frame_address;
};

_Unwind_Reason_Code record_frame(_Unwind_Context* context, void* argument) {
  auto& trace = *static_cast<UnwindTrace*>(argument);
  void* const address = reinterpret_cast<void*>(_Unwind_GetIP(context));
  const _Unwind_Word frame_address = _Unwind_GetCFA(context);
  if (trace.depth >= 0) {
    if (trace.depth > 0 && trace.frames[trace.depth - 1] == address &&
        trace.last_frame_address == frame_address)
      return _URC_END_OF_STACK;
    trace.frames[trace.depth] = address;
  }
  trace.last_frame_address = frame_address;
  return ++trace.depth == trace.capacity ? _URC_END_OF_STACK : _URC_NO_REASON;
}

__attribute__((noinline)) int walk_unwind_tables(void** frames, int capacity) {
  if (capacity <= 0) return 0;
  UnwindTrace trace{frames, capacity, -1, 0};
  _Unwind_Backtrace(record_frame, &trace);
  int depth = trace.depth > 0 ? trace.depth : 0;
  if (depth > 1 && frames[depth - 1] == nullptr) --depth;
  return depth;
}

// The calling thread's stack, [low, high): the frame-pointer walk stays inside it.
struct StackBounds {
  std::uintptr_t low;
  std::uintptr_t high;
};
constinit thread_local StackBounds stack_bounds{0, 0};

// The hexadecimal number at `text` (before `end`), leaving `text` after it.
std::uintptr_t parse_hex(const char*& text, const char* end) {
  std::uintptr_t value = 0;
  for (; text < end; ++text) {
    const char digit = *text;
    if (digit >= '0' && digit <= '9') {
      value = value << 4 | static_cast<std::uintptr_t>(digit - '0');
    } else if (digit >= 'a' && digit <= 'f') {
      value = value << 4 | static_cast<std::uintptr_t>(digit - 'a' + 10);
    } else {
      break;
    }
  }
  return value;
}

// The mapping of /proc/self/maps that holds the stack pointer, read with open and read into a
// buffer on the stack: pthread_getattr_np would say the same but allocates from the program's
// heap (a CPU set for every thread; for the main thread also the stdio stream it reads this file
// through). The main thread's stack grows on demand, so its low end is as far as it may grow:
// its RLIMIT_STACK below the top, but not into the mapping under it (glibc's rule in
// pthread_getattr_np). Another thread's stack is its mapping (its guard page is a mapping apart).
// Runs inside an allocation, which must leave errno alone.
StackBounds read_stack_bounds() {
  const int saved_errno = errno;
  const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  const int file = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (file < 0) {
    errno = saved_errno;
    return {0, 0};
  }
  char buffer[512];
  std::size_t filled = 0;
  bool rest_of_line = false;  // the unread end of a line longer than the buffer: skipped
  std::uintptr_t previous_end = 0;
  StackBounds found{0, 0};
  while (found.high == 0) {
    const ssize_t got = read(file, buffer + filled, sizeof buffer - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    filled += static_cast<std::size_t>(got);
    std::size_t line = 0;
    // Each whole line; and a line longer than the buffer by its start, which holds the range.
    while (found.high == 0) {
      const auto* newline =
          static_cast<const char*>(std::memchr(buffer + line, '\n', filled - line));
      if (newline == nullptr && !(line == 0 && filled == sizeof buffer)) break;
      if (!rest_of_line) {
        const char* text = buffer + line;
        const char* end = newline != nullptr ? newline : buffer + filled;
        const std::uintptr_t from = parse_hex(text, end);
        ++text;  // the '-' between the two ends
        const std::uintptr_t to = parse_hex(text, end);
        if (from <= here && here < to) {
          found = {from, to};
        } else {
          previous_end = to;
        }
      }
      rest_of_line = newline == nullptr;
      line = newline == nullptr ? filled : static_cast<std::size_t>(newline - buffer) + 1;
    }
    std::memmove(buffer, buffer + line, filled - line);
    filled -= line;
  }
  close(file);
  if (found.high != 0 && static_cast<std::uint64_t>(getpid()) == current_thread_id()) {
    found.low = previous_end;
    rlimit limit{};
    if (getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        limit.rlim_cur < found.high - previous_end)
      found.low = found.high - limit.rlim_cur;
  }
  errno = saved_errno;
  return found;
}

StackBounds this_thread_stack() {
  if (stack_bounds.high == 0) stack_bounds = read_stack_bounds();
  return stack_bounds;
}

// Follows the chain of saved frame pointers: each frame holds its caller's frame pointer and,
// above it, the return address. Right only where every function on the stack keeps a frame
// pointer (built with -fno-omit-frame-pointer); a frame without one is skipped silently, its
// caller with it. Stops at a pointer outside the thread's stack or not above the last.
__attribute__((noinline)) int walk_frame_pointers(void** frames, int capacity) {
  const StackBounds bounds = this_thread_stack();
  // Where the stack's extent cannot be read, the unwind tables walk.
  if (bounds.high == 0) return walk_unwind_tables(frames, capacity);
  auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  int depth = 0;
  while (depth < capacity && frame >= bounds.low && frame + 2 * sizeof(void*) <= bounds.high &&
         frame % sizeof(void*) == 0) {
    void* const* saved = reinterpret_cast<void* const*>(frame);
    if (saved[1] == nullptr) break;
    frames[depth++] = saved[1];
    const auto caller = reinterpret_cast<std::uintptr_t>(saved[0]);
    if (caller <= frame) break;
    frame = caller;
  }
  return depth;
}

}  // namespace

void prime_stack_walker(bool frame_pointers) {
  if (frame_pointers) {
    stack_walker = walk_frame_pointers;
    walker_name = "frame_pointers";
  }
  // libunwind's unw_backtrace reads the unwind tables (no frame pointers needed) several times
  // faster than libgcc's unwinder. It is loaded local to the hooks: Debian's libunwind also
  // exports _Unwind_Backtrace and backtrace, which would replace the C++ runtime's if it were
  // linked. Loading it allocates (the loader's bookkeeping, and its thread-local block at each
  // thread's first walk): it is loaded only where the hooks' malloc family hands those allocations
  // the hooks' own heap (start_up_arena.cpp). With the operator forms alone, the process's malloc
  // is glibc's own and would take them from the program's heap before the program's first
  // allocation, moving glibc's top chunk, so that the program's requests would land elsewhere
  // than without the hooks (docs/alloc_hooks.md): there libgcc's unwinder walks.
#if !defined(ALLOC_HOOKS_WITHOUT_LIBUNWIND)
  if (stack_walker == nullptr && alloc_hooks_bind_libc_allocator != nullptr) {
    if (void* library = open_local_library("libunwind.so.8")) {
      stack_walker = reinterpret_cast<int (*)(void**, int)>(find_symbol(library, "unw_backtrace"));
      walker_name = "libunwind";
    }
  }
#endif
  if (stack_walker == nullptr) {
    stack_walker = walk_unwind_tables;
    walker_name = "backtrace";
  }
  // The first walk, at start-up: libunwind allocates its thread-local block and opens a pipe of
  // its own (to check the memory it reads), the frame-pointer walk reads the start-up thread's
  // stack bounds. The pipe must not take the number of a standard stream the process started
  // without (a popen shell's stdout, when the program had closed its own): those are held on
  // /dev/null meanwhile.
  int placeholders[3];
  int held = 0;
  for (int stream = 0; stream < 3; ++stream) {
    if (fcntl(stream, F_GETFD) >= 0 || errno != EBADF) continue;
    const int placeholder = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (placeholder >= 0) placeholders[held++] = placeholder;
  }
  void* frames[4];
  (void)stack_walker(frames, 4);
  while (held > 0) close(placeholders[--held]);
}

int capture_stack(void** frames, int capacity) {
  return stack_walker != nullptr ? stack_walker(frames, capacity) : 0;
}

const char* stack_walker_name() {
  return walker_name;
}

// Which malloc the system backend calls. Without the hooks' own malloc family, the process's
// malloc: glibc's, or that of a tool that replaces it (heaptrack, valgrind, a sanitizer), which
// then sees the program's operator new as it would without the hooks. With the hooks' malloc
// family (malloc_family/platform/linux.cpp defines alloc_hooks_bind_libc_allocator), the process's
// malloc is the hooks' own, so the backend must be glibc's behind it: that function binds it.
namespace {
SystemAllocator process_allocator() {
  return {std::malloc, std::free, std::calloc, std::realloc, memalign, malloc_usable_size};
}
SystemAllocator bound = {};
}  // namespace

SystemFunctions bind_system_allocator() {
  bound = alloc_hooks_bind_libc_allocator != nullptr ? alloc_hooks_bind_libc_allocator()
                                                     : process_allocator();
  return {bound.malloc, bound.calloc, bound.realloc, bound.free, bound.memalign};
}

std::size_t system_usable_size(const void* block) {
  return bound.usable_size(const_cast<void*>(block));
}
// libstdc++ asks aligned_alloc for the size rounded up to a multiple of the alignment (C11 required
// it), and glibc serves that as memalign.
void* system_allocate_aligned_new(std::size_t alignment, std::size_t size) {
  const std::size_t rounded = (size + alignment - 1) & ~(alignment - 1);
  return rounded < size ? nullptr : bound.memalign(alignment, rounded);
}
void system_release_aligned(void* block, std::size_t) {
  bound.free(block);
}
std::size_t system_usable_size_aligned(const void* block, std::size_t) {
  return bound.usable_size(const_cast<void*>(block));
}

void describe_system_allocator(char* out, std::size_t capacity) {
  std::snprintf(out, capacity, "glibc %s", gnu_get_libc_version());
}

}  // namespace alloc_hooks::platform
