// Settings from the environment and the public setters. Runs inside the first allocation, so it
// parses by hand rather than with anything that could allocate.
#include "core/settings.hpp"

#include <algorithm>
#include <cstring>

#include "core/backend.hpp"
#include "core/clock.hpp"
#include "core/platform/platform.hpp"
#include "core/sampler.hpp"

namespace alloc_hooks::detail {

Settings settings;

namespace {

// Decimal digits only, no overflow; nullptr or empty means "not set".
bool parse_unsigned(const char* text, std::uint64_t& value) {
  if (text == nullptr || *text == '\0') return false;
  std::uint64_t parsed = 0;
  for (const char* digit = text; *digit != '\0'; ++digit) {
    if (*digit < '0' || *digit > '9') return false;
    const std::uint64_t next = parsed * 10 + static_cast<std::uint64_t>(*digit - '0');
    if (next / 10 != parsed) return false;
    parsed = next;
  }
  value = parsed;
  return true;
}

std::uint64_t unsigned_from_environment(const char* name, const char* error) {
  const char* text = platform::environment(name);
  std::uint64_t value = 0;
  if (text != nullptr && *text != '\0' && !parse_unsigned(text, value))
    platform::fail_fast(error, 2);
  return value;
}

}  // namespace

void load_settings_from_environment() {
  if (const char* timing = platform::environment("ALLOC_HOOKS_TIMING");
      timing != nullptr && *timing != '\0') {
    if (std::strcmp(timing, "off") == 0) {
      settings.timing.store(TimingMode::off);
    } else if (std::strcmp(timing, "alloc") == 0) {
      settings.timing.store(TimingMode::allocations);
    } else if (std::strcmp(timing, "all") == 0) {
      settings.timing.store(TimingMode::allocations_and_frees);
    } else {
      platform::fail_fast("ALLOC_HOOKS_TIMING must be off, alloc or all", 2);
    }
  }
  settings.live_bytes_limit.store(
      unsigned_from_environment("ALLOC_HOOKS_LIVE_BYTES_LIMIT",
                                "ALLOC_HOOKS_LIVE_BYTES_LIMIT must be a whole number of bytes"));
  const std::uint64_t batch = unsigned_from_environment(
      "ALLOC_HOOKS_LIVE_BATCH_BYTES",
      "ALLOC_HOOKS_LIVE_BATCH_BYTES must be a whole number of bytes below 2^62");
  if (batch >= (std::uint64_t{1} << 62))
    platform::fail_fast("ALLOC_HOOKS_LIVE_BATCH_BYTES must be a whole number of bytes below 2^62",
                        2);
  settings.live_batch_bytes.store(static_cast<std::int64_t>(batch));
  if (const char* text = platform::environment("ALLOC_HOOKS_SAMPLE_BYTES");
      text != nullptr && *text != '\0') {
    std::uint64_t bytes = 0;
    if (!parse_unsigned(text, bytes) || bytes >= (std::uint64_t{1} << 62))
      platform::fail_fast(
          "ALLOC_HOOKS_SAMPLE_BYTES must be a whole number of bytes below 2^62 (0 off, 1 every "
          "allocation)",
          2);
    settings.sample_bytes.store(bytes);
  }
  if (const char* walk = platform::environment("ALLOC_HOOKS_STACK_WALK");
      walk != nullptr && *walk != '\0') {
    if (std::strcmp(walk, "fp") == 0) {
      settings.frame_pointer_walk.store(true);
    } else if (std::strcmp(walk, "unwind") != 0) {
      platform::fail_fast("ALLOC_HOOKS_STACK_WALK must be unwind or fp", 2);
    }
  }
  const std::uint64_t budget_ns = unsigned_from_environment(
      "ALLOC_HOOKS_ALLOC_BUDGET_NS",
      "ALLOC_HOOKS_ALLOC_BUDGET_NS must be a whole number of nanoseconds");
  settings.alloc_budget_ns.store(budget_ns);
  // Converting needs the clock calibrated: this first allocation waits for it (about 20 ms).
  if (budget_ns != 0)
    settings.alloc_budget_ticks.store(std::max<std::uint64_t>(1, ns_to_ticks(budget_ns)));
}

}  // namespace alloc_hooks::detail

namespace alloc_hooks {

void set_timing(TimingMode mode) {
  (void)detail::active_backend();  // start-up reads the environment first, so the setter wins
  detail::settings.timing.store(mode, std::memory_order_relaxed);
}

TimingMode timing() {
  (void)detail::active_backend();
  return detail::settings.timing.load(std::memory_order_relaxed);
}

void set_live_bytes_limit(std::uint64_t bytes) {
  (void)detail::active_backend();
  detail::settings.live_bytes_limit.store(bytes, std::memory_order_relaxed);
}

void set_live_batch_bytes(std::uint64_t bytes) {
  (void)detail::active_backend();
  detail::settings.live_batch_bytes.store(
      static_cast<std::int64_t>(std::min(bytes, std::uint64_t{1} << 62)),
      std::memory_order_relaxed);
}

void set_sample_bytes(std::uint64_t bytes) {
  (void)detail::active_backend();
  detail::settings.sample_bytes.store(std::min(bytes, (std::uint64_t{1} << 62) - 1),
                                      std::memory_order_relaxed);
  detail::sampler::restart_this_thread(detail::sampler::fresh_seed(&bytes));
}

void seed_sampler(std::uint64_t seed) {
  (void)detail::active_backend();
  detail::sampler::restart_this_thread(seed);
}

std::uint64_t sample_bytes() {
  (void)detail::active_backend();
  return detail::settings.sample_bytes.load(std::memory_order_relaxed);
}

void set_alloc_latency_budget_ns(std::uint64_t ns) {
  (void)detail::active_backend();
  detail::settings.alloc_budget_ns.store(ns, std::memory_order_relaxed);
  detail::settings.alloc_budget_ticks.store(
      ns == 0 ? 0 : std::max<std::uint64_t>(1, detail::ns_to_ticks(ns)), std::memory_order_relaxed);
}

}  // namespace alloc_hooks
