// Runs a program through the command shell (sh, or cmd on Windows) for a test and keeps its exit
// status, stdout and stderr.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <process.h>
#else
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace test_support {

struct Outcome {
  int status = -1;  // the exit status, or -1 if the program did not exit normally
  std::string out;  // line ends as "\n", also where the program wrote "\r\n" (Windows)
  std::string err;
};

using Environment = std::vector<std::pair<std::string, std::string>>;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  for (std::size_t at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n", at)) {
    text.erase(at, 1);
  }
  return text;
}

// An empty value removes the variable.
inline void set_environment(const std::string& name, const std::string& value) {
#if defined(_WIN32)
  _putenv_s(name.c_str(), value.c_str());
#else
  if (value.empty()) {
    unsetenv(name.c_str());
  } else {
    setenv(name.c_str(), value.c_str(), 1);
  }
#endif
}

inline std::string quoted(const std::string& path) {
  return "\"" + path + "\"";
}

inline int exit_status(int raw) {
#if defined(_WIN32)
  return raw;  // std::system returns the program's exit code itself
#else
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
#endif
}

inline long process_id() {
#if defined(_WIN32)
  return _getpid();
#else
  return static_cast<long>(getpid());
#endif
}

// `program` with `arguments` (a command-line fragment) runs with `environment` added to this
// test's; its output goes through files named after the current test, so that tests running in
// parallel do not share them.
inline Outcome run_program(const std::filesystem::path& program, const std::string& arguments,
                           const Environment& environment = {}) {
  // Named after the suite, the test and this process: two test programs may have tests of one
  // name running at the same time (Windows refuses to share the files: "Sharing violation").
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = std::string(info->test_suite_name()) + "." + info->name() + "." +
                           std::to_string(process_id());
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / (test + ".stdout");
  const std::filesystem::path err =
      std::filesystem::path(::testing::TempDir()) / (test + ".stderr");
  for (const auto& [name, value] : environment) set_environment(name, value);
  // make_preferred: cmd reads a leading "/" as a switch, "\\" as the current drive's root.
  const std::string command = quoted(std::filesystem::path(program).make_preferred().string()) +
                              " " + arguments + " > " + quoted(out.string()) + " 2> " +
                              quoted(err.string());
#if defined(_WIN32)
  // cmd /c drops the first and the last quote of a line that holds more than two: one pair more.
  const int raw = std::system(("\"" + command + "\"").c_str());
#else
  const int raw = std::system(command.c_str());
#endif
  for (const auto& [name, value] : environment) set_environment(name, "");
  Outcome outcome{exit_status(raw), read_file(out), read_file(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return outcome;
}

}  // namespace test_support
