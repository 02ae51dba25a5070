// Where the memory went: call sites of sampled allocations, and the stacks of slow ones.
//
// Each thread samples its allocations by bytes: with a mean interval of I bytes, an allocation of
// s bytes is sampled with probability 1 - e^(-s/I) (exponentially distributed gaps, as tcmalloc's
// and jemalloc's samplers). A sampled allocation records its call stack, kept once per distinct
// stack, and stands for s / (1 - e^(-s/I)) bytes, so that each site's figures are unbiased
// estimates of the whole. I = 1 records every allocation, exactly. A sampled block keeps its
// stack until it is freed: each site's live bytes are known at any moment, and so are its live
// bytes at the innermost window's (or the process's) last peak of live bytes: the peak snapshot,
// kept exactly at O(1) per peak (sampler.cpp).
//
// The slowest allocations and the worst latency-budget violation carry their stack whatever the
// sampler chose (SlowAllocation::stack_id). Stacks are raw return addresses; the symbols are
// looked up apart, off the hot path (alloc_hooks/symbolize.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace alloc_hooks {

inline constexpr std::size_t kMaxStackDepth = 64;
inline constexpr std::uint64_t kDefaultSampleBytes = 512 * 1024;

// The mean sampling interval in bytes; 0 turns sampling off, 1 records every allocation. Set by
// ALLOC_HOOKS_SAMPLE_BYTES at start-up (default kDefaultSampleBytes). The calling thread sees a
// change at its next allocation; other threads at their next sample (or, with sampling off,
// within kDefaultSampleBytes of allocation).
void set_sample_bytes(std::uint64_t bytes);
std::uint64_t sample_bytes();
// Restarts the calling thread's sampler from `seed`: the same allocations are then sampled the
// same way (reproducible tests). Each thread is otherwise seeded apart.
void seed_sampler(std::uint64_t seed);

// A stored stack: return addresses, innermost first (the hooks' own frames included).
struct Stack {
  void* const* frames = nullptr;
  std::size_t depth = 0;
};
// Stack ids run from 1 to stack_count() - 1; 0 is "no stack" (none taken, or no room left).
std::uint32_t stack_count();
Stack stack(std::uint32_t id);

// One stack's sampled figures, estimates of all its allocations.
struct SiteFigures {
  std::int64_t live_bytes = 0;           // now
  std::int64_t peak_snapshot_bytes = 0;  // at the last peak
  std::uint64_t allocated_bytes = 0;     // since start-up
  std::uint64_t allocations = 0;
  std::uint64_t alloc_latency_ns = 0;  // total time spent allocating
};
SiteFigures site_figures(std::uint32_t id);

struct SamplingReport {
  std::uint64_t sample_bytes = 0;         // the interval now
  std::uint64_t samples = 0;              // sampled allocations since start-up
  std::uint64_t snapshot_live_bytes = 0;  // exact live bytes at the last peak
  std::uint64_t unrecorded_samples = 0;   // sampled but not kept (the block table was full)
  // "libunwind", "frame_pointers", "backtrace" (libgcc's unwinder: with the operator forms alone,
  // under TSan, or without libunwind) or
  // "RtlCaptureStackBackTrace"
  char stack_walker[32] = {};
};
SamplingReport sampling_report();

// The readers below allocate: call them outside what is measured.

// A module mapped into a process: its file, and the bias its addresses were loaded at.
struct Module {
  std::string path;
  std::uintptr_t bias = 0;
};
// This process's modules, now (none on Windows, where addresses are looked up in-process).
std::vector<Module> loaded_modules();

// Every site's figures, by stack id, without the stacks: cheap, and the one allocation it makes
// comes before the figures are read (reading must not move the peak it reads).
std::vector<SiteFigures> read_site_figures();
// The same into `figures`, without allocating: as many stacks as its capacity holds. Room made
// before a span (stack_count() + kRoomForNewStacks) reads its end without the reading itself
// being in the figures.
void read_site_figures(std::vector<SiteFigures>& figures);
inline constexpr std::size_t kRoomForNewStacks = 4096;

// Stacks and their figures as the hooks hold them: read from this process, or parsed from the
// report of an exited one (`memory_baseline profile`). Symbolized by alloc_hooks/site_report.hpp.
struct RawSites {
  std::vector<Module> modules;
  std::map<std::uint32_t, std::vector<std::uintptr_t>> stacks;  // by stack id
  std::map<std::uint32_t, SiteFigures> figures;                 // by stack id
  SamplingReport sampling;
};
// Every stack with a figure in `figures` (read_site_figures, taken when the span ended), and the
// stacks of the slowest allocations and the worst latency budget violation.
RawSites read_sites(const std::vector<SiteFigures>& figures);
RawSites read_sites();
// Adds stack `id` of this process to `raw` (a slow allocation's, kept from earlier).
void add_stack(RawSites& raw, std::uint32_t id);

}  // namespace alloc_hooks
