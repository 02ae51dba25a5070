// `memory_baseline profile` on process trees (Linux): each fork child and each program started
// (posix_spawn, system, popen, exec, a shell) has exact figures of its own, the tree's figures
// sum them, --no-follow profiles the program's process only, a process killed before it could
// write its figures is still named, and --limit-mb holds each process and the tree. The probe is
// programs/process_tree.c, which allocates nothing but what it is told to.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memory_baseline/profile.hpp"
#include "support/profile_run.hpp"

namespace {

using memory_baseline::ProfileDocument;
using memory_baseline::ProfileProcess;
using test_support::Profile;
using test_support::profile;
using test_support::scratch;

const std::string kProcessTree = PROCESS_TREE;

// The processes whose arguments after the zeroth are `arguments`.
std::vector<const ProfileProcess*> running(const ProfileDocument& document,
                                           const std::vector<std::string>& arguments) {
  std::vector<const ProfileProcess*> found;
  for (const ProfileProcess& process : document.processes) {
    if (process.command.size() == arguments.size() + 1 &&
        std::equal(arguments.begin(), arguments.end(), process.command.begin() + 1))
      found.push_back(&process);
  }
  return found;
}

const ProfileProcess* parent_of(const ProfileDocument& document, const ProfileProcess& child) {
  for (const ProfileProcess& process : document.processes) {
    if (child.parent_pid == process.pid && child.parent_image == process.image) return &process;
  }
  return nullptr;
}

// Worker k of 8 allocates k blocks of 1000 B and frees all but the last: its own figures are
// exactly those, and its inherited blocks are its parent's at the fork (the C++ runtime's pool,
// which the runtime frees at its exit: one free more than the worker's own).
TEST(ProfileTree, EachForkedWorkerHasItsOwnExactFigures) {
  const Profile run = profile(scratch(), "", kProcessTree + " workers 8");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  const ProfileDocument& document = *run.document;
  ASSERT_EQ(document.processes.size(), 9u);
  const ProfileProcess& parent = document.processes.front();
  EXPECT_FALSE(parent.parent_pid);
  EXPECT_EQ(parent.allocations, document.totals.allocations);  // the program's own, no worker's
  std::set<std::uint64_t> workers;
  std::uint64_t allocations = parent.allocations;
  for (std::size_t i = 1; i < document.processes.size(); ++i) {
    const ProfileProcess& worker = document.processes[i];
    EXPECT_EQ(parent_of(document, worker), &parent);
    EXPECT_EQ(worker.image, 0);
    EXPECT_EQ(worker.ended_by, "exit");
    EXPECT_EQ(worker.inherited_live_bytes, parent.peak_live_bytes);  // all it held at each fork
    const std::uint64_t k = worker.allocations;
    workers.insert(k);
    allocations += k;
    EXPECT_EQ(worker.frees, k) << "worker " << k;
    EXPECT_EQ(worker.peak_live_bytes,
              static_cast<std::uint64_t>(worker.inherited_live_bytes) + k * 1000)
        << "worker " << k;
    EXPECT_EQ(worker.live_bytes, 1000) << "worker " << k;
  }
  EXPECT_EQ(workers, (std::set<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  ASSERT_TRUE(document.tree);
  EXPECT_EQ(document.tree->processes, 9u);
  EXPECT_EQ(document.tree->processes_without_figures, 0u);
  EXPECT_EQ(document.tree->allocations, allocations);
  // Each worker's own peak is what it added to what it inherited: 8000 B at most, below the
  // parent's.
  EXPECT_EQ(document.tree->peak_live_bytes_at_least,
            std::max<std::uint64_t>(parent.peak_live_bytes, 8000));
}

// "allocate K" keeps K blocks of 1000 B: started six ways, each has K allocations more than its
// start-up's (the same for all six), exactly K * 1000 B live at its end, and its place in the tree.
// Each returned 0: none found anything of the hooks in its environment.
TEST(ProfileTree, EveryWayOfStartingAProgramIsFollowed) {
  const Profile run = profile(scratch(), "", kProcessTree + " starts");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  const ProfileDocument& document = *run.document;
  const ProfileProcess& program = document.processes.front();
  std::set<std::uint64_t> start_up_allocations;
  for (int k = 1; k <= 6; ++k) {
    const std::vector<const ProfileProcess*> found =
        running(document, {"allocate", std::to_string(k)});
    ASSERT_EQ(found.size(), 1u) << "allocate " << k;
    const ProfileProcess& probe = *found.front();
    EXPECT_EQ(probe.ended_by, "exit") << k;
    EXPECT_EQ(probe.live_bytes, k * 1000) << k;
    start_up_allocations.insert(probe.allocations - static_cast<std::uint64_t>(k));
    const ProfileProcess* parent = parent_of(document, probe);
    ASSERT_NE(parent, nullptr) << k;
    if (k == 3 || k == 4) {  // system, popen: the shell started the probe (or became it)
      while (parent != nullptr && parent->command.front() != "sh")
        parent = parent_of(document, *parent);
      ASSERT_NE(parent, nullptr) << k << ": no shell above the probe";
      EXPECT_EQ(parent_of(document, *parent), &program) << k;
    } else if (k == 5) {  // fork + execv: the fork child's next image
      EXPECT_EQ(probe.image, 1);
      EXPECT_EQ(parent->pid, probe.pid);
      EXPECT_EQ(parent->ended_by, "exec");
      EXPECT_EQ(parent->allocations, 0u);
      EXPECT_EQ(parent_of(document, *parent), &program);
    } else {  // posix_spawn, posix_spawnp, vfork + execve: a new process of the program's
      EXPECT_EQ(probe.image, 0) << k;
      EXPECT_EQ(parent, &program) << k;
    }
  }
  EXPECT_EQ(start_up_allocations.size(), 1u);
}

// A shell running the probe twice: both runs are in the tree, 5 and 9 blocks apart by exactly
// 4 allocations and 4000 B.
TEST(ProfileTree, AShellsCommandsHaveTheirExactFigures) {
  const std::string probe = "'" + kProcessTree + "' allocate ";
  const Profile run = profile(scratch(), "", "/bin/sh -c \"" + probe + "5; " + probe + "9\"");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  const std::vector<const ProfileProcess*> five = running(*run.document, {"allocate", "5"});
  const std::vector<const ProfileProcess*> nine = running(*run.document, {"allocate", "9"});
  ASSERT_EQ(five.size(), 1u);
  ASSERT_EQ(nine.size(), 1u);
  EXPECT_EQ(nine.front()->allocations - five.front()->allocations, 4u);
  EXPECT_EQ(nine.front()->peak_live_bytes - five.front()->peak_live_bytes, 4000u);
  EXPECT_EQ(five.front()->live_bytes, 5000);
  EXPECT_EQ(nine.front()->live_bytes, 9000);
}

// The compiler driver does little; cc1plus and as do the work, and each appears with its own
// figures under the driver.
TEST(ProfileTree, TheCompilersOwnProcessesAppearUnderTheDriver) {
  const std::filesystem::path folder = scratch();
  std::ofstream(folder / "unit.cpp")
      << "#include <vector>\nint f() { return std::vector<int>(3).size(); }\n";
  const Profile run =
      profile(folder / "out", "",
              "g++ -c " + (folder / "unit.cpp").string() + " -o " + (folder / "unit.o").string());
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  const ProfileDocument& document = *run.document;
  const ProfileProcess& driver = document.processes.front();
  for (const std::string name : {"cc1plus", "as"}) {
    const auto found = std::find_if(document.processes.begin(), document.processes.end(),
                                    [&](const ProfileProcess& process) {
                                      const std::string& zeroth = process.command.front();
                                      return zeroth == name || zeroth.ends_with("/" + name);
                                    });
    ASSERT_NE(found, document.processes.end()) << name;
    EXPECT_EQ(parent_of(document, *found), &driver) << name;
    EXPECT_EQ(found->ended_by, "exit") << name;
    EXPECT_GT(found->allocations, 100u) << name;
    EXPECT_GT(found->peak_live_bytes, 0u) << name;
  }
  EXPECT_GT(document.tree->allocations, 10 * driver.allocations);
}

// --no-follow: the program's process alone, with the same figures of its own.
TEST(ProfileTree, NoFollowProfilesTheProgramsProcessOnly) {
  const Profile followed = profile(scratch() / "followed", "", kProcessTree + " workers 3");
  const Profile alone = profile(scratch() / "alone", "--no-follow", kProcessTree + " workers 3");
  ASSERT_EQ(alone.outcome.status, 0) << alone.outcome.err;
  ASSERT_TRUE(alone.document && followed.document);
  EXPECT_TRUE(alone.document->processes.empty());
  EXPECT_FALSE(alone.document->tree);
  EXPECT_EQ(followed.document->processes.size(), 4u);
  EXPECT_EQ(alone.document->totals.allocations, followed.document->totals.allocations);
  EXPECT_EQ(alone.document->peak_live_bytes, followed.document->peak_live_bytes);
}

// A child killed by SIGKILL writes no figures; it is named, and counted as such.
TEST(ProfileTree, AKilledChildIsNamedWithoutFigures) {
  const Profile run = profile(scratch(), "", kProcessTree + " killed");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  ASSERT_EQ(run.document->processes.size(), 2u);
  const ProfileProcess& child = run.document->processes[1];
  EXPECT_EQ(child.ended_by, "no figures");
  EXPECT_EQ(child.parent_pid, run.document->processes.front().pid);
  EXPECT_EQ(child.command, run.document->processes.front().command);
  EXPECT_EQ(run.document->tree->processes_without_figures, 1u);
  EXPECT_NE(run.outcome.err.find("no figures"), std::string::npos) << run.outcome.err;
}

// Four workers hold 8 MiB each at the same time: under a 20 MiB limit each process holds, the
// tree does not (status 1, one breach, the tree's); under 4 MiB each worker breaches too.
TEST(ProfileTree, TheLimitHoldsEachProcessAndTheTree) {
  const Profile tree_only =
      profile(scratch() / "twenty", "--limit-mb 20", kProcessTree + " hold 4 8");
  EXPECT_EQ(tree_only.outcome.status, 1) << tree_only.outcome.err;
  ASSERT_TRUE(tree_only.document);
  ASSERT_EQ(tree_only.document->violations.size(), 1u);
  EXPECT_EQ(tree_only.document->violations.front().budget, "tree_limit_mb");
  EXPECT_GE(tree_only.document->tree->peak_live_bytes_at_most, 32u << 20);
  EXPECT_NE(tree_only.outcome.err.find("BUDGET BREACHED: the process tree"), std::string::npos)
      << tree_only.outcome.err;

  const Profile each = profile(scratch() / "four", "--limit-mb 4", kProcessTree + " hold 4 8");
  EXPECT_EQ(each.outcome.status, 1) << each.outcome.err;
  ASSERT_TRUE(each.document);
  // (The program's own RSS may breach 4 MiB too: that one names no process.)
  std::size_t workers = 0, trees = 0;
  for (const auto& violation : each.document->violations) {
    workers += violation.budget == "process_limit_mb" && violation.message.starts_with("process ");
    trees += violation.budget == "tree_limit_mb";
  }
  EXPECT_EQ(workers, 4u);
  EXPECT_EQ(trees, 1u);

  const Profile held = profile(scratch() / "forty", "--limit-mb 40", kProcessTree + " hold 4 8");
  EXPECT_EQ(held.outcome.status, 0) << held.outcome.err;
}

// A fork child, while another thread of its parent holds the loader's locks (dlopen,
// dl_iterate_phdr), writes its report without them (its modules from /proc/self/maps): the
// probe's 100 children each end within 10 s (none hung). Before, most of them hung.
TEST(ProfileTree, AForkChildOfAThreadUsingTheLoaderDoesNotHang) {
  const Profile run = profile(scratch(), "", kProcessTree + " dlopen-fork 100");
  EXPECT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  EXPECT_EQ(run.document->processes.size(), 101u);
}

// system() runs its shell with the environment built for it, not by pointing environ at it: a
// setenv of another thread meanwhile stays (before, the program crashed), and two threads'
// system() calls leave the program's environment as it was; followed or not.
TEST(ProfileTree, SystemLeavesTheProgramsEnvironmentToItsOtherThreads) {
  for (const std::string follow : {"", "--no-follow"}) {
    for (const std::string mode : {"system-setenv", "system-threads"}) {
      const Profile run = profile(scratch() / (mode + follow), follow, kProcessTree + " " + mode);
      EXPECT_EQ(run.outcome.status, 0) << follow << " " << mode << ": " << run.outcome.err;
    }
  }
}

// popen as glibc makes it, followed or not: modes "er" and "re"; a stream closed with fclose
// and then another popen (its descriptor may be the closed one's); popen "w" after the program
// closed its own stdout (the shell's stdout is the pipe: the stack walker's pipe once took it).
TEST(ProfileTree, PopenKeepsGlibcsBehaviour) {
  for (const std::string follow : {"", "--no-follow"}) {
    const Profile run =
        profile(scratch() / ("popen" + follow), follow, kProcessTree + " popen-edges");
    EXPECT_EQ(run.outcome.status, 0) << follow << ": " << run.outcome.err;
  }
}

// SIGUSR2 to a process that takes no snapshot (a fork child not followed) does what its default
// action does: it ends it.
TEST(ProfileTree, TheSnapshotSignalEndsAProcessThatTakesNone) {
  const Profile run = profile(scratch(), "--no-follow", kProcessTree + " usr2-child");
  EXPECT_EQ(run.outcome.status, 0) << run.outcome.err;
}

// A profile inside a profiled tree (the program runs memory_baseline profile itself) is the inner
// runner's own: its environment passes as given, and it writes its figures.
TEST(ProfileTree, AProfileInsideATreeKeepsItsOwnFigures) {
  const std::filesystem::path inner = scratch() / "inner";
  const Profile run = profile(scratch() / "outer", "",
                              std::string(RUNNER_BINARY) + " profile --out " + inner.string() +
                                  " -- " + kProcessTree + " allocate 5");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(std::filesystem::exists(inner / "profile.json")) << run.outcome.err;
  const ProfileDocument document = memory_baseline::read_profile(
      nlohmann::json::parse(test_support::read_file(inner / "profile.json")));
  EXPECT_EQ(document.live_bytes, 5000);
}

// The tree's peak of summed live bytes: at least the largest process's, at most the sum of the
// peaks of processes that ran at the same time, each a fork child's own: its peak less what it
// inherited.
TEST(ProfileTree, ThePeakOfTheTreeIsBoundedByProcessesThatRanTogether) {
  const auto process = [](double started, double ended, std::uint64_t peak) {
    ProfileProcess made;
    made.pid = 1;
    made.ended_by = "exit";
    made.started_ms = started;
    made.ended_ms = ended;
    made.peak_live_bytes = peak;
    return made;
  };
  ProfileProcess killed = process(0, 0, 0);
  killed.ended_by = "no figures";
  ProfileProcess forked = process(0, 100, 60);
  forked.inherited_live_bytes = 60;  // its parent's blocks only: nothing of its own
  const memory_baseline::ProfileTree tree =
      memory_baseline::tree_of({process(0, 100, 10), process(10, 20, 5), process(20, 30, 7),
                                process(30, 40, 100), process(50, 60, 1), killed, forked});
  EXPECT_EQ(tree.processes, 7u);
  EXPECT_EQ(tree.processes_without_figures, 1u);
  EXPECT_EQ(tree.peak_live_bytes_at_least, 100u);
  // 10 + 7 + 100: the 7 ended as the 100 began, and at one moment a start counts first.
  EXPECT_EQ(tree.peak_live_bytes_at_most, 117u);
}

}  // namespace
