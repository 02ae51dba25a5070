// Runs a program for a test, as process::run starts the tools' programs (no shell between: under
// wine, cmd's own start-up failed now and then), and keeps its exit status, stdout and stderr.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "process/process.hpp"

#if defined(_WIN32)
#include <process.h>
#else
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

// The words of a command-line fragment: blanks separate them; within '...' or "..." (which may
// join a word's other characters, as in --out="a b") they are part of the word. No escapes, no
// expansion: a path's backslashes (Windows) are its own.
inline std::vector<std::string> words_of(const std::string& fragment) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (const char c : fragment) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  EXPECT_EQ(quote, 0) << "an unclosed quote in " << fragment;
  if (in_word) words.push_back(word);
  return words;
}

inline long process_id() {
#if defined(_WIN32)
  return _getpid();
#else
  return static_cast<long>(getpid());
#endif
}

// `program` with `arguments` (a command-line fragment, taken apart by words_of) runs with
// `environment` added to this test's; its output goes through files named after the current test,
// so that tests running in parallel do not share them. A program that could not start fails the
// test and has status -1, as one ended by a signal.
inline Outcome run_program(const std::filesystem::path& program, const std::string& arguments,
                           const Environment& environment = {}) {
  // Named after the suite, the test, this process and the call: two test programs may have tests
  // of one name running at the same time (Windows refuses to share the files: "Sharing
  // violation"), and one call's files may outlive it (below).
  static int calls = 0;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string test = std::string(info->test_suite_name()) + "." + info->name() + "." +
                           std::to_string(process_id()) + "." + std::to_string(++calls);
  const std::filesystem::path out =
      std::filesystem::path(::testing::TempDir()) / (test + ".stdout");
  const std::filesystem::path err =
      std::filesystem::path(::testing::TempDir()) / (test + ".stderr");
  std::filesystem::path file = program;
#if defined(_WIN32)
  // CreateProcess adds no extension to the program it is named.
  if (!file.has_extension()) file += ".exe";
#endif
  process::Command command{file.make_preferred().string(), "",          words_of(arguments), {},
                           process::Output::file,          out.string()};
  command.error_file = err.string();
  // Set for the program's start, then put back as they were (a variable that was not set is
  // removed again).
  std::vector<std::pair<std::string, std::string>> before;
  for (const auto& [name, value] : environment) {
    const char* current = std::getenv(name.c_str());
    before.emplace_back(name, current != nullptr ? current : "");
    set_environment(name, value);
  }
  std::optional<process::Ending> ending;
  try {
    ending = process::Process::start(command).wait();
  } catch (const process::StartError& error) {
    ADD_FAILURE() << command.program << " could not start: " << error.what();
  }
  for (auto entry = before.rbegin(); entry != before.rend(); ++entry)
    set_environment(entry->first, entry->second);
  Outcome outcome{ending ? ending->status.value_or(-1) : -1, read_file(out), read_file(err)};
  // Under wine, the debugger started for a program that crashed inherits its output files and
  // may hold them a while after it ended: those stay behind in the test's folder.
  std::error_code still_open;
  std::filesystem::remove(out, still_open);
  std::filesystem::remove(err, still_open);
  return outcome;
}

}  // namespace test_support
