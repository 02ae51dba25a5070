// The sampler's slow path: which allocation is sampled, its weight, its stack and its site's
// figures, and the peak snapshot. A sampled block is put in the sampled-block table after its
// allocation returned from the backend and taken out before it goes back, so that no two live
// blocks there share an address.
#include "core/sampler.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>

#include "alloc_hooks/sites.hpp"
#include "core/backend.hpp"
#include "core/clock.hpp"
#include "core/platform/platform.hpp"
#include "core/sampled_blocks.hpp"
#include "core/scoped_flag.hpp"
#include "core/settings.hpp"
#include "core/size_shadow.hpp"
#include "core/stack_table.hpp"

namespace alloc_hooks::detail::sampler {

namespace {

std::atomic<std::uint64_t> samples{0};
std::atomic<std::uint64_t> unrecorded_samples{0};
std::atomic<std::uint64_t> thread_seeds{0};

// The peak snapshot, kept without copying: each peak starts a new epoch, and a site keeps its live
// bytes as of the last peak only when it first changes after it; a site that has not changed
// since still holds them as its live bytes. Exact at each peak, at O(1) per peak and per sample
// (with threads racing on one site: within that site's concurrent samples). Epoch 0 is never
// current, so that the zeroed sites start valid.
alignas(64) std::atomic<std::uint64_t> peak_epoch{1};
std::atomic<std::uint64_t> snapshot_live_bytes{0};

void change_site_live_bytes(std::uint32_t stack_id, std::int64_t change) noexcept {
  stack_table::SiteCounters& site = stack_table::counters(stack_id);
  const std::uint64_t epoch = peak_epoch.load(std::memory_order_relaxed);
  if (site.peak_epoch.load(std::memory_order_relaxed) != epoch) {
    site.peak_snapshot_bytes.store(site.live_bytes.load(std::memory_order_relaxed),
                                   std::memory_order_relaxed);
    site.peak_epoch.store(epoch, std::memory_order_relaxed);
  }
  site.live_bytes.fetch_add(change, std::memory_order_relaxed);
}

// xorshift64*: a thread's own generator, seeded apart from every other thread's.
std::uint64_t next_random(std::uint64_t& state) noexcept {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545f4914f6cdd1dULL;
}

// Bytes until the next sample: exponential with mean `interval` (0 at interval 1: every one).
std::int64_t draw_interval(ThreadSampler& sampler, std::uint64_t interval) noexcept {
  if (interval == 1) return 0;
  const double uniform =
      (static_cast<double>(next_random(sampler.random) >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double bytes = -std::log(uniform) * static_cast<double>(interval);
  return bytes < 0x1.0p62 ? static_cast<std::int64_t>(bytes) + 1 : std::int64_t{1} << 62;
}

}  // namespace

void prepare() noexcept {
  stack_table::prepare();
  sampled_blocks::prepare();
}

std::uint64_t fresh_seed(const void* salt) noexcept {
  const std::uint64_t seed =
      read_ticks() ^ reinterpret_cast<std::uintptr_t>(salt) ^
      (thread_seeds.fetch_add(1, std::memory_order_relaxed) + 1) * 0x9e3779b97f4a7c15ULL;
  return seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
}

void start(ThreadSampler& sampler, std::uint64_t seed) noexcept {
  sampler.random = seed != 0 ? seed : 0x9e3779b97f4a7c15ULL;
  const std::uint64_t interval = settings.sample_bytes.load(std::memory_order_relaxed);
  sampler.bytes_until_sample = interval == 0 ? static_cast<std::int64_t>(kDefaultSampleBytes)
                                             : draw_interval(sampler, interval);
}

std::uint32_t capture_stack_id() noexcept {
  void* frames[kMaxStackDepth];
  int depth;
  {
    // What the walk allocates (libunwind, at a thread's first walk) is the hooks' own memory.
    const ScopedFlag own_work(doing_own_work);
    depth = platform::capture_stack(frames, static_cast<int>(kMaxStackDepth));
  }
  return depth > 0 ? stack_table::intern(frames, static_cast<std::size_t>(depth))
                   : stack_table::kNoRoom;
}

void offer(ThreadSampler& sampler, const void* block, std::size_t requested,
           std::uint64_t ticks) noexcept {
  const std::uint64_t interval = settings.sample_bytes.load(std::memory_order_relaxed);
  if (interval == 0) {  // off: look again after as many bytes as the default interval
    sampler.bytes_until_sample = static_cast<std::int64_t>(kDefaultSampleBytes);
    return;
  }
  if (sampler.random == 0) {  // the thread's first draw: does this allocation reach it?
    start(sampler, fresh_seed(&sampler));
    sampler.bytes_until_sample -= static_cast<std::int64_t>(requested);
    if (sampler.bytes_until_sample > 0) return;
  }
  sampler.bytes_until_sample = draw_interval(sampler, interval);

  // Probability 1 - e^(-s/I) of being sampled; weighted by its inverse (1 exactly at I = 1).
  const double probability =
      interval == 1 ? 1.0
                    : -std::expm1(-static_cast<double>(requested) / static_cast<double>(interval));
  const double per_sample = probability > 0 ? 1.0 / probability : 1.0;
  const Sampled record{requested, capture_stack_id(),
                       interval == 1 ? static_cast<std::int64_t>(requested)
                                     : std::llround(static_cast<double>(requested) * per_sample)};
  samples.fetch_add(1, std::memory_order_relaxed);
  if (!sampled_blocks::insert(block, record)) {
    unrecorded_samples.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  size_shadow::shadow_byte(block) = size_shadow::kSampled;
  change_site_live_bytes(record.stack_id, record.weight);
  stack_table::SiteCounters& site = stack_table::counters(record.stack_id);
  site.allocated_bytes.fetch_add(static_cast<std::uint64_t>(record.weight),
                                 std::memory_order_relaxed);
  site.allocations.fetch_add(
      interval == 1 ? 1 : static_cast<std::uint64_t>(std::llround(per_sample)),
      std::memory_order_relaxed);
  site.alloc_ticks.fetch_add(
      interval == 1
          ? ticks
          : static_cast<std::uint64_t>(std::llround(static_cast<double>(ticks) * per_sample)),
      std::memory_order_relaxed);
}

std::size_t requested_size(const void* block) noexcept {
  return sampled_blocks::find(block).requested;
}

Sampled forget(const void* block) noexcept {
  const Sampled record = sampled_blocks::remove(block);
  change_site_live_bytes(record.stack_id, -record.weight);
  return record;
}

void restore(const void* block, const Sampled& record) noexcept {
  if (!sampled_blocks::insert(block, record)) {
    // No room: the block goes back to being counted unsampled, with its requested size.
    unrecorded_samples.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  size_shadow::shadow_byte(block) = size_shadow::kSampled;
  change_site_live_bytes(record.stack_id, record.weight);
}

void note_peak(std::uint64_t live) noexcept {
  snapshot_live_bytes.store(live, std::memory_order_relaxed);
  peak_epoch.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace alloc_hooks::detail::sampler

namespace alloc_hooks {

// The public readers: off the hot path.
std::uint32_t stack_count() {
  return detail::stack_table::count();
}

Stack stack(std::uint32_t id) {
  return detail::stack_table::frames_of(id);
}

SiteFigures site_figures(std::uint32_t id) {
  if (id >= detail::stack_table::count()) return {};
  const detail::stack_table::SiteCounters& site = detail::stack_table::counters(id);
  const std::int64_t live = site.live_bytes.load(std::memory_order_relaxed);
  const bool changed_since_peak = site.peak_epoch.load(std::memory_order_relaxed) ==
                                  detail::sampler::peak_epoch.load(std::memory_order_relaxed);
  return {live,
          changed_since_peak ? site.peak_snapshot_bytes.load(std::memory_order_relaxed) : live,
          site.allocated_bytes.load(std::memory_order_relaxed),
          site.allocations.load(std::memory_order_relaxed),
          detail::ticks_to_ns(site.alloc_ticks.load(std::memory_order_relaxed))};
}

SamplingReport sampling_report() {
  SamplingReport report;
  report.sample_bytes = detail::settings.sample_bytes.load(std::memory_order_relaxed);
  report.samples = detail::sampler::samples.load(std::memory_order_relaxed);
  report.snapshot_live_bytes = detail::sampler::snapshot_live_bytes.load(std::memory_order_relaxed);
  report.unrecorded_samples = detail::sampler::unrecorded_samples.load(std::memory_order_relaxed);
  std::snprintf(report.stack_walker, sizeof report.stack_walker, "%s",
                platform::stack_walker_name());
  return report;
}

}  // namespace alloc_hooks
