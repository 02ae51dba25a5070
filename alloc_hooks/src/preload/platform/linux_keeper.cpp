// The keeper: shared state, the process that outlives the program, and private copies for the
// program's fork children (linux_keeper.hpp). Nothing here allocates: the keeper and a fork child
// run it where an allocation would be counted into the program's shared figures.
#include "preload/platform/linux_keeper.hpp"

#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/platform/linux_shared_pages.hpp"

namespace alloc_hooks::detail {

namespace {

// Address space only (MAP_NORESERVE): the pages are backed where the hooks write them. Asked for
// far below where the kernel places a program's own mappings (top down from below the stack) and
// its heap (above the executable), so that their addresses stay as without the reservation:
// CPython, for one, allocates a 128 KiB node of its arena map or not depending on them.
constexpr std::size_t kReservationBytes = std::size_t{64} << 30;
constexpr std::uintptr_t kReservationHint = std::uintptr_t{1} << 45;

std::atomic<char*> reservation{nullptr};
std::atomic<std::size_t> reservation_used{0};

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

std::uintptr_t page_down(std::uintptr_t address) {
  return address & ~(page_size() - 1);
}

std::uintptr_t page_up(std::uintptr_t address) {
  return page_down(address + page_size() - 1);
}

char* reserved() {
  char* base = reservation.load(std::memory_order_acquire);
  if (base != nullptr) return base;
  // Shared from the start: the keeper, forked later, shares it as it stands, with no copy.
  void* mapped = mmap(reinterpret_cast<void*>(kReservationHint), kReservationBytes,
                      PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  if (reservation.compare_exchange_strong(base, static_cast<char*>(mapped),
                                          std::memory_order_acq_rel))
    return static_cast<char*>(mapped);
  munmap(mapped, kReservationBytes);  // another thread reserved first
  return base;
}

// Pages whose first `copied` bytes hold what must be kept (the others are zero), the first
// `from_file` of them mapped from a file (.data: each page read, whether in the page cache or not).
struct Range {
  char* start = nullptr;
  std::size_t bytes = 0;
  std::size_t copied = 0;
  std::size_t from_file = 0;
};

// This library's writable pages that stay writable (.data, .bss; not the part the loader makes
// read-only after relocation, which the RELRO header names).
Range own_writable_data() {
  struct Search {
    std::uintptr_t inside;
    Range found;
  } search{reinterpret_cast<std::uintptr_t>(&own_writable_data), {}};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* state) {
        Search& search = *static_cast<Search*>(state);
        bool this_library = false;
        std::uintptr_t writable_start = 0, writable_end = 0, file_end = 0, read_only_end = 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& header = info->dlpi_phdr[i];
          const std::uintptr_t start = info->dlpi_addr + header.p_vaddr;
          const std::uintptr_t end = start + header.p_memsz;
          if (header.p_type == PT_LOAD && search.inside >= start && search.inside < end)
            this_library = true;
          if (header.p_type == PT_LOAD && (header.p_flags & PF_W) != 0) {
            writable_start = start;
            writable_end = end;
            file_end = start + header.p_filesz;
          }
          if (header.p_type == PT_GNU_RELRO) read_only_end = end;
        }
        if (!this_library || writable_end == 0) return 0;
        // The loader protects the RELRO pages whole: a page it ends inside stays writable.
        const std::uintptr_t start =
            page_down(read_only_end > writable_start ? read_only_end : writable_start);
        const std::size_t bytes = page_up(writable_end) - start;
        search.found = {reinterpret_cast<char*>(start), bytes, bytes, page_up(file_end) - start};
        return 1;
      },
      &search);
  return search.found;
}

bool all_zero(const char* page, std::size_t bytes) {
  const auto* words = reinterpret_cast<const std::uint64_t*>(page);
  for (std::size_t i = 0; i < bytes / sizeof *words; ++i) {
    if (words[i] != 0) return false;
  }
  return true;
}

// Copies the pages of [from, from + bytes) that hold anything to `to` (whose pages are zero). A
// page not backed (never written: mincore) is not read, so that it is not backed now; a backed
// one that holds only zeros stays unbacked in the copy. (A page of a file mapping that is not in
// the page cache reads as not backed: `check_backed` false reads every page.)
void copy_written_pages(const char* from, char* to, std::size_t bytes, bool check_backed) {
  constexpr std::size_t kBatch = 4096;
  unsigned char backed[kBatch];
  const std::size_t page = page_size();
  for (std::size_t done = 0; done < bytes;) {
    const std::size_t batch_bytes = bytes - done < kBatch * page ? bytes - done : kBatch * page;
    const bool known =
        check_backed && mincore(const_cast<char*>(from) + done, batch_bytes, backed) == 0;
    const std::size_t pages = batch_bytes / page;
    for (std::size_t first = 0; first < pages;) {
      std::size_t end = first + 1;
      const bool read = !known || (backed[first] & 1);
      while (end < pages && (!known || (backed[end] & 1)) == read) ++end;
      if (read) {
        // One call maps the run's pages, where reading them one by one takes a fault each (a
        // fork child has none of a shared mapping's pages mapped).
        char* const run = const_cast<char*>(from) + done + first * page;
        madvise(run, (end - first) * page, MADV_POPULATE_READ);
        for (std::size_t at = first; at < end; ++at) {
          const char* source = from + done + at * page;
          if (!all_zero(source, page)) std::memcpy(to + done + at * page, source, page);
        }
      }
      first = end;
    }
    done += batch_bytes;
  }
}

// Puts a copy of `range` in its place: shared (with processes forked after) or private.
bool replace_with_copy(const Range& range, int kind) {
  void* mapped = mmap(nullptr, range.bytes, PROT_READ | PROT_WRITE,
                      kind | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mapped == MAP_FAILED) return false;
  char* const copy = static_cast<char*>(mapped);
  copy_written_pages(range.start, copy, range.from_file, false);
  copy_written_pages(range.start + range.from_file, copy + range.from_file,
                     range.copied - range.from_file, true);
  if (mremap(copy, range.bytes, range.bytes, MREMAP_MAYMOVE | MREMAP_FIXED, range.start) ==
      MAP_FAILED) {
    munmap(copy, range.bytes);
    return false;
  }
  return true;
}

// The reservation, with the pages handed out so far to be kept.
Range reserved_pages() {
  const std::size_t used = reservation_used.load(std::memory_order_relaxed);
  return {reservation.load(std::memory_order_relaxed), kReservationBytes,
          page_up(used < kReservationBytes ? used : kReservationBytes), 0};
}

Range shared_data;
// Thread-local, so private to each process: the program clears it once the middle process has
// ended, while the keeper may still be running its fork handlers.
thread_local bool forking_keeper = false;

// In a fork child (not the keeper's forks): private copies of what the program shares with its
// keeper, the pages first (what of them is in use is in the data). A child that cannot have them
// ends before it runs, as it would count into the program's figures.
void make_private_in_child() {
  if (forking_keeper) return;
  const Range data = shared_data;
  const bool pages_private = reservation.load(std::memory_order_relaxed) == nullptr ||
                             replace_with_copy(reserved_pages(), MAP_PRIVATE);
  if (!pages_private || (data.bytes != 0 && !replace_with_copy(data, MAP_PRIVATE))) {
    static const char message[] =
        "alloc_hooks: a fork child cannot have its own copy of the hooks' figures; it ends\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    syscall(SYS_exit_group, 127);
  }
}

// The number of threads of this process (the 20th field of /proc/self/stat), 0 if unknown.
long threads_of_this_process() {
  char text[1024];
  const int file = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (file < 0) return 0;
  const ssize_t length = read(file, text, sizeof text - 1);
  close(file);
  if (length <= 0) return 0;
  text[length] = '\0';
  const char* field = std::strrchr(text, ')');  // after the command, which may hold blanks
  for (int index = 2; field != nullptr && index < 20; ++index) field = std::strchr(field + 1, ' ');
  return field != nullptr ? std::strtol(field + 1, nullptr, 10) : 0;
}

// The keeper's life: the program's files closed but the two it was handed (the lock, which it
// holds until it ends, and a pidfd of the program), then a wait for the program's end.
[[noreturn]] void keep(int lock, int program_end, void (*after_the_program)()) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  setsid();
  // A pipe the program writes must end with it: every file of the program's but these two goes.
  const int highest = lock > program_end ? lock : program_end;
  for (int file = 0; file < highest; ++file) {
    if (file != lock && file != program_end) close(file);
  }
  syscall(SYS_close_range, highest + 1, ~0U, 0);
  pollfd watch{program_end, POLLIN, 0};
  if (poll(&watch, 1, -1) == 1) after_the_program();  // signals blocked: no EINTR
  syscall(SYS_exit_group, 0);
  __builtin_unreachable();
}

// The lock is taken and the pidfd opened here, before the forks, so that the keeper holds both
// from its first moment (a lock is the open file's, which the keeper shares): the program need not
// wait for the keeper to run, only for the middle process to end.
void fork_keeper(const char* lock_path, void (*after_the_program)()) {
  const int lock = open(lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  const int program_end = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
  if (lock >= 0 && program_end >= 0 && flock(lock, LOCK_EX) == 0) {
    const pid_t middle = fork();
    if (middle == 0) {
      if (fork() == 0) keep(lock, program_end, after_the_program);
      syscall(SYS_exit_group, 0);
    }
    if (middle > 0) waitpid(middle, nullptr, 0);
  }
  if (lock >= 0) close(lock);
  if (program_end >= 0) close(program_end);
}

}  // namespace

void keep_fork_children_apart() {
  pthread_atfork(nullptr, nullptr, make_private_in_child);
}

void start_keeper(const char* lock_path, void (*after_the_program)()) {
  if (threads_of_this_process() != 1 || reserved() == nullptr) return;
  const Range data = own_writable_data();
  if (data.bytes == 0 || !replace_with_copy(data, MAP_SHARED)) return;
  shared_data = data;
  forking_keeper = true;
  fork_keeper(lock_path, after_the_program);
  forking_keeper = false;
}

}  // namespace alloc_hooks::detail

extern "C" void* alloc_hooks_shared_pages(std::size_t bytes) {
  using namespace alloc_hooks::detail;
  char* const base = reserved();
  if (base == nullptr) return nullptr;
  const std::size_t rounded = page_up(bytes);
  const std::size_t at = reservation_used.fetch_add(rounded, std::memory_order_relaxed);
  return at + rounded <= kReservationBytes ? base + at : nullptr;
}
