// `memory_baseline run`: every chosen scenario under every chosen allocator, each in a fresh
// process; then the results file, report.md and report.html, and the compliance lines.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <scenarios/budgets.hpp>

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

void write_reports(const Results& results, const std::string& out_dir) {
  write_file_atomically((std::filesystem::path(out_dir) / "report.md").string(),
                        markdown_report(results));
  write_file_atomically((std::filesystem::path(out_dir) / "report.html").string(),
                        html_report(results));
}

}  // namespace

int report_command(const std::string& results_path, const std::string& out_dir) {
  const Results results = load_results(results_path);
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw InputError("cannot create " + out_dir);
  write_reports(results, out_dir);
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
  const fs::path out_dir(settings.out_dir);
  const fs::path runs_dir = out_dir / "runs";
  std::error_code error;
  fs::create_directories(runs_dir, error);
  if (error) throw InputError("cannot create " + runs_dir.string());
  const std::string results_path = settings.results_path.empty()
                                       ? (out_dir / "memory_baseline_results.json").string()
                                       : settings.results_path;

  std::vector<nlohmann::json> runs;
  const std::size_t total = settings.scenarios.size() * settings.allocators.size();
  std::size_t index = 0;
  bool all_completed = true;
  for (const std::string& allocator : settings.allocators) {
    for (const std::string& scenario : settings.scenarios) {
      const std::string name = scenario + "-" + allocator;
      const std::string json_path = (runs_dir / (name + ".json")).string();
      const std::string log_path = (runs_dir / (name + ".log")).string();
      std::vector<std::string> arguments = {"--allocator", allocator, "--json", json_path};
      if (!settings.budgets_file.empty())
        arguments.insert(arguments.end(), {"--budgets", settings.budgets_file});
      arguments.insert(arguments.end(), settings.scenario_flags.begin(),
                       settings.scenario_flags.end());
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
      if (status != 0 && status != 1) {
        fmt::print("FAILED to run (status {}), see {}\n", status, log_path);
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
  write_file_atomically(results_path, text);
  if (!settings.save_baseline.empty()) write_file_atomically(settings.save_baseline, text);
  write_reports(results, out_dir.string());

  fmt::print("\n{}", compliance_lines(results));
  fmt::print("Results:     {}\n", results_path);
  if (!settings.save_baseline.empty()) fmt::print("Baseline:    {}\n", settings.save_baseline);
  fmt::print("HTML report: {}\n", (out_dir / "report.html").string());
  fmt::print("Markdown:    {}\n", (out_dir / "report.md").string());
  return results.document["passed"].get<bool>() ? 0 : 1;
}

}  // namespace memory_baseline
