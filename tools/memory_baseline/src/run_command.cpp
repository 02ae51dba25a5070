// `memory_baseline run`: every chosen scenario under every chosen allocator, each in a fresh
// process; then the results file, report.md and report.html, and the compliance lines.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <scenarios/budgets.hpp>
#include <scenarios/command_line.hpp>

#include "memory_baseline/commands.hpp"
#include "memory_baseline/reports.hpp"
#include "memory_baseline/verdict.hpp"
#include "platform/platform.hpp"
#include "process/process.hpp"
#include "report_sites.hpp"

namespace memory_baseline {

namespace {

std::string last_line(const std::string& path) {
  std::ifstream file(path);
  std::string line, last;
  while (std::getline(file, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

// The reports, each a file in the output folder and the function that writes its text.
struct Report {
  const char* file;
  std::string (*text)(const Results& results);
};
const Report kReports[] = {{"report.md", markdown_report},
                           {"report.html", html_report},
                           {"peak.folded", peak_folded_report},
                           {"latency.folded", latency_folded_report}};

std::vector<scenarios::OutputPath> report_paths(const std::string& out_dir) {
  std::vector<scenarios::OutputPath> paths;
  for (const Report& report : kReports)
    paths.push_back({report.file, (std::filesystem::path(out_dir) / report.file).string()});
  return paths;
}

std::vector<scenarios::OutputFile> report_files(const Results& results,
                                                const std::string& out_dir) {
  std::vector<scenarios::OutputFile> files;
  for (const Report& report : kReports) {
    files.push_back(
        {(std::filesystem::path(out_dir) / report.file).string(), report.text(results)});
  }
  return files;
}

// Whether `path` is `folder` or lies below it, whatever the spelling of either (neither need
// exist yet).
bool inside(const std::filesystem::path& path, const std::filesystem::path& folder) {
  std::error_code error;
  const auto spelled = [&error](const std::filesystem::path& place) {
    std::string text =
        std::filesystem::absolute(place.empty() ? "." : place, error).lexically_normal().string();
    while (text.size() > 1 && text.back() == '/') text.pop_back();
    return text + "/";
  };
  return spelled(path).rfind(spelled(folder), 0) == 0;
}

void create_folder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error || !std::filesystem::is_directory(folder, error))
    throw InputError("cannot create the folder " + folder.string());
}

}  // namespace

int report_command(const std::string& results_path, const std::string& out_dir) {
  const Results results = load_results(results_path);
  create_folder(out_dir);
  check_outputs(report_paths(out_dir));
  write_outputs(report_files(results, out_dir));
  fmt::print(
      "{}HTML report: {}/report.html\nMarkdown:    {}/report.md\nFolded:      {}/peak.folded, "
      "{}/latency.folded (flamegraph.pl, speedscope)\n",
      compliance_lines(results, out_dir + "/report.html"), out_dir, out_dir, out_dir, out_dir);
  return 0;
}

namespace {

// One scenario process: its result document, or why there is none.
struct ScenarioRun {
  std::string program;
  int status = 0;
  std::optional<scenarios::ScenarioResult> result;
  std::string log_path;
  double seconds = 0;
};

class ScenarioRunner {
 public:
  ScenarioRunner(std::string scenario_dir, std::filesystem::path runs_dir)
      : scenario_dir_(std::move(scenario_dir)), runs_dir_(std::move(runs_dir)) {}

  std::string program_path(const ScenarioProgram& program) const {
    return (std::filesystem::path(scenario_dir_) / platform::program_file(program.program))
        .string();
  }

  // Runs `program` under `allocator` with `arguments`, its result in runs/NAME.json and its
  // output in runs/NAME.log. A scenario that rejected its input (status 2) has no result; the
  // caller says so on the run's line and stops (throw_if_rejected).
  ScenarioRun run(const ScenarioProgram& program, const std::string& allocator,
                  std::vector<std::string> arguments, const std::string& name) const {
    const std::string json_path = (runs_dir_ / (name + ".json")).string();
    ScenarioRun run;
    run.program = program.program;
    run.log_path = (runs_dir_ / (name + ".log")).string();
    // A result left by an earlier run must not stand for this one.
    std::error_code ignored;
    std::filesystem::remove(json_path, ignored);
    arguments.insert(arguments.begin(), program.arguments.begin(), program.arguments.end());
    arguments.insert(arguments.end(), {"--allocator", allocator, "--json", json_path});
    const auto start = std::chrono::steady_clock::now();
    const std::optional<process::Ending> ending = process::run(
        {program_path(program), "", arguments, {}, process::Output::file, run.log_path});
    // -1: it did not start, or did not exit (a signal).
    run.status = ending ? ending->status.value_or(-1) : -1;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Status 1 without a result: refused before it ran, or an allocation failed outside the run.
    if ((run.status == 0 || run.status == 1) && std::filesystem::exists(json_path))
      run.result = load_scenario_result(json_path);
    return run;
  }

 private:
  std::string scenario_dir_;
  std::filesystem::path runs_dir_;
};

// A scenario that rejected its input is bad input to this command too: exit status 2, nothing
// written.
void throw_if_rejected(const ScenarioRun& run) {
  if (run.status == 2)
    throw InputError(fmt::format("{}: {}", run.program, last_line(run.log_path)));
}

// Why a run has no result.
std::string failure_words(const ScenarioRun& run) {
  if (run.status == 2) return "rejected its input";
  return fmt::format("FAILED to run (status {}): {}, see {}", run.status, last_line(run.log_path),
                     run.log_path);
}

// "every budget held", or each budget that broke with its figure against the limit: "BUDGET
// BREACHED" under a gated allocator, "would breach (a finding, not gated)" under another.
void print_outcome(const ScenarioRun& run, bool gated) {
  if (!run.result) {
    fmt::print("{}\n", failure_words(run));
    return;
  }
  const std::vector<scenarios::Violation>& violations = run.result->violations;
  if (violations.empty()) {
    fmt::print("every budget held ({:.2f} s)\n", run.seconds);
    return;
  }
  std::string broken;
  for (const scenarios::Violation& violation : violations)
    broken += (broken.empty() ? "" : "; ") + violation_words(violation);
  fmt::print("{} ({:.2f} s): {}\n",
             gated ? "BUDGET BREACHED" : "would breach (a finding, not gated)", run.seconds,
             broken);
}

// A sweep point's outcome: its memory, which is what the sweep is for, its recall, and any budget
// that broke.
std::string memory_outcome(const ScenarioRun& run) {
  if (!run.result) return failure_words(run);
  const scenarios::ProcessFigures& process = run.result->process;
  std::string recall;
  if (run.result->index && run.result->index->budget_recall()) {
    const scenarios::IndexFigures& index = *run.result->index;
    recall = fmt::format(", {} {:.3f}", index.budget_recall_measure(), *index.budget_recall());
  }
  std::string broken;
  for (const scenarios::Violation& violation : run.result->violations)
    broken += (broken.empty() ? "; broke " : ", ") + violation.budget;
  return fmt::format("peak live {:.1f} MiB, peak RSS {:.1f} MiB{} ({:.2f} s{})",
                     static_cast<double>(process.peak_live_bytes) / kBytesPerMB,
                     static_cast<double>(process.peak_rss_bytes) / kBytesPerMB, recall, run.seconds,
                     broken);
}

}  // namespace

int run_command(const RunSettings& settings) {
  namespace fs = std::filesystem;
  const std::string scenario_dir =
      settings.scenario_dir.empty() ? platform::executable_directory() : settings.scenario_dir;
  // A scenario or allocator this build lacks is skipped with a line saying so, and the others
  // run; but a scenario named on the command line, or an engine to sweep (the default list has
  // only those built), that this build lacks is refused: nothing it asked for would run.
  std::vector<std::string> scenario_list, allocators;
  for (const std::string& scenario : settings.scenarios) {
    if (const std::string missing = scenario_missing(scenario); !missing.empty()) {
      if (settings.scenarios_given)
        throw InputError(scenario + " is not in this build: " + missing);
      fmt::print("skipping {}: {}\n", scenario, missing);
    } else if (std::find(scenario_list.begin(), scenario_list.end(), scenario) ==
               scenario_list.end()) {
      scenario_list.push_back(scenario);
    }
  }
  for (const std::string& allocator : settings.allocators) {
    if (const std::string missing = scenarios::allocator_missing(allocator); !missing.empty()) {
      fmt::print("skipping {}: {}\n", allocator, missing);
    } else if (std::find(allocators.begin(), allocators.end(), allocator) == allocators.end()) {
      allocators.push_back(allocator);
    }
  }
  const std::vector<std::string> gating =
      gating_set(settings.gate_allocators, settings.allocators_given, allocators);
  std::optional<SweepSettings> sweep_settings = settings.sweep;
  if (sweep_settings) {
    std::vector<std::string> engines;
    for (const std::string& engine : sweep_settings->engines) {
      if (const std::string missing = scenario_missing("index-" + engine); !missing.empty())
        throw InputError("the " + engine + " sweep is not in this build: " + missing);
      engines.push_back(engine);
    }
    sweep_settings->engines = engines;
  }
  ScenarioRunner probe(scenario_dir, {});
  std::vector<std::string> needed = scenario_list;
  if (sweep_settings) {
    for (const std::string& engine : sweep_settings->engines) needed.push_back("index-" + engine);
  }
  for (const std::string& scenario : needed) {
    const std::string program = probe.program_path(scenario_program(scenario));
    if (!fs::exists(program)) throw InputError("scenario executable not found: " + program);
  }
  if (!settings.budgets_file.empty()) {
    scenarios::Budgets ignored;
    try {
      scenarios::apply_budgets_file(settings.budgets_file, ignored);
    } catch (const std::exception& error) {
      throw InputError(error.what());
    }
  }
  // Every output is checked before any scenario runs: the paths outside the output folder before
  // that folder is made (so that a bad one leaves nothing behind), then all of them.
  const fs::path out_dir(settings.out_dir);
  const std::string results_path = settings.results_path.empty()
                                       ? (out_dir / "memory_baseline_results.json").string()
                                       : settings.results_path;
  std::vector<scenarios::OutputPath> outputs = report_paths(out_dir.string());
  outputs.push_back(
      {settings.results_path.empty() ? "the results file" : "--results", results_path});
  if (!settings.save_baseline.empty())
    outputs.push_back({"--save-baseline", settings.save_baseline});
  std::vector<scenarios::OutputPath> outside_out_dir;
  for (const scenarios::OutputPath& output : outputs) {
    if (!inside(fs::path(output.path).parent_path(), out_dir)) outside_out_dir.push_back(output);
  }
  check_outputs(outside_out_dir);
  const fs::path runs_dir = out_dir / "runs";
  create_folder(runs_dir);
  check_outputs(outputs);

  const ScenarioRunner runner(scenario_dir, runs_dir);
  std::vector<scenarios::ScenarioResult> runs;
  const std::size_t total = scenario_list.size() * allocators.size();
  std::size_t index = 0;
  std::vector<FailedRun> failed_runs;
  for (const std::string& allocator : allocators) {
    for (const std::string& scenario : scenario_list) {
      const ScenarioProgram& program = scenario_program(scenario);
      scenarios::RunFlags flags = settings.run_flags;
      std::vector<std::string> arguments;
      if (!settings.budgets_file.empty())
        arguments.insert(arguments.end(), {"--budgets", settings.budgets_file});
      if (program.phases) {
        flags.iterations.reset();
        flags.warmup.reset();
        arguments.push_back("--build-cost");
      }
      const std::vector<std::string> flag_arguments = scenarios::run_flag_arguments(flags);
      arguments.insert(arguments.end(), flag_arguments.begin(), flag_arguments.end());
      fmt::print("[{}/{}] {} under {} ... ", ++index, total, scenario, allocator);
      std::fflush(stdout);
      const ScenarioRun run = runner.run(program, allocator, arguments, scenario + "-" + allocator);
      const bool gated = std::find(gating.begin(), gating.end(), allocator) != gating.end();
      print_outcome(run, gated);
      throw_if_rejected(run);
      if (!run.result) {
        failed_runs.push_back(
            {scenario, allocator, run.status, last_line(run.log_path), run.log_path});
        continue;
      }
      runs.push_back(*run.result);
    }
  }

  std::optional<SweepDocument> sweep;
  if (sweep_settings && !sweep_settings->engines.empty()) {
    // Points may run several at once (--jobs): then each prints a line when it starts and one
    // with its outcome when it ends; one at a time, the outcome ends the line the label began.
    const bool one_at_a_time = sweep_settings->jobs <= 1;
    std::mutex output;
    sweep = run_sweep(*sweep_settings, allocators,
                      [&](const std::string& engine, const std::string& allocator,
                          const std::vector<std::string>& arguments, const std::string& label) {
                        {
                          const std::lock_guard<std::mutex> lock(output);
                          fmt::print("{} ...{}", label, one_at_a_time ? " " : " started\n");
                          std::fflush(stdout);
                        }
                        // The engine's index scenario brings its own --engine.
                        ScenarioRun run = runner.run(
                            scenario_program("index-" + engine), allocator, arguments,
                            fmt::format("sweep-{}-{}-{}", engine, allocator, arguments.at(1)));
                        {
                          const std::lock_guard<std::mutex> lock(output);
                          if (!one_at_a_time) fmt::print("{} ... ", label);
                          fmt::print("{}\n", memory_outcome(run));
                          std::fflush(stdout);
                        }
                        throw_if_rejected(run);
                        return SweepRun{run.status, std::move(run.result), last_line(run.log_path)};
                      });
    for (const std::string& line : sweep_answer_lines(*sweep)) fmt::print("{}\n", line);
  }

  // The verdict covers the runs, the runs that wrote no result, and the sweep's answers (one
  // whose last run at full scale did not hold, a point that did not run): verdict.cpp.
  Results results = make_results(std::move(runs), gating);
  results.failed_runs = std::move(failed_runs);
  results.sweep = std::move(sweep);
  results.passed = passes(results);
  const std::string text = write(results).dump(2) + "\n";
  std::vector<scenarios::OutputFile> files = report_files(results, out_dir.string());
  files.push_back({results_path, text});
  if (!settings.save_baseline.empty()) files.push_back({settings.save_baseline, text});
  write_outputs(files);

  fmt::print("\n{}", compliance_lines(results, (out_dir / "report.html").string()));
  fmt::print("Results:     {}\n", results_path);
  if (!settings.save_baseline.empty()) fmt::print("Baseline:    {}\n", settings.save_baseline);
  fmt::print("HTML report: {}\n", (out_dir / "report.html").string());
  fmt::print("Markdown:    {}\n", (out_dir / "report.md").string());
  fmt::print("Folded:      {}, {} (flamegraph.pl, speedscope)\n",
             (out_dir / "peak.folded").string(), (out_dir / "latency.folded").string());
  return results.passed ? 0 : 1;
}

}  // namespace memory_baseline
