// memory_baseline: run the scenarios and report, compare two results files, or check one against
// a baseline. Bad input: one line on stderr and exit status 2.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <scenarios/budgets.hpp>
#include <scenarios/command_line.hpp>
#include <thread>

#include "memory_baseline/commands.hpp"
#include "memory_baseline/profile.hpp"

namespace {

int usage_error(const std::string& message) {
  std::fprintf(stderr, "memory_baseline: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace memory_baseline;
  CLI::App app{"Runs the memory-baseline scenarios, reports, and gates regressions",
               "memory_baseline"};
  // "/path/to/file" is a path, not a /option (set before the subcommands, which inherit it).
  app.allow_windows_style_options(false);
  app.require_subcommand(1);

  using scenarios::finite_number;
  using scenarios::non_empty;
  RunSettings run;
  CLI::App* run_app =
      app.add_subcommand("run", "run scenarios under allocators, write results and reports");
  run_app->add_option("--scenarios", run.scenarios, "scenarios to run (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember(scenario_names()));
  run_app
      ->add_option("--allocators", run.allocators,
                   "allocators (default every one this build has: system, mimalloc, jemalloc, "
                   "tcmalloc); the verdict gates on those named here")
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
  run_app
      ->add_option("--gate-allocators", run.gate_allocators,
                   "allocators whose breaches fail the run (default: those of --allocators when "
                   "given, else system,mimalloc); the others' breaches are findings")
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
  run_app->add_option("--out", run.out_dir, "output folder (default results)")->check(non_empty());
  run_app
      ->add_option("--results", run.results_path,
                   "results file (default OUT/memory_baseline_results.json)")
      ->check(non_empty());
  run_app
      ->add_option("--save-baseline", run.save_baseline,
                   "also write the results file here, as a baseline")
      ->check(non_empty());
  run_app->add_option("--scenario-dir", run.scenario_dir, "folder of the scenario executables")
      ->check(non_empty());
  run_app->add_option("--budgets", run.budgets_file, "budgets file passed to every scenario")
      ->check(non_empty());
  scenarios::add_run_flags(*run_app, run.run_flags);
  SweepSettings sweep_settings;
  sweep_settings.engines = built_index_engines();
  // Sweep points run one per core: each is one single-threaded process whose memory is its own,
  // so running them side by side changes none of the figures the sweep uses.
  sweep_settings.jobs = std::max(1u, std::thread::hardware_concurrency());
  bool with_sweep = false;
  run_app->add_flag("--sweep", with_sweep,
                    "also run the size sweep of the index scenarios (options as for sweep)");
  const auto add_sweep_options = [&sweep_settings](CLI::App& command) {
    command.add_option("--engines", sweep_settings.engines, "engines to sweep (default all built)")
        ->delimiter(',')
        ->check(CLI::IsMember(index_engines()));
    command
        .add_option("--sizes", sweep_settings.sizes,
                    "N of each sweep point, and no others (default 10000,20000,40000, then more "
                    "per engine and allocator until each answer lies within 8x of the largest)")
        ->delimiter(',')
        ->check(scenarios::whole_number(1, 1'000'000'000));
    command.add_option("--dim", sweep_settings.dim, "dimensions (default 128)")
        ->check(scenarios::whole_number(1, 4096));
    command
        .add_option("--max-n", sweep_settings.max_n,
                    "the largest N an adaptive point may have; 0: no cap (default 320000: "
                    "answers beyond 8x of it are given as lower bounds)")
        ->check(scenarios::whole_number(0, 1'000'000'000));
    command
        .add_option("--min-recall", sweep_settings.min_recall,
                    "the recall@10 the recall answer is for (default 0.9)")
        ->check(finite_number(0, 1));
    command
        .add_option("--jobs", sweep_settings.jobs,
                    "sweep points run at once (default: one per core)")
        ->check(scenarios::whole_number(1, 1024));
    command.add_flag("--verify", sweep_settings.verify,
                     "run the largest N found and N + 10 % (full scale: minutes)");
  };
  add_sweep_options(*run_app);

  RunSettings sweep_run;
  sweep_run.scenarios.clear();
  CLI::App* sweep_app = app.add_subcommand(
      "sweep",
      "index scenarios at several N per engine and allocator: the largest N within the limit");
  sweep_app
      ->add_option("--allocators", sweep_run.allocators,
                   "allocators (default every one this build has)")
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
  sweep_app
      ->add_option("--gate-allocators", sweep_run.gate_allocators,
                   "allocators whose failed answers fail the run (as for run)")
      ->delimiter(',')
      ->check(CLI::IsMember(scenarios::allocator_names()));
  sweep_app->add_option("--out", sweep_run.out_dir, "output folder (default results)")
      ->check(non_empty());
  sweep_app
      ->add_option("--results", sweep_run.results_path,
                   "results file (default OUT/memory_baseline_results.json)")
      ->check(non_empty());
  sweep_app
      ->add_option("--scenario-dir", sweep_run.scenario_dir, "folder of the scenario executables")
      ->check(non_empty());
  add_sweep_options(*sweep_app);
  // The process budget the answer is for: the sweep's own flag; `run --sweep` uses run's
  // --limit-mb.
  sweep_app
      ->add_option("--limit-mb", sweep_settings.limit_mb,
                   "the process budget the largest N is for, MiB (default " +
                       std::to_string(scenarios::kSeedProcessLimitMb) + ")")
      ->check(scenarios::whole_number(1, scenarios::kMaxLimitMb));

  std::string report_results, report_out = "results";
  CLI::App* report_app =
      app.add_subcommand("report", "write report.html and report.md for a results file");
  report_app->add_option("RESULTS", report_results, "results file")->required()->check(non_empty());
  report_app->add_option("--out", report_out, "output folder (default results)")
      ->check(non_empty());

  std::string first, second;
  CLI::App* compare_app = app.add_subcommand("compare", "side-by-side table of two results files");
  compare_app->add_option("A", first, "results file")->required()->check(non_empty());
  compare_app->add_option("B", second, "results file")->required()->check(non_empty());

  ProfileSettings profile;
  CLI::App* profile_app =
      app.add_subcommand("profile",
                         "run an unmodified program with every allocation counted (Linux: "
                         "LD_PRELOAD; Windows: a DLL loaded into it)");
  profile_app
      ->add_option("--allocator", profile.allocator,
                   "system (default), mimalloc, jemalloc or tcmalloc")
      ->check(CLI::IsMember(scenarios::allocator_names()));
  profile_app->add_option("--out", profile.out_dir, "output folder (default profile)")
      ->check(non_empty());
  profile_app
      ->add_option("--limit-mb", profile.limit_mb, "budget: peak live bytes and peak RSS, MiB")
      ->check(scenarios::whole_number(1, 1u << 30));
  profile_app
      ->add_option("--alloc-budget-us", profile.alloc_budget_us, "budget: every allocation, us")
      ->check(scenarios::whole_number(1, 60'000'000));
  profile_app
      ->add_option("--sample-interval-ms", profile.sample_interval_ms,
                   "RSS sampling interval (default 10)")
      ->check(scenarios::whole_number(1, 60'000));
  profile_app->add_option("PROGRAM", profile.program, "the program to run")
      ->required()
      ->check(non_empty());
  profile_app->add_option("ARGS", profile.arguments, "its arguments (after --)");

  std::string baseline, current;
  Tolerances tolerances;
  CLI::App* check_app =
      app.add_subcommand("check", "fail when CURRENT regressed against the baseline");
  check_app->add_option("--baseline", baseline, "baseline results file")
      ->required()
      ->check(non_empty());
  check_app->add_option("CURRENT", current, "fresh results file")->required()->check(non_empty());
  const auto add_tolerance = [check_app](const char* flag, double& value, const char* help,
                                         double lowest) {
    check_app->add_option(flag, value, help)->check(finite_number(lowest, 1e12));
  };
  add_tolerance("--latency-tolerance", tolerances.latency_ratio,
                "allowed ratio of latency percentiles (default 3)", 1.0);
  add_tolerance("--iteration-tolerance", tolerances.iteration_ratio,
                "allowed ratio of iteration times (default 3)", 1.0);
  add_tolerance("--rss-tolerance", tolerances.rss_ratio, "allowed ratio of peak RSS (default 1.5)",
                1.0);
  add_tolerance("--time-slack-ns", tolerances.time_slack_ns,
                "a time must also grow by more than this (default 2000)", 0.0);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    return usage_error(error.what());
  }
  try {
    if (*run_app) {
      if (with_sweep) {
        sweep_settings.limit_mb = run.run_flags.limit_mb.value_or(sweep_settings.limit_mb);
        sweep_settings.sizes_given = run_app->count("--sizes") > 0;
        run.sweep = sweep_settings;
      }
      run.allocators_given = run_app->count("--allocators") > 0;
      run.scenarios_given = run_app->count("--scenarios") > 0;
      return run_command(run);
    }
    if (*sweep_app) {
      sweep_settings.sizes_given = sweep_app->count("--sizes") > 0;
      sweep_run.sweep = sweep_settings;
      sweep_run.allocators_given = sweep_app->count("--allocators") > 0;
      return run_command(sweep_run);
    }
    if (*report_app) return report_command(report_results, report_out);
    if (*compare_app) return compare_command(first, second);
    if (*profile_app) return profile_command(profile);
    return check_command(baseline, current, tolerances);
  } catch (const InputError& error) {
    return usage_error(error.what());
  } catch (const nlohmann::json::exception& error) {
    return usage_error(std::string("unexpected results content: ") + error.what());
  } catch (const std::exception& error) {  // reading or writing a file, out of memory
    return usage_error(error.what());
  }
}
