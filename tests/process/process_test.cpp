// The one way the tools start a program (process/process.hpp), against a program that reports
// what it was given: arguments unchanged whatever they hold, argv[0], the environment set over
// this process's, output inherited, captured or in files, how it ended (status, signal or
// exception), a program still running, and one that cannot start.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "process/process.hpp"

#if !defined(_WIN32)
extern char** environ;
#endif

namespace {

namespace fs = std::filesystem;

// The child's output: Windows' C runtime writes "\r\n".
std::string lines_of(std::string text) {
  for (std::size_t at = text.find("\r\n"); at != std::string::npos; at = text.find("\r\n", at))
    text.erase(at, 1);
  return text;
}

std::string captured(process::Command command) {
  command.program = PROCESS_CHILD;
  command.output = process::Output::captured;
  process::Process child = process::Process::start(command);
  const std::string output = lines_of(child.read_output());
  EXPECT_EQ(child.wait().status, 0);
  return output;
}

fs::path scratch(const std::string& name) {
  const fs::path folder = fs::path(::testing::TempDir()) / "process_tests";
  fs::create_directories(folder);
  const fs::path path = folder / name;
  fs::remove(path);
  return path;
}

void set_variable(const char* name, const char* value) {
#if defined(_WIN32)
  _putenv_s(name, value);
#else
  setenv(name, value, 1);
#endif
}

TEST(Process, ArgumentsReachTheProgramUnchanged) {
  const std::vector<std::string> arguments = {
      "print", "plain",    "two words", "a \"quoted\" word", "trailing\\", "back\\\\slashes\\\"",
      "",      "tab\there"};
  std::string expected = "[the name it goes by]\n";
  for (const std::string& argument : arguments) expected.append("[").append(argument).append("]\n");
  EXPECT_EQ(captured({"", "the name it goes by", arguments}), expected);
}

TEST(Process, AProgramsPathWithBlanksAndBackslashesReachesItUnchanged) {
  EXPECT_EQ(captured({"", "C:\\a folder\\the program", {"print"}}),
            "[C:\\a folder\\the program]\n[print]\n");
}

TEST(Process, WithoutANameTheProgramIsArgumentZero) {
  EXPECT_EQ(captured({"", "", {"print"}}),
            std::string("[").append(PROCESS_CHILD).append("]\n[print]\n"));
}

TEST(Process, TheEnvironmentIsSetOverThisProcesssOwn) {
  set_variable("PROCESS_TEST_SET", "parent");
  set_variable("PROCESS_TEST_KEPT", "kept");
  EXPECT_EQ(captured({"",
                      "",
                      {"env", "PROCESS_TEST_SET", "PROCESS_TEST_KEPT", "PROCESS_TEST_NEW"},
                      {"PROCESS_TEST_SET=child", "PROCESS_TEST_NEW=new"}}),
            "PROCESS_TEST_SET=child\nPROCESS_TEST_KEPT=kept\nPROCESS_TEST_NEW=new\n");
  // Nothing given: the program's environment is this process's.
  EXPECT_EQ(captured({"", "", {"env", "PROCESS_TEST_SET", "PROCESS_TEST_NEW"}}),
            "PROCESS_TEST_SET=parent\nPROCESS_TEST_NEW=(unset)\n");
}

#if !defined(_WIN32)
// In this process's order: a variable set over one of its own stands where that one stood, a new
// one comes last.
TEST(Process, TheEnvironmentKeepsThisProcesssOrder) {
  set_variable("PROCESS_TEST_SET", "parent");
  std::string expected;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable = *entry;
    expected +=
        (variable.rfind("PROCESS_TEST_SET=", 0) == 0 ? "PROCESS_TEST_SET=child" : variable) + "\n";
  }
  expected += "PROCESS_TEST_NEW=new\n";
  EXPECT_EQ(captured({"", "", {"environ"}, {"PROCESS_TEST_NEW=new", "PROCESS_TEST_SET=child"}}),
            expected);
}
#endif

TEST(Process, TheExitStatusIsTheProgramsOwn) {
  for (const int status : {0, 1, 7, 255}) {
    const std::optional<process::Ending> ending =
        process::run({PROCESS_CHILD, "", {"exit", std::to_string(status)}});
    ASSERT_TRUE(ending);
    EXPECT_EQ(ending->status, status);
    EXPECT_FALSE(ending->signal);
    EXPECT_EQ(ending->exception, "");
  }
}

TEST(Process, AProgramThatCrashesIsNamedAsItEnded) {
  const std::optional<process::Ending> ending = process::run({PROCESS_CHILD, "", {"crash"}});
  ASSERT_TRUE(ending);
#if defined(_WIN32)
  EXPECT_EQ(static_cast<unsigned>(ending->status.value_or(0)), 0xC0000005u);
  EXPECT_EQ(ending->exception, "0xC0000005 (access violation)");
#else
  EXPECT_FALSE(ending->status);
  EXPECT_EQ(ending->signal, 11);  // SIGSEGV
#endif
}

TEST(Process, OutputGoesToAFileBothStreams) {
  const fs::path log = scratch("both.log");
  std::ofstream(log) << "what an earlier run left\n";
  const std::optional<process::Ending> ending =
      process::run({PROCESS_CHILD, "", {"both"}, {}, process::Output::file, log.string()});
  ASSERT_TRUE(ending);
  EXPECT_EQ(ending->status, 0);
  std::ifstream file(log, std::ios::binary);
  EXPECT_EQ(lines_of({std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()}),
            "to stdout\nto stderr\n");
}

TEST(Process, StandardErrorGoesToItsOwnFileWhenOneIsNamed) {
  const fs::path out = scratch("out.log");
  const fs::path err = scratch("err.log");
  std::ofstream(err) << "what an earlier run left\n";
  process::Command command{PROCESS_CHILD, "", {"both"}, {}, process::Output::file, out.string()};
  command.error_file = err.string();
  const std::optional<process::Ending> ending = process::run(command);
  ASSERT_TRUE(ending);
  EXPECT_EQ(ending->status, 0);
  std::ifstream out_file(out, std::ios::binary);
  EXPECT_EQ(lines_of({std::istreambuf_iterator<char>(out_file), std::istreambuf_iterator<char>()}),
            "to stdout\n");
  std::ifstream err_file(err, std::ios::binary);
  EXPECT_EQ(lines_of({std::istreambuf_iterator<char>(err_file), std::istreambuf_iterator<char>()}),
            "to stderr\n");
}

TEST(Process, ARunningProgramHasNoEndingUntilItEnds) {
  const fs::path signal_file = scratch("go");
  process::Process child =
      process::Process::start({PROCESS_CHILD, "", {"wait-for", signal_file.string()}});
  EXPECT_GT(child.id(), 0);
  // It waits for the file, which does not exist yet: it cannot have ended.
  EXPECT_FALSE(child.poll());
  std::ofstream(signal_file) << "go\n";
  EXPECT_EQ(child.wait().status, 0);
  EXPECT_EQ(child.poll()->status, 0);  // the ending is kept
}

TEST(Process, CapturedOutputLargerThanAPipeBufferIsReadWhole) {
  process::Process child = process::Process::start(
      {PROCESS_CHILD, "", {"lines", "20000"}, {}, process::Output::captured});
  std::string expected;
  for (int line = 0; line < 20000; ++line) expected.append(99, 'x').append("\n");
  const std::string output = lines_of(child.read_output());
  EXPECT_EQ(output.size(), expected.size());
  EXPECT_TRUE(output == expected);
  EXPECT_EQ(child.wait().status, 0);
}

TEST(Process, AProgramStartedSuspendedRunsOnceResumed) {
  process::Command command{PROCESS_CHILD, "", {"exit", "3"}};
  command.suspended = true;
  process::Process child = process::Process::start(command);
#if defined(_WIN32)
  EXPECT_FALSE(child.poll());  // its first thread has not run: it cannot have exited
#endif
  child.resume();
  EXPECT_EQ(child.wait().status, 3);
}

TEST(Process, AProgramWhoseCapturedOutputIsNotReadStillEnds) {
  // Assigned over or destroyed unread, a program's pipe is closed before the wait: its writes
  // fail and it ends, instead of waiting forever for room in the pipe (this test would hang).
  process::Process child = process::Process::start(
      {PROCESS_CHILD, "", {"lines", "20000"}, {}, process::Output::captured});
  child = process::Process::start({PROCESS_CHILD, "", {"exit", "4"}});
  EXPECT_EQ(child.wait().status, 4);
  {
    process::Process::start({PROCESS_CHILD, "", {"lines", "20000"}, {}, process::Output::captured});
  }
}

TEST(Process, AProgramThatIsNotThereCannotStart) {
  const std::string missing = (fs::path(::testing::TempDir()) / "no such program").string();
  EXPECT_THROW(process::Process::start({missing, "", {}}), process::StartError);
  EXPECT_FALSE(process::run({missing, "", {}}));
  // Nor one whose output file cannot be written.
  EXPECT_FALSE(process::run({PROCESS_CHILD,
                             "",
                             {"both"},
                             {},
                             process::Output::file,
                             (fs::path(::testing::TempDir()) / "no folder" / "x.log").string()}));
}

}  // namespace
