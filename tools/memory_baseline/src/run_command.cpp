// `memory_baseline run`: every chosen scenario under every chosen allocator, each in a fresh
// process; then the results file, report.md and report.html, and the compliance lines.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <scenarios/budgets.hpp>
#include <scenarios/command_line.hpp>

#include "memory_baseline/commands.hpp"
#include "memory_baseline/reports.hpp"
#include "platform/platform.hpp"

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
const Report kReports[] = {{"report.md", markdown_report}, {"report.html", html_report}};

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
  fmt::print("{}HTML report: {}/report.html\nMarkdown:    {}/report.md\n",
             compliance_lines(results), out_dir, out_dir);
  return 0;
}

int run_command(const RunSettings& settings) {
  namespace fs = std::filesystem;
  const std::string scenario_dir =
      settings.scenario_dir.empty() ? platform::executable_directory() : settings.scenario_dir;
  for (const std::string& scenario : settings.scenarios) {
    const fs::path program =
        fs::path(scenario_dir) / platform::program_file("scenario_" + scenario);
    if (!fs::exists(program))
      throw InputError("scenario executable not found: " + program.string());
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

  // An allocator this build lacks is skipped with a line saying so; the others run.
  std::vector<std::string> allocators;
  for (const std::string& allocator : settings.allocators) {
    if (const std::string missing = scenarios::allocator_missing(allocator); !missing.empty()) {
      fmt::print("{}\n", missing);
    } else if (std::find(allocators.begin(), allocators.end(), allocator) == allocators.end()) {
      allocators.push_back(allocator);
    }
  }
  std::vector<nlohmann::json> runs;
  const std::size_t total = settings.scenarios.size() * allocators.size();
  std::size_t index = 0;
  bool all_completed = true;
  for (const std::string& allocator : allocators) {
    for (const std::string& scenario : settings.scenarios) {
      const std::string name = scenario + "-" + allocator;
      const std::string json_path = (runs_dir / (name + ".json")).string();
      const std::string log_path = (runs_dir / (name + ".log")).string();
      // A result left by an earlier run must not stand for this one.
      std::error_code ignored;
      fs::remove(json_path, ignored);
      std::vector<std::string> arguments = {"--allocator", allocator, "--json", json_path};
      if (!settings.budgets_file.empty())
        arguments.insert(arguments.end(), {"--budgets", settings.budgets_file});
      const std::vector<std::string> flags = scenarios::run_flag_arguments(settings.run_flags);
      arguments.insert(arguments.end(), flags.begin(), flags.end());
      fmt::print("[{}/{}] {} under {} ... ", ++index, total, scenario, allocator);
      std::fflush(stdout);
      const auto start = std::chrono::steady_clock::now();
      const int status = platform::run_process(
          (fs::path(scenario_dir) / platform::program_file("scenario_" + scenario)).string(),
          arguments, log_path);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (status == 2) {
        fmt::print("rejected its input\n");
        throw InputError(fmt::format("scenario_{}: {}", scenario, last_line(log_path)));
      }
      // Status 1 without a result: an allocation failed outside the measured run.
      if ((status != 0 && status != 1) || !fs::exists(json_path)) {
        fmt::print("FAILED to run (status {}): {}, see {}\n", status, last_line(log_path),
                   log_path);
        all_completed = false;
        continue;
      }
      runs.push_back(load_scenario_result(json_path));
      fmt::print("{} ({:.2f} s)\n", status == 0 ? "every budget held" : "BUDGET BREACHED", seconds);
    }
  }

  Results results = make_results(std::move(runs));
  if (!all_completed) results.document["passed"] = false;
  const std::string text = results.document.dump(2) + "\n";
  std::vector<scenarios::OutputFile> files = report_files(results, out_dir.string());
  files.push_back({results_path, text});
  if (!settings.save_baseline.empty()) files.push_back({settings.save_baseline, text});
  write_outputs(files);

  fmt::print("\n{}", compliance_lines(results));
  fmt::print("Results:     {}\n", results_path);
  if (!settings.save_baseline.empty()) fmt::print("Baseline:    {}\n", settings.save_baseline);
  fmt::print("HTML report: {}\n", (out_dir / "report.html").string());
  fmt::print("Markdown:    {}\n", (out_dir / "report.md").string());
  return results.document["passed"].get<bool>() ? 0 : 1;
}

}  // namespace memory_baseline
