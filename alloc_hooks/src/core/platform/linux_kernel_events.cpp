// Linux: the kernel events inside allocation calls, recorded by perf into one ring per watched
// thread. Every event is a sample of period 1 whose record carries only the event's id (16
// bytes): the thread's page faults (a software event, allowed at kernel.perf_event_paranoid 2,
// Debian's default, because only faults taken in user mode are counted) and the entry to each
// memory system call (tracepoints: root, or perf_event_paranoid <= 1, and a readable tracefs for
// their ids). All of them write into the page-fault event's ring (PERF_EVENT_IOC_SET_OUTPUT), so
// one head tells whether anything happened. The ring is read and written by this thread alone:
// nothing here allocates or locks.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/kernel_events.hpp"
#include "core/thread_counters.hpp"

namespace alloc_hooks {

namespace detail {
namespace {

enum Kind : std::size_t {
#define ALLOC_HOOKS_KIND_ENUM(name) kind_##name,
  ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_KIND_ENUM)
#undef ALLOC_HOOKS_KIND_ENUM
      kKindCount
};
constexpr const char* kKindNames[kKindCount] = {
#define ALLOC_HOOKS_KIND_NAME(name) #name,
    ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_KIND_NAME)
#undef ALLOC_HOOKS_KIND_NAME
};
constexpr std::atomic<std::uint64_t> AtomicKernelEventCounts::*kCountOf[kKindCount] = {
#define ALLOC_HOOKS_KIND_MEMBER(name) &AtomicKernelEventCounts::name,
    ALLOC_HOOKS_KERNEL_EVENT_KINDS(ALLOC_HOOKS_KIND_MEMBER)
#undef ALLOC_HOOKS_KIND_MEMBER
};

// 64 data pages hold 16,384 records: more events inside one call than that are lost (the kernel
// never overwrites what the tail has not passed) and not counted.
constexpr std::size_t kDataPages = 64;

struct ThreadWatch {
  int fds[kKindCount];  // valid for the first `open_fds` kinds opened, in `kinds_of_fds`
  std::size_t kinds_of_fds[kKindCount];
  std::size_t open_fds;
  std::uint64_t ids[kKindCount];  // 0: that kind is not watched
  perf_event_mmap_page* meta;
  std::size_t mapped_bytes;
};
constinit thread_local ThreadWatch thread_watch{};

long open_event(perf_event_attr& attr, int group_fd) {
  return syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1 /* any CPU */, group_fd,
                 PERF_FLAG_FD_CLOEXEC);
}

perf_event_attr sample_every_event(std::uint32_t type, std::uint64_t config) {
  perf_event_attr attr;
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = type;
  attr.config = config;
  attr.sample_period = 1;
  attr.sample_type = PERF_SAMPLE_IDENTIFIER;
  attr.exclude_hv = 1;
  // Nobody waits on the ring: wake no one before it is nearly full.
  attr.watermark = 1;
  attr.wakeup_watermark = static_cast<std::uint32_t>(kDataPages * 4096 / 2);
  return attr;
}

// The tracepoint id of syscalls:sys_enter_`name`, or 0 when tracefs does not give it.
std::uint64_t syscall_entry_id(const char* name) {
  for (const char* root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
    char path[160] = {};
    std::size_t at = 0;
    for (const char* part : {root, "/events/syscalls/sys_enter_", name, "/id"}) {
      const std::size_t length = std::strlen(part);
      if (at + length >= sizeof path) return 0;
      std::memcpy(path + at, part, length);
      at += length;
    }
    const int file = open(path, O_RDONLY | O_CLOEXEC);
    if (file < 0) continue;
    char text[32] = {};
    const ssize_t read_bytes = read(file, text, sizeof text - 1);
    close(file);
    std::uint64_t id = 0;
    for (ssize_t i = 0; i < read_bytes && text[i] >= '0' && text[i] <= '9'; ++i)
      id = id * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (id != 0) return id;
  }
  return 0;
}

void keep_fd(ThreadWatch& watch, int fd, Kind kind) {
  watch.fds[watch.open_fds] = fd;
  watch.kinds_of_fds[watch.open_fds] = kind;
  ++watch.open_fds;
}

void close_from(ThreadWatch& watch, std::size_t first) {
  while (watch.open_fds > first) {
    --watch.open_fds;
    watch.ids[watch.kinds_of_fds[watch.open_fds]] = 0;
    close(watch.fds[watch.open_fds]);
  }
}

// The system-call events, all or none; returns why not, or nullptr.
const char* watch_system_calls(ThreadWatch& watch, int ring_fd) {
  const std::size_t first = watch.open_fds;
  for (std::size_t kind = 0; kind < kKindCount; ++kind) {
    if (kind == kind_page_faults) continue;
    const std::uint64_t id = syscall_entry_id(kKindNames[kind]);
    if (id == 0) {
      close_from(watch, first);
      return "system calls not counted: tracefs (/sys/kernel/tracing) gives no syscall "
             "tracepoint ids here (not mounted, or not readable without root)";
    }
    perf_event_attr attr = sample_every_event(PERF_TYPE_TRACEPOINT, id);
    const long fd = open_event(attr, -1);
    if (fd < 0) {
      close_from(watch, first);
      return errno == EACCES || errno == EPERM
                 ? "system calls not counted: tracing them needs root (CAP_PERFMON) or "
                   "kernel.perf_event_paranoid <= 1"
                 : "system calls not counted: the kernel refused their tracepoints";
    }
    keep_fd(watch, static_cast<int>(fd), static_cast<Kind>(kind));
    std::uint64_t event_id = 0;
    if (ioctl(static_cast<int>(fd), PERF_EVENT_IOC_SET_OUTPUT, ring_fd) != 0 ||
        ioctl(static_cast<int>(fd), PERF_EVENT_IOC_ID, &event_id) != 0) {
      close_from(watch, first);
      return "system calls not counted: their events cannot write into the thread's ring";
    }
    watch.ids[kind] = event_id;
  }
  return nullptr;
}

void copy_from_ring(const unsigned char* data, std::uint64_t size, std::uint64_t position,
                    void* out, std::size_t bytes) {
  auto* to = static_cast<unsigned char*>(out);
  for (std::size_t i = 0; i < bytes; ++i) to[i] = data[(position + i) & (size - 1)];
}

}  // namespace

void count_kernel_events(KernelEventRing& ring, std::uint64_t from, std::uint64_t to,
                         AtomicKernelEventCounts& into) {
  const ThreadWatch& watch = thread_watch;
  const auto* data = reinterpret_cast<const unsigned char*>(watch.meta) + watch.meta->data_offset;
  const std::uint64_t size = watch.meta->data_size;
  for (std::uint64_t position = from; position + sizeof(perf_event_header) <= to;) {
    perf_event_header header;
    copy_from_ring(data, size, position, &header, sizeof header);
    if (header.size < sizeof header) break;  // never written so by the kernel: stop reading
    if (header.type == PERF_RECORD_SAMPLE && header.size >= sizeof header + sizeof(std::uint64_t)) {
      std::uint64_t id;
      copy_from_ring(data, size, position + sizeof header, &id, sizeof id);
      for (std::size_t kind = 0; kind < kKindCount; ++kind) {
        if (watch.ids[kind] == id) bump(into.*kCountOf[kind]);
      }
    }
    position += header.size;
  }
  __atomic_store_n(ring.tail, to, __ATOMIC_RELEASE);
  ring.read_up_to = to;
}

}  // namespace detail

void unwatch_kernel_events_on_this_thread() {
  detail::ThreadWatch& watch = detail::thread_watch;
  detail::kernel_event_ring = {};
  detail::close_from(watch, 0);
  if (watch.meta != nullptr) munmap(watch.meta, watch.mapped_bytes);
  watch.meta = nullptr;
}

KernelEventWatch watch_kernel_events_on_this_thread() {
  using namespace detail;
  unwatch_kernel_events_on_this_thread();
  ThreadWatch& watch = thread_watch;
  perf_event_attr attr = sample_every_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
  attr.exclude_kernel = 1;  // the faults an allocator's own code takes, not the kernel's
  const long fd = open_event(attr, -1);
  if (fd < 0) {
    return {false, false,
            errno == EACCES || errno == EPERM
                ? "kernel events not counted: perf events are not allowed for this process "
                  "(kernel.perf_event_paranoid above 2, or a container's seccomp policy)"
                : "kernel events not counted: this kernel has no perf events"};
  }
  keep_fd(watch, static_cast<int>(fd), kind_page_faults);
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  watch.mapped_bytes = (1 + kDataPages) * page;
  void* mapped = mmap(nullptr, watch.mapped_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                      static_cast<int>(fd), 0);
  std::uint64_t event_id = 0;
  if (mapped == MAP_FAILED || ioctl(static_cast<int>(fd), PERF_EVENT_IOC_ID, &event_id) != 0) {
    if (mapped != MAP_FAILED) munmap(mapped, watch.mapped_bytes);
    close_from(watch, 0);
    return {false, false, "kernel events not counted: the perf ring cannot be mapped"};
  }
  watch.meta = static_cast<perf_event_mmap_page*>(mapped);
  watch.ids[kind_page_faults] = event_id;
  // Every page of the ring backed now, so that reading it later adds nothing to RSS.
  for (std::size_t offset = 0; offset < watch.mapped_bytes; offset += page)
    (void)*(static_cast<volatile const unsigned char*>(mapped) + offset);
  const char* why_not = watch_system_calls(watch, static_cast<int>(fd));

  KernelEventRing& ring = kernel_event_ring;
  static_assert(sizeof(watch.meta->data_head) == sizeof(std::uint64_t));
  ring.tail = reinterpret_cast<volatile std::uint64_t*>(&watch.meta->data_tail);
  ring.read_up_to = __atomic_load_n(&watch.meta->data_head, __ATOMIC_ACQUIRE);
  __atomic_store_n(ring.tail, ring.read_up_to, __ATOMIC_RELEASE);
  ring.head = reinterpret_cast<const volatile std::uint64_t*>(&watch.meta->data_head);
  return {true, why_not == nullptr, why_not};
}

}  // namespace alloc_hooks
