// `memory_baseline profile -- PROGRAM`: an unmodified program with every allocation counted.
#include <memory>
#include <scenarios/allocators.hpp>
#include <scenarios/command_line.hpp>

#include "command_line/command_line.hpp"
#include "memory_baseline/profile.hpp"

namespace memory_baseline {

RunParsed add_profile_options(CLI::App& command) {
  const auto profile = std::make_shared<ProfileSettings>();
  using scenarios::non_empty;
  command
      .add_option("--allocator", profile->allocator,
                  "system (default), mimalloc, jemalloc or tcmalloc")
      ->check(CLI::IsMember(scenarios::allocator_names()));
  command.add_option("--out", profile->out_dir, "output folder (default profile)")
      ->check(non_empty());
  command
      .add_option("--limit-mb", profile->limit_mb,
                  "budget: peak live bytes and peak RSS, MiB (each process and the tree)")
      ->check(scenarios::whole_number(1, 1u << 30));
  command.add_option("--alloc-budget-us", profile->alloc_budget_us, "budget: every allocation, us")
      ->check(scenarios::whole_number(1, 60'000'000));
  command
      .add_option("--sample-interval-ms", profile->sample_interval_ms,
                  "RSS sampling interval (default 10)")
      ->check(scenarios::whole_number(1, 60'000));
  command
      .add_option("--snapshot-every-mb", profile->snapshot_every_mb,
                  "a snapshot of live bytes by site each time the peak grows by N MiB (Linux; "
                  "SIGUSR2 takes one too)")
      ->check(scenarios::whole_number(1, 1u << 30));
  command.add_flag_callback(
      "--no-follow", [profile] { profile->follow = false; },
      "the program's own process only (default: the whole process tree, on Linux)");
  command.add_option("PROGRAM", profile->program, "the program to run")
      ->required()
      ->check(non_empty());
  command.add_option("ARGS", profile->arguments, "its arguments (after --)");
  return [profile] { return profile_command(*profile); };
}

}  // namespace memory_baseline
