// `memory_baseline profile` on unmodified programs: every malloc-family function counted exactly
// (two runs that differ by a known number of iterations differ by exactly their calls and bytes),
// the program's exit status passed through, budgets, bad input, and what happens with fork, exec,
// exit handlers and threads that outlive main. heaptrack, as an independent oracle, is in
// heaptrack_oracle_test.sh; the report in Chromium and the schema in profile_report_test.py.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <scenarios/allocators.hpp>
#include <sstream>
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

const std::string kEveryFunction = EVERY_FUNCTION;

// Per iteration of every_function.c: malloc(100), calloc(10, 30), realloc to 5000 (one allocation
// and one free), reallocarray(NULL, 7, 11), posix_memalign 1000, aligned_alloc 1000, valloc 3000,
// then six frees; with memalign and pvalloc, memalign(128, 500) and pvalloc(100) (a whole page).
constexpr std::uint64_t kCalls = 7, kBytes = 100 + 300 + 5000 + 77 + 1000 + 1000 + 3000;

TEST(Profile, EveryFunctionIsCountedExactly) {
  for (const std::string& allocator : scenarios::built_allocators()) {
    for (const bool with_memalign : {false, true}) {
      const std::string mode = with_memalign ? " with-memalign" : "";
      const Profile one =
          profile(scratch() / "one", "--allocator " + allocator, kEveryFunction + " 1" + mode);
      const Profile four =
          profile(scratch() / "four", "--allocator " + allocator, kEveryFunction + " 4" + mode);
      ASSERT_EQ(one.outcome.status, 0) << one.outcome.err;
      ASSERT_EQ(four.outcome.status, 0) << four.outcome.err;
      const std::uint64_t calls = kCalls + (with_memalign ? 2 : 0);
      const std::uint64_t bytes = kBytes + (with_memalign ? 500 + 4096 : 0);
      for (const char* group : {"totals", "malloc"}) {
        EXPECT_EQ(figure(four.document, group, &ProfileCounters::allocations) -
                      figure(one.document, group, &ProfileCounters::allocations),
                  3 * calls)
            << allocator << mode << " " << group;
        EXPECT_EQ(figure(four.document, group, &ProfileCounters::frees) -
                      figure(one.document, group, &ProfileCounters::frees),
                  3 * calls);
        EXPECT_EQ(figure(four.document, group, &ProfileCounters::bytes_allocated) -
                      figure(one.document, group, &ProfileCounters::bytes_allocated),
                  3 * bytes);
        EXPECT_EQ(figure(four.document, group, &ProfileCounters::bytes_freed) -
                      figure(one.document, group, &ProfileCounters::bytes_freed),
                  3 * bytes);
      }
      EXPECT_EQ(figure(four.document, "operator_new", &ProfileCounters::allocations),
                figure(one.document, "operator_new", &ProfileCounters::allocations));
      EXPECT_EQ(four.document->live_bytes, one.document->live_bytes);
      EXPECT_EQ(four.document->allocator.name, allocator);
      EXPECT_EQ(four.document->kind, "profile");
      EXPECT_TRUE(four.document->passed);
      EXPECT_FALSE(four.document->memory.snapshots.empty());
    }
  }
}

// The program's standard output is its own, byte for byte, and a relative --out is resolved
// before it starts: the program moving to another directory does not move the profile.
TEST(Profile, TheProgramsOutputIsUntouchedAndARelativeOutStaysWhereItWasGiven) {
  const std::filesystem::path folder = scratch();
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(folder);
  const Outcome outcome = test_support::run_program(
      RUNNER_BINARY, "profile --out relative -- " + kEveryFunction + " 1 print-chdir");
  std::filesystem::current_path(before);
  EXPECT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_EQ(outcome.out, std::string("every_function\0output\n", 22));
  EXPECT_TRUE(std::filesystem::exists(folder / "relative" / "profile.json")) << outcome.err;
  EXPECT_NE(outcome.err.find("exited with status 0"), std::string::npos) << outcome.err;
}

// A program that frees all it allocates leaves nothing live: the C++ runtime's emergency pool,
// which the preload library brings along, is freed before the report (as heaptrack does).
TEST(Profile, TheRuntimesEmergencyPoolIsNotTheProgramsLeak) {
  const Profile freed = profile(scratch(), "", kEveryFunction + " 1");
  ASSERT_TRUE(freed.document) << freed.outcome.err;
  EXPECT_EQ(freed.document->live_bytes, 0);
  EXPECT_EQ(figure(freed.document, "totals", &ProfileCounters::frees),
            figure(freed.document, "totals", &ProfileCounters::allocations));
  const Profile kept = profile(scratch() / "kept", "", kEveryFunction + " 1 exit-alloc");
  EXPECT_EQ(kept.document->live_bytes, 12345);  // the exit handler's block
}

// argv[0] arrives as the user typed it (a name found on PATH stays that name).
TEST(Profile, TheProgramsArgumentZeroIsAsTyped) {
  const std::string folder = std::filesystem::path(kEveryFunction).parent_path().string();
  const Outcome outcome = test_support::run_program(
      RUNNER_BINARY,
      "profile --out \"" + (scratch() / "out").string() + "\" -- every_function 1 argv0",
      {{"PATH", folder + ":" + std::getenv("PATH")}});
  EXPECT_EQ(outcome.status, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "every_function\n");
}

// The program's environment is the one it was given: the runner's LD_PRELOAD entry and every
// ALLOC_HOOKS_ variable are gone before main, a preload of the user's own stays as it was.
TEST(Profile, TheProgramsEnvironmentIsTheOneItWasGiven) {
  const auto without_ours = [](const std::string& listing) {
    std::string kept;
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("ALLOC_HOOKS_", 0) != 0) kept += line + "\n";
    return kept;
  };
  const std::vector<test_support::Environment> cases = {
      {{"MEMORY_BASELINE_PROBE", "given"}},
      {{"MEMORY_BASELINE_PROBE", "given"}, {"LD_PRELOAD", "libm.so.6"}}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const test_support::Environment& given = cases[i];
    const Outcome raw = test_support::run_program("/usr/bin/env", "", given);
    ASSERT_EQ(raw.status, 0) << raw.err;
    test_support::Environment with_settings = given;
    with_settings.push_back({"ALLOC_HOOKS_SAMPLE_BYTES", "1"});
    const Profile profiled =
        profile(scratch() / std::to_string(i), "", "/usr/bin/env", with_settings);
    EXPECT_EQ(profiled.outcome.status, 0) << profiled.outcome.err;
    ASSERT_TRUE(profiled.document) << profiled.outcome.err;
    EXPECT_EQ(profiled.outcome.out, without_ours(raw.out));
    EXPECT_NE(profiled.outcome.out.find("MEMORY_BASELINE_PROBE=given\n"), std::string::npos);
  }
}

// A set-user-ID or set-group-ID program that runs as another user or group is run by the loader in
// secure mode, which ignores LD_PRELOAD: refused before it starts, saying why. The premise is
// checked first: preloaded by hand, the hooks never start in it (no report).
TEST(Profile, ASetIdProgramOfAnotherUserOrGroupIsRefusedBeforeItStarts) {
  if (getuid() != 0 || getgid() == 65534) GTEST_SKIP() << "giving a file to nobody needs root";
  for (const bool group : {false, true}) {
    SCOPED_TRACE(group ? "set-group-ID" : "set-user-ID");
    const fs::path folder = scratch() / (group ? "group" : "user");
    fs::create_directories(folder);
    const fs::path copy = folder / "every_function";
    fs::copy_file(kEveryFunction, copy);
    // chown clears the set-ID bits: the owner first, then the mode.
    ASSERT_EQ(chown(copy.c_str(), group ? 0 : 65534, group ? 65534 : 0), 0);
    ASSERT_EQ(chmod(copy.c_str(), group ? 02755 : 04755), 0);
    const fs::path report = folder / "report";
    const Outcome by_hand = test_support::run_program(
        "/usr/bin/env", std::string("LD_PRELOAD=") + ALLOC_HOOKS_PRELOAD +
                            " ALLOC_HOOKS_PROFILE_OUT=" + report.string() + " " + copy.string() +
                            " 1");
    EXPECT_EQ(by_hand.status, 0) << by_hand.err;
    EXPECT_FALSE(fs::exists(report));
    test_support::expect_refused(folder / "out", "-- " + copy.string() + " 1",
                                 group ? "is set-group-ID (group 65534, yours 0)"
                                       : "is set-user-ID (owner 65534, you are 0)");
  }
}

// An allocator in the user's LD_PRELOAD would serve the program behind the hooks: refused before
// the program starts, naming it and --allocator. A preload that defines no malloc (libm) is the
// program's own business: TheProgramsEnvironmentIsTheOneItWasGiven runs one.
TEST(Profile, AnAllocatorAlreadyPreloadedIsRefusedNamingIt) {
  const fs::path out = scratch() / "out";
  const Outcome outcome = test_support::run_program(
      RUNNER_BINARY, "profile --out \"" + out.string() + "\" -- " + kEveryFunction + " 1",
      {{"LD_PRELOAD", "libmimalloc.so.2"}});
  EXPECT_EQ(outcome.status, 2) << outcome.err;
  EXPECT_NE(outcome.err.find("LD_PRELOAD holds libmimalloc.so.2, which defines malloc"),
            std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("--allocator (system, mimalloc"), std::string::npos) << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_FALSE(fs::exists(out / "profile.json"));
}

// Without figures (here a shell that ends with _exit, as dash does) the status is the program's.
// dash ends a script with _exit: its figures are written there, its status and output its own.
TEST(Profile, AShellThatEndsByUnderscoreExitHasItsFigures) {
  const fs::path out = scratch();
  const Profile shell = profile(out, "", "/bin/sh -c 'true; echo after; exit 4'");
  EXPECT_EQ(shell.outcome.status, 4) << shell.outcome.err;
  EXPECT_EQ(shell.outcome.out, "after\n");
  ASSERT_TRUE(shell.document) << shell.outcome.err;
  EXPECT_EQ(shell.document->exit.figures_until, "_exit");
  EXPECT_NE(shell.outcome.err.find("(figures up to its _exit)"), std::string::npos)
      << shell.outcome.err;
  EXPECT_NE(test_support::read_file(out / "report.md")
                .find("the program exited with status 4; the figures go up to its _exit"),
            std::string::npos);
}

// A program that installs its own handling only where it finds a signal's default action does so
// under profile as without it: CPython's KeyboardInterrupt on SIGINT (the preload's handler on the
// default's place is reported as SIG_DFL).
TEST(Profile, TheProgramFindsTheDefaultSignalActionsItStartedWith) {
  const std::string script =
      "/usr/bin/python3 -c 'import signal; print(signal.getsignal(signal.SIGINT), "
      "signal.getsignal(signal.SIGTERM))'";
  const Outcome raw = test_support::run_program("/bin/sh", "-c \"" + script + "\"");
  ASSERT_EQ(raw.status, 0) << raw.err;
  const Profile profiled = profile(scratch(), "", script);
  EXPECT_EQ(profiled.outcome.status, 0) << profiled.outcome.err;
  EXPECT_EQ(profiled.outcome.out, raw.out);
  EXPECT_NE(raw.out.find("default_int_handler"), std::string::npos) << raw.out;
}

// SIGKILL leaves no moment to write the figures: said in one line, the status the program's.
TEST(Profile, WithoutFiguresTheStatusIsStillTheProgramsOwn) {
  const fs::path out = scratch() / "out";
  const Outcome outcome =
      test_support::run_program(RUNNER_BINARY, "profile --out \"" + out.string() +
                                                   "\" -- /bin/sh -c 'echo before; kill -9 $$'");
  EXPECT_EQ(outcome.status, 128 + 9) << outcome.err;
  EXPECT_EQ(outcome.out, "before\n");
  EXPECT_NE(outcome.err.find("before the hooks could write its figures (they cannot after SIGKILL"),
            std::string::npos)
      << outcome.err;
  EXPECT_FALSE(fs::exists(out / "profile.json"));
}

// Every way of ending that runs code in the process leaves exact figures: _exit, abort, a fault,
// a fatal signal sent to itself, an exec into another program (and one that fails, after which
// the program's own exit writes them); two runs differ by exactly their iterations' calls, and
// the 4,321 bytes kept before the end are live in both. The status stays the program's.
TEST(Profile, EveryEndThatRunsCodeLeavesExactFigures) {
  struct End {
    const char* mode;
    int status;
    const char* figures_until;
  };
  for (const End& end :
       {End{"_exit-5", 5, "_exit"}, End{"quick_exit-6", 6, "_exit"},
        End{"abort", 128 + SIGABRT, "signal"}, End{"segv", 128 + SIGSEGV, "signal"},
        End{"thread-segv", 128 + SIGSEGV, "signal"}, End{"term", 128 + SIGTERM, "signal"},
        End{"rt-signal", 128 + SIGRTMIN + 1, "signal"}, End{"exec", 0, "exec"},
        End{"exec-fails", 7, "exit"}, End{"vfork-exec", 0, "exit"}, End{"fork-_exit", 0, "exit"}}) {
    const std::string mode = std::string(" ") + end.mode;
    const Profile one =
        profile(scratch() / (std::string(end.mode) + "1"), "", kEveryFunction + " 1" + mode);
    const Profile four =
        profile(scratch() / (std::string(end.mode) + "4"), "", kEveryFunction + " 4" + mode);
    for (const Profile* run : {&one, &four}) {
      EXPECT_EQ(run->outcome.status, end.status) << end.mode << run->outcome.err;
      ASSERT_TRUE(run->document) << end.mode << run->outcome.err;
      EXPECT_EQ(run->document->exit.figures_until, end.figures_until) << end.mode;
    }
    EXPECT_EQ(figure(four.document, "malloc", &ProfileCounters::allocations) -
                  figure(one.document, "malloc", &ProfileCounters::allocations),
              3 * kCalls)
        << end.mode;
    EXPECT_EQ(figure(four.document, "malloc", &ProfileCounters::bytes_freed) -
                  figure(one.document, "malloc", &ProfileCounters::bytes_freed),
              3 * kBytes)
        << end.mode;
    EXPECT_EQ(four.document->live_bytes, one.document->live_bytes) << end.mode;
    if (std::string(end.mode) != "abort") {
      EXPECT_GE(one.document->live_bytes, 4321) << end.mode;
    }
    // The at_quick_exit handler's block is in; a child's (fork, vfork) figures are not.
    if (std::string(end.mode) == "quick_exit-6") {
      EXPECT_GE(one.document->live_bytes, 4321 + 999);
    }
    EXPECT_LT(one.document->live_bytes, 1 << 20) << end.mode;
    // Every stack recorded: the program's own frames are named in each report, the one written
    // after a failed exec's too.
    const Profile named =
        profile(scratch() / (std::string(end.mode) + "-sites"), "", kEveryFunction + " 1" + mode,
                {{"ALLOC_HOOKS_SAMPLE_BYTES", "1"}});
    ASSERT_TRUE(named.document && named.document->sites) << end.mode;
    bool program_named = false;
    for (const scenarios::TopSiteFigures& site : named.document->sites->top)
      program_named = program_named || site.where.find("every_function.c:") != std::string::npos;
    EXPECT_TRUE(program_named) << end.mode;
  }
}

// Each of the C library's exec functions writes the same figures before the new program starts.
TEST(Profile, EveryExecFunctionWritesTheFiguresFirst) {
  const Profile by_execl = profile(scratch() / "execl", "", kEveryFunction + " 1 exec");
  ASSERT_TRUE(by_execl.document) << by_execl.outcome.err;
  for (const char* function :
       {"execv", "execvp", "execve", "execvpe", "execle", "execlp", "fexecve", "execveat"}) {
    const Profile run = profile(scratch() / function, "", kEveryFunction + " 1 " + function);
    EXPECT_EQ(run.outcome.status, 0) << function << run.outcome.err;
    ASSERT_TRUE(run.document) << function << run.outcome.err;
    EXPECT_EQ(run.document->exit.figures_until, "exec") << function;
    EXPECT_EQ(figure(run.document, "malloc", &ProfileCounters::allocations),
              figure(by_execl.document, "malloc", &ProfileCounters::allocations))
        << function;
    EXPECT_EQ(run.document->live_bytes, by_execl.document->live_bytes) << function;
  }
}

// The preload library that cannot write its report says so and leaves the status alone.
TEST(Profile, AReportThatCannotBeWrittenLeavesTheStatusAlone) {
  // Through env, so that only the program is preloaded (not the shell that starts it).
  const Outcome outcome = test_support::run_program(
      "/usr/bin/env",
      std::string("LD_PRELOAD=") + ALLOC_HOOKS_PRELOAD + " ALLOC_HOOKS_PROFILE_OUT=" +
          (scratch() / "missing" / "report").string() + " " + kEveryFunction + " 1 exit-3");
  EXPECT_EQ(outcome.status, 3);
  EXPECT_NE(outcome.err.find("alloc_hooks: cannot write the profile report"), std::string::npos)
      << outcome.err;
}

TEST(Profile, TheProgramsOwnExitStatusIsPassedThrough) {
  const Profile exited = profile(scratch(), "", kEveryFunction + " 1 exit-3");
  EXPECT_EQ(exited.outcome.status, 3);
  EXPECT_EQ(exited.document->exit.status, 3);
  EXPECT_EQ(exited.document->exit.figures_until, "exit");
}

// The breach names the call site that held the memory (every stack recorded: the one block of
// 4 MiB is there whatever the sampler would have drawn).
TEST(Profile, ABreachedBudgetExitsOneAndSaysWhich) {
  const Profile breached = profile(scratch(), "--limit-mb 2", kEveryFunction + " 1 big",
                                   {{"ALLOC_HOOKS_SAMPLE_BYTES", "1"}});
  EXPECT_EQ(breached.outcome.status, 1) << breached.outcome.err;
  ASSERT_TRUE(breached.document);
  EXPECT_FALSE(breached.document->passed);
  ASSERT_FALSE(breached.document->violations.empty());
  EXPECT_EQ(breached.document->violations.at(0).budget, "process_limit_mb");
  EXPECT_GE(breached.document->peak_live_bytes, 4u << 20);
  EXPECT_NE(breached.outcome.err.find("BUDGET BREACHED: peak live bytes"), std::string::npos);
  EXPECT_NE(breached.outcome.err.find("; top: 4.00 MiB main (every_function.c:"), std::string::npos)
      << breached.outcome.err;
  EXPECT_EQ(breached.outcome.out, "");  // the runner's lines go to standard error
  ASSERT_TRUE(breached.document->sites);
  ASSERT_FALSE(breached.document->sites->top.empty());
  EXPECT_EQ(breached.document->sites->top[0].peak_bytes, 4 << 20);
  const Profile held = profile(scratch() / "held", "--limit-mb 64", kEveryFunction + " 1 big");
  EXPECT_EQ(held.outcome.status, 0) << held.outcome.err;
}

TEST(Profile, BadInputExitsTwoWithOneLineAndWritesNothing) {
  const fs::path out = scratch() / "out";
  const struct {
    std::string arguments;
    std::string message;
  } cases[] = {
      {"-- /no/such/program", "no such program"},
      {"-- " + std::string(EVERY_FUNCTION_STATIC) + " 1", "is statically linked"},
      {"--allocator hoard -- " + kEveryFunction, "--allocator"},
      {"--limit-mb -1 -- " + kEveryFunction, "--limit-mb"},
      {"--sample-interval-ms 0 -- " + kEveryFunction, "--sample-interval-ms"},
      {"", "PROGRAM is required"},
  };
  for (const auto& bad : cases) test_support::expect_refused(out, bad.arguments, bad.message);
  // An output that cannot be written is found before the program runs.
  const Outcome unwritable = test_support::run_program(
      RUNNER_BINARY, "profile --out /dev/null/profile -- " + kEveryFunction + " 1 exit-3");
  EXPECT_EQ(unwritable.status, 2) << unwritable.err;
}

// fork: the child's 1 MiB is its own figure (the tree's, profile_tree_test.cpp), not the
// program's; system("true"): the shell's and true's figures are theirs too. Followed or not, both
// without deadlock.
TEST(Profile, ForkAndExecChildrenAreNotCountedTwiceNorHang) {
  const Profile plain = profile(scratch() / "plain", "", kEveryFunction + " 1");
  const Profile forked = profile(scratch() / "forked", "", kEveryFunction + " 1 fork");
  ASSERT_EQ(forked.outcome.status, 0) << forked.outcome.err;
  EXPECT_LT(forked.document->peak_live_bytes, 1u << 20);
  EXPECT_TRUE(std::any_of(forked.document->processes.begin(), forked.document->processes.end(),
                          [](const memory_baseline::ProfileProcess& process) {
                            return process.peak_live_bytes >= (1u << 20);
                          }));
  const Profile alone = profile(scratch() / "alone", "--no-follow", kEveryFunction + " 1 fork");
  ASSERT_EQ(alone.outcome.status, 0) << alone.outcome.err;
  EXPECT_EQ(alone.document->totals.allocations, forked.document->totals.allocations);
  // system() allocates in the parent (its argument vector), a handful of small blocks at most.
  EXPECT_LT(figure(forked.document, "totals", &ProfileCounters::allocations) -
                figure(plain.document, "totals", &ProfileCounters::allocations),
            8u);
}

// The report is written after the program's exit handlers: what they allocate is in it.
TEST(Profile, AllocationsDuringExitAreCounted) {
  const Profile plain = profile(scratch() / "plain", "", kEveryFunction + " 1");
  const Profile at_exit = profile(scratch() / "at_exit", "", kEveryFunction + " 1 exit-alloc");
  ASSERT_EQ(at_exit.outcome.status, 0) << at_exit.outcome.err;
  EXPECT_EQ(figure(at_exit.document, "totals", &ProfileCounters::allocations) -
                figure(plain.document, "totals", &ProfileCounters::allocations),
            1u);
  EXPECT_EQ(at_exit.document->live_bytes - plain.document->live_bytes, 12345);
}

// A thread still allocating while main returns: the report is written from the counters as they
// stand, the program ends normally.
TEST(Profile, AThreadThatOutlivesMainNeitherHangsNorBreaksTheReport) {
  const Profile outlived = profile(scratch(), "", kEveryFunction + " 1 outlive");
  EXPECT_EQ(outlived.outcome.status, 0) << outlived.outcome.err;
  ASSERT_TRUE(outlived.document);
  EXPECT_GE(figure(outlived.document, "malloc", &ProfileCounters::allocations), kCalls);
}

// A library opened with RTLD_DEEPBIND would bind glibc's malloc ahead of the hooks' and hand the
// program blocks the hooks never saw; the flag is dropped, so the run counts exactly what the same
// run without the flag counts, 200 allocations and frees of it the program's and the library's.
TEST(Profile, ALibraryOpenedWithDeepBindUsesTheHooksMalloc) {
  const std::string program = std::string(DLOPEN_MAIN) + " " + DLOPEN_LIBRARY;
  const Profile plain = profile(scratch() / "plain", "", program + " plain");
  const Profile deep = profile(scratch() / "deep", "", program + " deep");
  ASSERT_EQ(plain.outcome.status, 0) << plain.outcome.err;
  ASSERT_EQ(deep.outcome.status, 0) << deep.outcome.err;
  for (const auto field : {&ProfileCounters::allocations, &ProfileCounters::frees,
                           &ProfileCounters::bytes_allocated, &ProfileCounters::bytes_freed})
    EXPECT_EQ(figure(deep.document, "malloc", field), figure(plain.document, "malloc", field));
  EXPECT_EQ(deep.document->live_bytes, plain.document->live_bytes);
  EXPECT_GE(figure(deep.document, "malloc", &ProfileCounters::allocations), 200u);
}

}  // namespace
