// `memory_baseline profile` on Windows (run under wine): an unmodified program, started suspended
// with alloc_hooks_inject.dll loaded into it, has every counted function counted exactly (two runs
// that differ by a known number of iterations differ by exactly their calls and bytes); its exit
// status passes through, a crash's exception code too, named; bad input exits 2 with one line and
// writes nothing. The program: programs/every_function_windows.c.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/profile_run.hpp"

namespace {

namespace fs = std::filesystem;

using memory_baseline::ProfileCounters;
using nlohmann::json;
using test_support::figure;
using test_support::Outcome;
using test_support::Profile;
using test_support::profile;
using test_support::scratch;

const std::string kEveryFunction = test_support::quoted(EVERY_FUNCTION_WINDOWS);

// A mode word that does nothing, as long as `mode`: the program's start-up code (mingw's, in the
// program) copies its arguments with malloc, so a run compared with one in `mode` must have
// arguments of the same lengths for the copies to weigh the same.
std::string no_mode_as_long_as(const std::string& mode) {
  return std::string(mode.size(), '-');
}

// Per iteration (every_function_windows.c): malloc(100), calloc(10, 30), realloc to 5000, and
// _aligned_malloc(1000, 64) under malloc: 4 allocations, 6,400 bytes, and the realloc's free of
// the 100 bytes; HeapAlloc(3000) under the Win32 heap. Then 3 frees under malloc (the 5000, the
// 300, the aligned 1000) and HeapFree: 4 frees of 6,400 bytes under malloc, 1 of 3,000 bytes.
constexpr std::uint64_t kMallocCalls = 4, kMallocBytes = 100 + 300 + 5000 + 1000;
constexpr std::uint64_t kHeapCalls = 1, kHeapBytes = 3000;

TEST(ProfileWindows, EveryFunctionIsCountedExactly) {
  const fs::path folder = scratch();
  const Profile one = profile(folder / "one", "", kEveryFunction + " 1");
  const Profile four = profile(folder / "four", "", kEveryFunction + " 4");
  ASSERT_EQ(one.outcome.status, 0) << one.outcome.err;
  ASSERT_EQ(four.outcome.status, 0) << four.outcome.err;
  ASSERT_TRUE(one.document) << one.outcome.err;
  ASSERT_TRUE(four.document) << four.outcome.err;
  const struct {
    const char* group;
    std::uint64_t calls, bytes;
  } expected[] = {{"totals", kMallocCalls + kHeapCalls, kMallocBytes + kHeapBytes},
                  {"malloc", kMallocCalls, kMallocBytes},
                  {"win32_heap", kHeapCalls, kHeapBytes}};
  for (const auto& [group, calls, bytes] : expected) {
    EXPECT_EQ(figure(four.document, group, &ProfileCounters::allocations) -
                  figure(one.document, group, &ProfileCounters::allocations),
              3 * calls)
        << group;
    EXPECT_EQ(figure(four.document, group, &ProfileCounters::frees) -
                  figure(one.document, group, &ProfileCounters::frees),
              3 * calls)
        << group;
    EXPECT_EQ(figure(four.document, group, &ProfileCounters::bytes_allocated) -
                  figure(one.document, group, &ProfileCounters::bytes_allocated),
              3 * bytes)
        << group;
    EXPECT_EQ(figure(four.document, group, &ProfileCounters::bytes_freed) -
                  figure(one.document, group, &ProfileCounters::bytes_freed),
              3 * bytes)
        << group;
  }
  EXPECT_EQ(four.document->live_bytes, one.document->live_bytes);
  EXPECT_EQ(four.document->kind, "profile");
  EXPECT_TRUE(four.document->passed);
  // (The program may end before the first RSS sample is taken: no check of the snapshots.)
  for (const char* file : {"report.html", "report.md", "peak.folded", "latency.folded"})
    EXPECT_TRUE(fs::exists(folder / "four" / file)) << file;
  // The summary line on standard error; standard output is the program's (it writes nothing).
  EXPECT_NE(four.outcome.err.find("exited with status 0: "), std::string::npos) << four.outcome.err;
  EXPECT_EQ(four.outcome.out, "");
}

// 8 threads of 1,000 malloc(64)/free pairs each: 8,000 allocations and 512,000 bytes more than
// the same run without them.
// The program sees none of the hooks' variables, in any view of its environment (run directly
// with one set, it sees it in each: the probe can see them).
TEST(ProfileWindows, TheProgramsEnvironmentHasNoneOfTheHooksVariables) {
  const Profile profiled = profile(scratch(), "", kEveryFunction + " 1 environment");
  ASSERT_EQ(profiled.outcome.status, 0) << profiled.outcome.err;
  EXPECT_EQ(profiled.outcome.out, "envp 0 _environ 0 getenv 0 block 0 _wenviron 0\n");
  const Outcome direct = test_support::run_program(EVERY_FUNCTION_WINDOWS, "1 environment",
                                                   {{"ALLOC_HOOKS_PROBE", "1"}});
  int seen[5] = {};
  ASSERT_EQ(std::sscanf(direct.out.c_str(), "envp %d _environ %d getenv %d block %d _wenviron %d",
                        &seen[0], &seen[1], &seen[2], &seen[3], &seen[4]),
            5)
      << direct.out;
  for (const int count : seen) EXPECT_GE(count, 1) << direct.out;
}

TEST(ProfileWindows, EightThreadsAreCountedExactly) {
  const Profile plain =
      profile(scratch() / "plain", "", kEveryFunction + " 1 " + no_mode_as_long_as("threads"));
  const Profile threads = profile(scratch() / "threads", "", kEveryFunction + " 1 threads");
  ASSERT_EQ(threads.outcome.status, 0) << threads.outcome.err;
  ASSERT_TRUE(plain.document) << plain.outcome.err;
  ASSERT_TRUE(threads.document) << threads.outcome.err;
  // Both runs start the 8 threads: the difference is the pairs alone.
  for (const char* group : {"totals", "malloc"}) {
    for (const auto& [field, expected] : {std::pair{&ProfileCounters::allocations, 8000u},
                                          {&ProfileCounters::frees, 8000u},
                                          {&ProfileCounters::bytes_allocated, 512000u},
                                          {&ProfileCounters::bytes_freed, 512000u}})
      EXPECT_EQ(figure(threads.document, group, field) - figure(plain.document, group, field),
                expected)
          << group;
  }
  EXPECT_EQ(threads.document->live_bytes, plain.document->live_bytes);
}

TEST(ProfileWindows, TheProgramsOwnExitStatusIsPassedThroughAndACrashIsNamed) {
  const Profile exited = profile(scratch(), "", kEveryFunction + " 1 exit-3");
  EXPECT_EQ(exited.outcome.status, 3) << exited.outcome.err;
  ASSERT_TRUE(exited.document) << exited.outcome.err;
  EXPECT_EQ(exited.document->exit.status, 3);

  const Profile crashed = profile(scratch() / "crash", "", kEveryFunction + " 1 crash");
  EXPECT_EQ(static_cast<unsigned>(crashed.outcome.status), 0xC0000005u) << crashed.outcome.err;
  EXPECT_FALSE(crashed.document);  // no DLL is detached after a crash: no figures
  EXPECT_NE(crashed.outcome.err.find("crashed with exception 0xC0000005 (access violation)"),
            std::string::npos)
      << crashed.outcome.err;
}

// The report is written after the program's exit handlers: what they allocate is in it.
TEST(ProfileWindows, AllocationsDuringExitAreCounted) {
  const Profile plain =
      profile(scratch() / "plain", "", kEveryFunction + " 1 " + no_mode_as_long_as("exit-alloc"));
  const Profile at_exit = profile(scratch() / "at_exit", "", kEveryFunction + " 1 exit-alloc");
  ASSERT_EQ(at_exit.outcome.status, 0) << at_exit.outcome.err;
  ASSERT_TRUE(plain.document) << plain.outcome.err;
  ASSERT_TRUE(at_exit.document) << at_exit.outcome.err;
  EXPECT_EQ(figure(at_exit.document, "totals", &ProfileCounters::allocations) -
                figure(plain.document, "totals", &ProfileCounters::allocations),
            1u);
  EXPECT_EQ(at_exit.document->live_bytes - plain.document->live_bytes, 12345);
}

// The line of the program's 4 MiB malloc, marked "site: big" in its source.
unsigned big_line() {
  std::ifstream source(EVERY_FUNCTION_WINDOWS_SOURCE);
  std::string text;
  for (unsigned line = 1; std::getline(source, text); ++line) {
    if (text.find("site: big") != std::string::npos) return line;
  }
  ADD_FAILURE() << "no line marked site: big in " << EVERY_FUNCTION_WINDOWS_SOURCE;
  return 0;
}

// The breach names the call site that held the memory, in the program's module (every stack
// recorded: the one block of 4 MiB is there whatever the sampler would have drawn).
TEST(ProfileWindows, ABreachedBudgetExitsOneAndNamesTheProgramsSite) {
  const Profile breached = profile(scratch(), "--limit-mb 2", kEveryFunction + " 1 big",
                                   {{"ALLOC_HOOKS_SAMPLE_BYTES", "1"}});
  EXPECT_EQ(breached.outcome.status, 1) << breached.outcome.err;
  ASSERT_TRUE(breached.document) << breached.outcome.err;
  ASSERT_FALSE(breached.document->violations.empty());
  EXPECT_EQ(breached.document->violations.at(0).budget, "process_limit_mb");
  ASSERT_TRUE(breached.document->sites);
  const std::vector<scenarios::TopSiteFigures>& top = breached.document->sites->top;
  ASSERT_FALSE(top.empty());
  const std::string site = scenarios::json_record::write(top[0]).dump();
  EXPECT_EQ(top[0].peak_bytes, 4 << 20);
  ASSERT_FALSE(top[0].stack.empty());
  EXPECT_EQ(top[0].stack[0].module, "every_function_windows.exe") << site;
  EXPECT_NE(breached.outcome.err.find("BUDGET BREACHED: peak live bytes"), std::string::npos);
  // Named from the program's DWARF by DbgHelp: main, at the line of the 4 MiB malloc.
  EXPECT_EQ(top[0].stack[0].function, "main") << site;
  EXPECT_EQ(top[0].stack[0].line, big_line()) << site;
  EXPECT_NE(breached.outcome.err.find("; top: 4.00 MiB main (every_function_windows.c:" +
                                      std::to_string(big_line()) + ")"),
            std::string::npos)
      << breached.outcome.err;
}

TEST(ProfileWindows, BadInputExitsTwoWithOneLineAndWritesNothing) {
  const fs::path folder = scratch();
  const fs::path out = folder / "out";
  const fs::path text = folder / "notes.txt";
  std::ofstream(text) << "not a program\n";
  // A 32-bit executable's headers: "MZ", the PE header's offset at 0x3C, "PE\0\0", machine 0x14C.
  const fs::path x86 = folder / "x86.exe";
  {
    std::string image(0x100, '\0');
    image[0] = 'M';
    image[1] = 'Z';
    image[0x3C] = 0x40;
    image.replace(0x40, 4, std::string("PE\0\0", 4));
    image[0x44] = 0x4C;
    image[0x45] = 0x01;
    std::ofstream(x86, std::ios::binary) << image;
  }
  const struct {
    std::string arguments;
    std::string message;
  } cases[] = {
      {"-- " + test_support::quoted((folder / "no_such_program.exe").string()), "no such program"},
      {"-- " + test_support::quoted(text.string()), "is not a Windows executable"},
      {"-- " + test_support::quoted(x86.string()), "32-bit is not supported"},
      {"--allocator mimalloc -- " + kEveryFunction, "--allocator mimalloc"},
      {"--snapshot-every-mb 1 -- " + kEveryFunction, "snapshots are taken on Linux only"},
      {"", "PROGRAM is required"},
  };
  for (const auto& bad : cases) test_support::expect_refused(out, bad.arguments, bad.message);
  // An output that cannot be written (a file where the folder should be) is found before the
  // program runs.
  const Outcome unwritable =
      test_support::run_program(RUNNER_BINARY, "profile --out \"" + (text / "profile").string() +
                                                   "\" -- " + kEveryFunction + " 1 exit-3");
  EXPECT_EQ(unwritable.status, 2) << unwritable.err;
  EXPECT_EQ(std::count(unwritable.err.begin(), unwritable.err.end(), '\n'), 1) << unwritable.err;
}

}  // namespace
