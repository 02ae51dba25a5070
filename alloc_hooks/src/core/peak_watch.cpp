// The peak watch (peak_watch.hpp): the thread that moves next_peak past `live` makes the call.
#include "core/peak_watch.hpp"

#include <limits>

namespace alloc_hooks::detail::peak_watch {

std::atomic<std::uint64_t> next_peak{std::numeric_limits<std::uint64_t>::max()};

namespace {
std::uint64_t watched_step = 0;
Reached callback = nullptr;
std::atomic<bool> calling{false};
}  // namespace

void watch(std::uint64_t step, Reached reached) noexcept {
  watched_step = step;
  callback = reached;
  next_peak.store(
      step != 0 && reached != nullptr ? step : std::numeric_limits<std::uint64_t>::max(),
      std::memory_order_relaxed);
}

void restart(std::uint64_t live) noexcept {
  calling.store(false, std::memory_order_relaxed);
  if (watched_step != 0 && callback != nullptr)
    next_peak.store((live / watched_step + 1) * watched_step, std::memory_order_relaxed);
}

void reach(std::uint64_t live) noexcept {
  std::uint64_t next = next_peak.load(std::memory_order_relaxed);
  const std::uint64_t after = (live / watched_step + 1) * watched_step;
  while (live >= next) {
    if (next_peak.compare_exchange_weak(next, after, std::memory_order_relaxed)) {
      if (!calling.exchange(true, std::memory_order_acquire)) {
        callback(live);
        calling.store(false, std::memory_order_release);
      }
      return;
    }
  }
}

}  // namespace alloc_hooks::detail::peak_watch
