// The GoogleTest checks of alloc_hooks/gtest.hpp: each compares one figure of a measured span
// with its limit and, on failure, names the sites behind the figure.
#include <fmt/format.h>

#include <memory>

#include "alloc_hooks/gtest.hpp"

namespace alloc_hooks::testing {

namespace {

// The top three sites of the span from `before` to `after`, by `measure`.
std::string top_sites(const std::vector<SiteFigures>& before, const std::vector<SiteFigures>& after,
                      SiteMeasure measure) {
  RawSites raw = read_sites(after);
  subtract_figures(raw.figures, before);
  return top_sites_line(SiteReport(raw), measure);
}

std::string peak_failure(std::uint64_t peak, std::uint64_t limit,
                         const std::vector<SiteFigures>& before,
                         const std::vector<SiteFigures>& after) {
  return fmt::format("peak {} ({} bytes) >= limit {} ({} bytes); {}",
                     format_bytes(static_cast<double>(peak)), peak,
                     format_bytes(static_cast<double>(limit)), limit,
                     top_sites(before, after, SiteMeasure::peak_bytes));
}

}  // namespace

Measurement::Measurement(WindowResult window, SlowAllocation slowest,
                         std::vector<SiteFigures> sites_before,
                         std::vector<SiteFigures> sites_after)
    : window_(std::move(window)),
      slowest_(slowest),
      sites_before_(std::move(sites_before)),
      sites_after_(std::move(sites_after)) {}

::testing::AssertionResult Measurement::no_allocations() const {
  if (window_.allocations == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << fmt::format("{} allocations ({} bytes) where none were expected; {}",
                        window_.allocations, window_.bytes_allocated,
                        top_sites(sites_before_, sites_after_, SiteMeasure::allocated_bytes));
}

::testing::AssertionResult Measurement::no_leaks() const {
  if (window_.live_bytes_delta == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << fmt::format("live bytes changed by {} ({} allocations, {} frees); {}",
                        window_.live_bytes_delta, window_.allocations, window_.frees,
                        top_sites(sites_before_, sites_after_, SiteMeasure::live_bytes));
}

::testing::AssertionResult Measurement::peak_below(std::uint64_t bytes) const {
  if (window_.peak_live_bytes < bytes) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << peak_failure(window_.peak_live_bytes, bytes, sites_before_, sites_after_);
}

::testing::AssertionResult Measurement::alloc_latency_below(std::uint64_t ns) const {
  if (window_.alloc_latency.max_ns < ns) return ::testing::AssertionSuccess();
  const SiteReport report(read_sites(sites_after_));
  return ::testing::AssertionFailure()
         << fmt::format("slowest allocation {} ns >= limit {} ns: {} bytes at {}",
                        window_.alloc_latency.max_ns, ns, slowest_.size,
                        report.site_of(slowest_.stack_id).where());
}

ScopedMemoryLimit::ScopedMemoryLimit(std::uint64_t bytes)
    : limit_(bytes),
      after_([] {
        std::vector<SiteFigures> room;
        room.reserve(stack_count() + kRoomForNewStacks);
        return room;
      }()),
      before_(read_site_figures()) {}

ScopedMemoryLimit::~ScopedMemoryLimit() {
  const WindowResult result = window_.result();
  read_site_figures(after_);
  if (result.peak_live_bytes >= limit_)
    ADD_FAILURE() << peak_failure(result.peak_live_bytes, limit_, before_, after_);
}

namespace {

// Runs before the result printer (limit_every_test puts it there), so that its failure is the
// test's and printed with it.
class MemoryLimitListener final : public ::testing::EmptyTestEventListener {
 public:
  explicit MemoryLimitListener(std::uint64_t bytes) : limit_(bytes) {}
  void OnTestStart(const ::testing::TestInfo&) override {
    scope_ = std::make_unique<ScopedMemoryLimit>(limit_);
  }
  void OnTestEnd(const ::testing::TestInfo&) override { scope_.reset(); }

 private:
  std::uint64_t limit_;
  std::unique_ptr<ScopedMemoryLimit> scope_;
};

}  // namespace

void limit_every_test(std::uint64_t bytes) {
  ::testing::TestEventListeners& listeners = ::testing::UnitTest::GetInstance()->listeners();
  ::testing::TestEventListener* printer = listeners.Release(listeners.default_result_printer());
  listeners.Append(new MemoryLimitListener(bytes));
  if (printer != nullptr) listeners.Append(printer);
}

}  // namespace alloc_hooks::testing
