// The readers of this process's sites (alloc_hooks/sites.hpp): off the hot path, allowed to
// allocate.
#include <algorithm>

#include "alloc_hooks/alloc_hooks.hpp"
#include "alloc_hooks/sites.hpp"

namespace alloc_hooks {

namespace {

std::vector<std::uintptr_t> addresses_of(std::uint32_t id) {
  const Stack frames = stack(id);
  std::vector<std::uintptr_t> addresses(frames.depth);
  for (std::size_t i = 0; i < frames.depth; ++i)
    addresses[i] = reinterpret_cast<std::uintptr_t>(frames.frames[i]);
  return addresses;
}

bool any_figure(const SiteFigures& figures) {
  return figures.live_bytes != 0 || figures.peak_snapshot_bytes != 0 ||
         figures.allocated_bytes != 0 || figures.allocations != 0;
}

// The slowest allocations and the worst budget violation are read before anything here
// allocates: the readers' own allocations may be slower than the program's fastest kept ones and
// push them out of the per-thread lists.
RawSites assemble_sites(const std::vector<SiteFigures>& figures, const SlowestAllocations& slowest,
                        std::uint32_t worst_violation_stack) {
  RawSites raw;
  raw.sampling = sampling_report();
  for (std::uint32_t id = 1; id < figures.size(); ++id) {
    if (!any_figure(figures[id])) continue;
    raw.figures[id] = figures[id];
    raw.stacks[id] = addresses_of(id);
  }
  for (std::size_t i = 0; i < slowest.size; ++i) add_stack(raw, slowest.items[i].stack_id);
  add_stack(raw, worst_violation_stack);
  raw.modules = loaded_modules();
  return raw;
}

}  // namespace

RawSites read_sites() {
  const SlowestAllocations slowest = slowest_allocations(SlowestAllocations::kCapacity);
  const std::uint32_t worst = budget_report().worst_violation.stack_id;
  return assemble_sites(read_site_figures(), slowest, worst);
}

RawSites read_sites(const std::vector<SiteFigures>& figures) {
  return assemble_sites(figures, slowest_allocations(SlowestAllocations::kCapacity),
                        budget_report().worst_violation.stack_id);
}

void add_stack(RawSites& raw, std::uint32_t id) {
  if (id != 0) raw.stacks[id] = addresses_of(id);
}

std::vector<SiteFigures> read_site_figures() {
  // Room for stacks stored while this allocates; those left out have no figure of the span yet.
  std::vector<SiteFigures> figures;
  figures.reserve(stack_count() + 64);
  read_site_figures(figures);
  return figures;
}

void read_site_figures(std::vector<SiteFigures>& figures) {
  figures.resize(std::min<std::size_t>(figures.capacity(), stack_count()));
  for (std::uint32_t id = 0; id < figures.size(); ++id) figures[id] = site_figures(id);
}

}  // namespace alloc_hooks
