// Runs a shell command line for a test and keeps its exit status, stdout and stderr.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace test_support {

struct Outcome {
  int status = -1;  // the exit status, or -1 if the program did not exit normally
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

// `command` runs through the shell; its output goes through files named after the current test,
// so that tests running in parallel do not share them.
inline Outcome run_program(const std::string& command) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / (test + ".stdout");
  const std::filesystem::path err =
      std::filesystem::path(::testing::TempDir()) / (test + ".stderr");
  const int raw = std::system((command + " > " + out.string() + " 2> " + err.string()).c_str());
  Outcome outcome{WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, read_file(out), read_file(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return outcome;
}

}  // namespace test_support
