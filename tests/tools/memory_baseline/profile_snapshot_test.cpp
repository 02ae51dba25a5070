// Snapshots while a program runs (Linux): one each time the peak reaches the next multiple of
// --snapshot-every-mb, one on SIGUSR2, none once the program sets its own SIGUSR2 action; each
// holds exactly the live bytes of its moment, by site. The probe is programs/grow.c, which keeps
// blocks of a known size one after another and allocates nothing else.
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "support/profile_run.hpp"

namespace {

using memory_baseline::ProfileDocument;
using memory_baseline::ProfileSnapshot;
using test_support::Profile;
using test_support::profile;
using test_support::scratch;

const std::string kGrow = GROW;
constexpr std::int64_t kMiB = 1 << 20;
// Every allocation's stack, so that a snapshot's sites add up to its live bytes exactly.
const test_support::Environment kEveryStack = {{"ALLOC_HOOKS_SAMPLE_BYTES", "1"}};

std::int64_t folded_sum(const ProfileSnapshot& snapshot) {
  return std::accumulate(snapshot.live_folded.begin(), snapshot.live_folded.end(), std::int64_t{0},
                         [](std::int64_t sum, const auto& stack) { return sum + stack.second; });
}

// Five blocks of 1 MiB with a snapshot every MiB: one as each block makes the peak reach the next
// MiB, each 1 MiB above the one before, its sites adding up to it and led by the growing function.
TEST(ProfileSnapshots, EachStepOfThePeakTakesOneWithExactlyItsLiveBytes) {
  const Profile run = profile(scratch(), "--snapshot-every-mb 1", kGrow + " 5 1", kEveryStack);
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  const ProfileDocument& document = *run.document;
  ASSERT_EQ(document.snapshots.size(), 5u) << run.outcome.err;
  const std::int64_t start_up = document.snapshots.front().live_bytes - kMiB;
  EXPECT_GE(start_up, 0);
  for (std::size_t i = 0; i < document.snapshots.size(); ++i) {
    const ProfileSnapshot& snapshot = document.snapshots[i];
    EXPECT_EQ(snapshot.index, i + 1);
    EXPECT_EQ(snapshot.trigger, "growth");
    EXPECT_EQ(snapshot.live_bytes, start_up + static_cast<std::int64_t>(i + 1) * kMiB);
    EXPECT_EQ(snapshot.peak_live_bytes, static_cast<std::uint64_t>(snapshot.live_bytes));
    EXPECT_EQ(folded_sum(snapshot), snapshot.live_bytes) << "snapshot " << snapshot.index;
    EXPECT_NE(snapshot.top_site.value_or("").find("grow_by_one_block"), std::string::npos)
        << snapshot.top_site.value_or("none");
    if (i > 0) {
      EXPECT_GE(snapshot.time_ms, document.snapshots[i - 1].time_ms);
    }
  }
  EXPECT_EQ(document.snapshot_signal, "SIGUSR2");
  EXPECT_NE(run.outcome.err.find("Snapshots: 5"), std::string::npos) << run.outcome.err;
  // The live bytes the runner read while it ran: never above the peak.
  for (const auto& sample : document.memory.snapshots) {
    EXPECT_GE(sample.live_bytes, 0);
    EXPECT_LE(sample.live_bytes, static_cast<std::int64_t>(document.peak_live_bytes));
  }
}

// Blocks of 3 MiB with a snapshot every MiB: each block passes three multiples at once, one
// snapshot each.
TEST(ProfileSnapshots, ABlockThatPassesSeveralStepsTakesOne) {
  const Profile run = profile(scratch(), "--snapshot-every-mb 1", kGrow + " 2 3");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  ASSERT_EQ(run.document->snapshots.size(), 2u);
  EXPECT_EQ(run.document->snapshots[1].live_bytes - run.document->snapshots[0].live_bytes,
            3 * kMiB);
}

// SIGUSR2 once the first block is kept: one snapshot with that block, and the program goes on
// (SIGUSR2's default action would have ended it) to exit 0. No snapshot without the signal.
TEST(ProfileSnapshots, TheSnapshotSignalTakesOneAndTheProgramGoesOn) {
  const Profile run = profile(scratch() / "signal", "", kGrow + " 3 1 signal", kEveryStack);
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  ASSERT_EQ(run.document->snapshots.size(), 1u);
  const ProfileSnapshot& snapshot = run.document->snapshots.front();
  EXPECT_EQ(snapshot.trigger, "signal");
  EXPECT_EQ(folded_sum(snapshot), snapshot.live_bytes);
  const Profile stepped =
      profile(scratch() / "stepped", "--snapshot-every-mb 1", kGrow + " 1 1", kEveryStack);
  ASSERT_TRUE(stepped.document);
  ASSERT_EQ(stepped.document->snapshots.size(), 1u);
  EXPECT_EQ(snapshot.live_bytes, stepped.document->snapshots.front().live_bytes);  // one block
  const Profile quiet = profile(scratch() / "quiet", "", kGrow + " 3 1");
  ASSERT_TRUE(quiet.document);
  EXPECT_TRUE(quiet.document->snapshots.empty());
}

// A program that sets its own SIGUSR2 handler gets its signal (the probe checks its handler ran
// once): no snapshot, and the runner says why.
TEST(ProfileSnapshots, AProgramsOwnHandlerOfTheSignalStaysItsOwn) {
  const Profile run = profile(scratch(), "", kGrow + " 3 1 own-handler");
  ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
  ASSERT_TRUE(run.document);
  EXPECT_TRUE(run.document->snapshots.empty());
  EXPECT_EQ(run.document->snapshot_signal, "taken by the program");
  EXPECT_NE(run.outcome.err.find("set its own action for SIGUSR2"), std::string::npos)
      << run.outcome.err;
}

TEST(ProfileSnapshots, AStepThatIsNoWholeNumberOfMiBIsRefused) {
  for (const char* step : {"0", "-1", "1.5", "many"})
    test_support::expect_refused(
        scratch(), std::string("--snapshot-every-mb ") + step + " -- " + kGrow + " 1 1",
        "--snapshot-every-mb");
}

}  // namespace
