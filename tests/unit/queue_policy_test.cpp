#include "core/queue_policy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <vector>

namespace lt {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using Time = StallDetector::Clock::time_point;

// An arbitrary, non-zero origin: steady_clock's epoch is meaningless.
const Time kT0 = Time{} + hours(100);

QueueEntry download(int position, bool active = false, bool stalled = false) {
  QueueEntry e;
  e.position = position;
  e.active = active;
  e.stalled = stalled;
  return e;
}

QueueEntry seed(int position, bool active = false, bool stalled = false) {
  QueueEntry e = download(position, active, stalled);
  e.complete = true;
  return e;
}

QueueEntry held(QueueEntry e) {
  e.wants_to_run = false;
  return e;
}

std::vector<bool> decide(const std::vector<QueueEntry>& entries, int downloads, int seeds) {
  QueueLimits limits;
  limits.max_active_downloads = downloads;
  limits.max_active_seeds = seeds;
  return decide_active(entries, limits);
}

TEST(QueuePolicy, EmptyInput) {
  EXPECT_TRUE(decide_active({}, QueueLimits{}).empty());
}

TEST(QueuePolicy, DefaultLimitsAreThreeDownloadsAndFiveSeeds) {
  const QueueLimits limits;
  EXPECT_EQ(limits.max_active_downloads, 3);
  EXPECT_EQ(limits.max_active_seeds, 5);
}

TEST(QueuePolicy, DownloadsAndSeedsHaveSeparateLimits) {
  // Interleaved kinds, positions in input order.
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 8; ++i)
    entries.push_back(i % 2 == 0 ? download(i) : seed(i));
  // Downloads at 0, 2, 4, 6; seeds at 1, 3, 5, 7.
  EXPECT_EQ(decide(entries, 2, 3),
            (std::vector<bool>{true, true, true, true, false, true, false, false}));
  EXPECT_EQ(decide(entries, 3, 1),
            (std::vector<bool>{true, true, true, false, true, false, false, false}));
}

TEST(QueuePolicy, SlotsGoInPositionOrderThenInputOrder) {
  const std::vector<QueueEntry> entries = {download(7), download(2), download(5), download(2),
                                           download(0)};
  // Position 0 first, then the two at 2 in input order; 5 and 7 wait.
  EXPECT_EQ(decide(entries, 3, 5), (std::vector<bool>{false, true, false, true, true}));
  // Of the two tied at 2, the earlier input wins the last slot.
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{false, true, false, false, true}));
}

TEST(QueuePolicy, HeldEntriesAreNeverActiveAndTakeNoSlot) {
  const std::vector<QueueEntry> entries = {
      held(download(0, /*active=*/true)),
      held(download(1, /*active=*/true, /*stalled=*/true)),
      held(seed(2, /*active=*/true)),
      download(3),
      seed(4),
  };
  EXPECT_EQ(decide(entries, 1, 1), (std::vector<bool>{false, false, false, true, true}));
  EXPECT_EQ(decide(entries, -1, -1), (std::vector<bool>{false, false, false, true, true}));
}

TEST(QueuePolicy, StalledActiveEntryFreesItsSlot) {
  const std::vector<QueueEntry> entries = {
      download(0, /*active=*/true, /*stalled=*/true),
      download(1, /*active=*/true),
      download(2),  // queued: starts because the stalled one holds no slot
      download(3),
  };
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{true, true, true, false}));
  // It keeps running even when it would be past the limit by position.
  const std::vector<QueueEntry> last = {download(0, true), download(1, true),
                                        download(9, true, true)};
  EXPECT_EQ(decide(last, 2, 5), (std::vector<bool>{true, true, true}));
}

TEST(QueuePolicy, StalledSeedFreesASeedSlotOnly) {
  const std::vector<QueueEntry> entries = {seed(0, true, true), seed(1), download(2)};
  EXPECT_EQ(decide(entries, 0, 1), (std::vector<bool>{true, true, false}));
}

TEST(QueuePolicy, QueuedEntryStalledFlagIsIgnored) {
  const std::vector<QueueEntry> entries = {download(0, /*active=*/true),
                                           download(1, /*active=*/false, /*stalled=*/true)};
  // It must wait for a slot like any queued entry...
  EXPECT_EQ(decide(entries, 1, 5), (std::vector<bool>{true, false}));
  // ...and takes one when there is one.
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{true, true}));
  const std::vector<QueueEntry> ahead = {download(1, true), download(0, false, true)};
  EXPECT_EQ(decide(ahead, 1, 5), (std::vector<bool>{false, true}));
}

TEST(QueuePolicy, NegativeLimitsAreUnlimited) {
  std::vector<QueueEntry> entries;
  for (int i = 0; i < 50; ++i)
    entries.push_back(i % 3 == 0 ? seed(i) : download(i, i % 2 == 0));
  EXPECT_EQ(decide(entries, -1, -1), std::vector<bool>(50, true));
  EXPECT_EQ(decide(entries, std::numeric_limits<int>::min(), -7), std::vector<bool>(50, true));
}

TEST(QueuePolicy, ZeroLimitRunsNothingOfThatKind) {
  const std::vector<QueueEntry> entries = {download(0, true), download(1, true, true), seed(2),
                                           seed(3, true, true)};
  // Stalled ones included: zero slots means none of that kind.
  EXPECT_EQ(decide(entries, 0, -1), (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(decide(entries, -1, 0), (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(decide(entries, 0, 0), (std::vector<bool>{false, false, false, false}));
}

TEST(QueuePolicy, ShrinkingLimitsQueueTheHighestPositions) {
  // Five running downloads, given out of position order.
  const std::vector<QueueEntry> entries = {download(3, true), download(0, true), download(4, true),
                                           download(1, true), download(2, true)};
  EXPECT_EQ(decide(entries, 5, 5), std::vector<bool>(5, true));
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{false, true, false, true, false}));
}

TEST(QueuePolicy, QueuedEntryMovedUpTakesTheSlotOfTheLastActive) {
  const std::vector<QueueEntry> entries = {download(1, true), download(2, true), download(0)};
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{true, false, true}));
}

TEST(QueuePolicy, CompletingMovesAnEntryToTheSeedLimit) {
  std::vector<QueueEntry> entries = {download(0, true), download(1, true), download(2)};
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{true, true, false}));
  entries[0].complete = true;  // finished downloading
  EXPECT_EQ(decide(entries, 2, 5), (std::vector<bool>{true, true, true}));
}

TEST(StallDetector, NotStalledBeforeAnyData) {
  const StallDetector d;
  EXPECT_FALSE(d.stalled());
}

TEST(StallDetector, NotStalledDuringGrace) {
  StallDetector d;
  d.reset(kT0);
  for (int s = 0; s < 60; ++s)
    EXPECT_FALSE(d.update(0, kT0 + seconds(s))) << s;
  EXPECT_FALSE(d.stalled());
}

TEST(StallDetector, StalledAfterGraceUnderThreshold) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_FALSE(d.update(2047, kT0 + seconds(30)));
  EXPECT_TRUE(d.update(2047, kT0 + seconds(60)));
  EXPECT_TRUE(d.stalled());
  EXPECT_TRUE(d.update(0, kT0 + seconds(600)));
}

TEST(StallDetector, WithoutResetTheFirstSlowSampleStartsTheGrace) {
  StallDetector d;
  EXPECT_FALSE(d.update(0, kT0));
  EXPECT_FALSE(d.update(0, kT0 + seconds(59)));
  EXPECT_TRUE(d.update(0, kT0 + seconds(60)));
}

TEST(StallDetector, RateAtThresholdIsNotSlow) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_FALSE(d.update(2048, kT0 + seconds(120)));
}

TEST(StallDetector, RecoversImmediatelyWhenRateRises) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_TRUE(d.update(0, kT0 + seconds(61)));
  EXPECT_FALSE(d.update(50'000, kT0 + seconds(62)));
  EXPECT_FALSE(d.stalled());
  // Slow again: a whole new grace period.
  EXPECT_FALSE(d.update(0, kT0 + seconds(63)));
  EXPECT_FALSE(d.update(0, kT0 + seconds(122)));
  EXPECT_TRUE(d.update(0, kT0 + seconds(123)));
}

TEST(StallDetector, FastSampleDuringGraceRestartsIt) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_FALSE(d.update(0, kT0 + seconds(50)));
  EXPECT_FALSE(d.update(10'000, kT0 + seconds(55)));
  EXPECT_FALSE(d.update(0, kT0 + seconds(70)));
  EXPECT_FALSE(d.update(0, kT0 + seconds(129)));
  EXPECT_TRUE(d.update(0, kT0 + seconds(130)));
}

TEST(StallDetector, ResetClearsAndRestartsGrace) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_TRUE(d.update(0, kT0 + seconds(60)));
  d.reset(kT0 + seconds(100));  // e.g. finished downloading, now seeding
  EXPECT_FALSE(d.stalled());
  EXPECT_FALSE(d.update(0, kT0 + seconds(159)));
  EXPECT_TRUE(d.update(0, kT0 + seconds(160)));
}

TEST(StallDetector, CustomThresholdAndGrace) {
  StallDetector d(100'000, seconds(5));
  d.reset(kT0);
  EXPECT_FALSE(d.update(99'999, kT0 + seconds(4)));
  EXPECT_TRUE(d.update(99'999, kT0 + seconds(5)));
  EXPECT_FALSE(d.update(100'000, kT0 + seconds(6)));
}

TEST(StallDetector, TimeGoingBackwardsDoesNotUnstall) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_TRUE(d.update(0, kT0 + seconds(60)));
  EXPECT_TRUE(d.update(0, kT0 + seconds(10)));
}

TEST(StallDetector, NanRateCountsAsNoData) {
  StallDetector d;
  d.reset(kT0);
  EXPECT_TRUE(d.update(std::numeric_limits<double>::quiet_NaN(), kT0 + seconds(60)));
}

}  // namespace
}  // namespace lt
