#include "core/token_bucket.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace lt {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using Time = TokenBucket::Clock::time_point;

// An arbitrary, non-zero origin: steady_clock's epoch is meaningless.
const Time kT0 = Time{} + hours(100);

constexpr std::int64_t kBlock = 16 * 1024;

// A bucket at `rate` whose initial burst is already spent at kT0, so what follows measures the
// sustained rate alone.
TokenBucket drained(std::int64_t rate) {
  TokenBucket b;
  b.set_rate(rate, kT0);
  b.consume(b.burst(), kT0);
  return b;
}

TEST(TokenBucket, UnlimitedNeverDelays) {
  TokenBucket b;
  EXPECT_TRUE(b.unlimited());
  EXPECT_EQ(b.rate(), 0);
  EXPECT_EQ(b.burst(), 0);
  for (int i = 0; i < 100; ++i)
    b.consume(std::numeric_limits<std::int64_t>::max(), kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());
  EXPECT_EQ(b.delay(kT0 + hours(1)), nanoseconds::zero());
}

TEST(TokenBucket, ZeroOrNegativeRateIsUnlimited) {
  TokenBucket b = drained(1000);
  b.consume(1'000'000, kT0);
  EXPECT_GT(b.delay(kT0), nanoseconds::zero());

  b.set_rate(0, kT0);
  EXPECT_TRUE(b.unlimited());
  EXPECT_EQ(b.rate(), 0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());

  b.set_rate(1000, kT0);
  b.set_rate(-5, kT0);
  EXPECT_TRUE(b.unlimited());
  b.consume(1'000'000, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());
}

TEST(TokenBucket, NewLimitedBucketStartsFull) {
  TokenBucket b;
  b.set_rate(1024 * 1024, kT0);
  EXPECT_FALSE(b.unlimited());
  EXPECT_EQ(b.rate(), 1024 * 1024);
  EXPECT_EQ(b.burst(), 256 * 1024);  // a quarter second
  b.consume(b.burst(), kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());
  b.consume(1, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds(954));  // 1e9 / 2^20 = 953.67 ns, rounded up
}

TEST(TokenBucket, BurstIsAtLeastOneBlock) {
  TokenBucket b;
  b.set_rate(1, kT0);
  EXPECT_EQ(b.burst(), TokenBucket::kMinBurst);
  b.set_rate(20 * 1024, kT0);
  EXPECT_EQ(b.burst(), kBlock);
  b.set_rate(100 * 1024 * 1024, kT0);
  EXPECT_EQ(b.burst(), 25 * 1024 * 1024);
}

// Consume-then-wait, as a connection held at the limit does, until `span` has passed. Returns the
// bytes moved; `end` is when the last chunk's debt is paid off.
std::int64_t run_at_limit(TokenBucket& b, Time start, nanoseconds span, Time& end) {
  std::int64_t bytes = 0;
  Time now = start;
  while (now < start + span) {
    b.consume(kBlock, now);
    bytes += kBlock;
    now += b.delay(now);
  }
  end = now;
  return bytes;
}

TEST(TokenBucket, HeldAtTheLimitDeliversTheRate) {
  // 1'234'567 B/s makes every wait a fractional number of nanoseconds.
  for (const std::int64_t rate : {std::int64_t{20 * 1024}, std::int64_t{1024 * 1024},
                                  std::int64_t{100 * 1024 * 1024}, std::int64_t{1'234'567}}) {
    SCOPED_TRACE(rate);
    TokenBucket b = drained(rate);
    Time end;
    const std::int64_t bytes = run_at_limit(b, kT0, seconds(10), end);
    const double elapsed = std::chrono::duration<double>(end - kT0).count();
    // A chunk is only paid for after it moved, so the loop ends up to one chunk's time late;
    // at 20 KiB/s that is 0.8 s, so the rate is measured over the time actually spent.
    EXPECT_LE(end - kT0, seconds(10) + nanoseconds(kBlock * 1'000'000'000 / rate + 1));
    EXPECT_NEAR(static_cast<double>(bytes), static_cast<double>(rate) * elapsed,
                0.02 * static_cast<double>(rate) * elapsed);
    // Exact arithmetic: no rounding drift either, at most a nanosecond's worth per chunk.
    EXPECT_NEAR(static_cast<double>(bytes), static_cast<double>(rate) * elapsed,
                static_cast<double>(bytes / kBlock) * static_cast<double>(rate) * 1e-9 + 1.0);
    EXPECT_EQ(b.delay(end), nanoseconds::zero());
  }
}

TEST(TokenBucket, FromFullTheOverrunIsAtMostOneBurstAndOneChunk) {
  for (const std::int64_t rate :
       {std::int64_t{20 * 1024}, std::int64_t{1024 * 1024}, std::int64_t{100 * 1024 * 1024}}) {
    SCOPED_TRACE(rate);
    TokenBucket b;
    b.set_rate(rate, kT0);
    Time end;
    const std::int64_t bytes = run_at_limit(b, kT0, seconds(10), end);
    EXPECT_GE(bytes, rate * 10);
    EXPECT_LE(bytes, rate * 10 + b.burst() + kBlock);
  }
}

TEST(TokenBucket, BurstCapRespectedAfterLongIdle) {
  TokenBucket b = drained(1024 * 1024);
  b.consume(5 * 1024 * 1024, kT0);  // deep in debt
  const Time later = kT0 + hours(1);
  EXPECT_EQ(b.delay(later), nanoseconds::zero());
  // An hour's worth of refill is not available, only the burst.
  b.consume(b.burst(), later);
  EXPECT_EQ(b.delay(later), nanoseconds::zero());
  b.consume(kBlock, later);
  EXPECT_EQ(b.delay(later), nanoseconds(15'625'000));  // 16 KiB at 1 MiB/s
}

TEST(TokenBucket, SetRateTakesEffect) {
  TokenBucket b = drained(1024 * 1024);
  b.consume(kBlock, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds(15'625'000));
  // The debt is kept and now pays off at the new rate.
  b.set_rate(kBlock, kT0);
  EXPECT_EQ(b.rate(), kBlock);
  EXPECT_EQ(b.delay(kT0), seconds(1));
  b.set_rate(4 * 1024 * 1024, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds(3'906'250));
}

TEST(TokenBucket, SetRateKeepsWhatWasEarnedAtTheOldRate) {
  TokenBucket b = drained(1000);
  b.consume(1000, kT0);
  EXPECT_EQ(b.delay(kT0), seconds(1));
  // Half the debt was paid at 1000 B/s; the other 500 bytes take 0.25 s at 2000 B/s.
  b.set_rate(2000, kT0 + milliseconds(500));
  EXPECT_EQ(b.delay(kT0 + milliseconds(500)), milliseconds(250));
}

TEST(TokenBucket, LoweringTheRateCapsTheBalanceToTheNewBurst) {
  TokenBucket b;
  b.set_rate(4 * 1024 * 1024, kT0);  // full: 1 MiB
  b.set_rate(20 * 1024, kT0);
  EXPECT_EQ(b.burst(), kBlock);
  b.consume(kBlock, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());
  b.consume(1, kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds(48'829));  // 1e9 / 20480 = 48828.125 ns
}

TEST(TokenBucket, UnlimitedToLimitedStartsFullAgain) {
  TokenBucket b = drained(1000);
  b.consume(1'000'000, kT0);
  b.set_rate(0, kT0);
  b.set_rate(1000, kT0);
  b.consume(b.burst(), kT0);
  EXPECT_EQ(b.delay(kT0), nanoseconds::zero());
}

TEST(TokenBucket, CombinedDelayPicksTheLonger) {
  TokenBucket torrent = drained(1000);
  TokenBucket global = drained(2000);
  torrent.consume(1000, kT0);
  global.consume(1000, kT0);
  EXPECT_EQ(combined_delay(torrent, global, kT0), seconds(1));
  EXPECT_EQ(combined_delay(global, torrent, kT0), seconds(1));
  global.consume(10'000, kT0);
  EXPECT_EQ(combined_delay(torrent, global, kT0), milliseconds(5500));
  const TokenBucket unlimited;
  EXPECT_EQ(combined_delay(unlimited, torrent, kT0), seconds(1));
  EXPECT_EQ(combined_delay(unlimited, unlimited, kT0), nanoseconds::zero());
}

TEST(TokenBucket, HugeTimeGapsAndDebtsDoNotOverflow) {
  constexpr std::int64_t k10GBps = 10'000'000'000;
  TokenBucket b = drained(k10GBps);
  b.consume(1'000'000'000'000'000, kT0);  // 1e15 bytes: 1e5 s of debt
  EXPECT_EQ(b.delay(kT0), seconds(100'000));
  // Ten thousand days later the bucket holds exactly one burst.
  const Time later = kT0 + hours(24 * 10'000);
  EXPECT_EQ(b.delay(later), nanoseconds::zero());
  b.consume(b.burst(), later);
  EXPECT_EQ(b.delay(later), nanoseconds::zero());
  b.consume(1, later);
  EXPECT_EQ(b.delay(later), nanoseconds(1));  // 0.1 ns, rounded up

  // A huge debt at a tiny rate saturates instead of wrapping.
  TokenBucket slow = drained(1);
  for (int i = 0; i < 4; ++i)
    slow.consume(std::numeric_limits<std::int64_t>::max(), kT0);
  EXPECT_EQ(slow.delay(kT0), TokenBucket::kMaxDelay);
  EXPECT_EQ(slow.delay(kT0 + hours(24 * 365 * 100)), TokenBucket::kMaxDelay);

  // Absurd rates are clamped, and still work.
  TokenBucket fast;
  fast.set_rate(std::numeric_limits<std::int64_t>::max(), kT0);
  EXPECT_EQ(fast.rate(), TokenBucket::kMaxRate);
  fast.consume(fast.burst() + TokenBucket::kMaxRate, kT0);
  EXPECT_EQ(fast.delay(kT0), seconds(1));
  EXPECT_EQ(fast.delay(kT0 + hours(24 * 10'000)), nanoseconds::zero());
}

TEST(TokenBucket, DelayRoundsUp) {
  TokenBucket b = drained(3);
  b.consume(1, kT0);
  // A third of a second is 333'333'333.3 ns.
  EXPECT_EQ(b.delay(kT0), nanoseconds(333'333'334));
  EXPECT_EQ(b.delay(kT0 + nanoseconds(333'333'333)), nanoseconds(1));
  EXPECT_EQ(b.delay(kT0 + nanoseconds(333'333'334)), nanoseconds::zero());
}

TEST(TokenBucket, RoundingDoesNotAccumulate) {
  // Three 1-byte chunks at 3 B/s, each sent as soon as allowed: the fractions of a nanosecond
  // rounded up on each wait are carried, so the three waits add up to exactly one second.
  TokenBucket b = drained(3);
  Time now = kT0;
  for (int i = 0; i < 3; ++i) {
    b.consume(1, now);
    now += b.delay(now);
  }
  EXPECT_EQ(now - kT0, seconds(1));
}

TEST(TokenBucket, WaitingExactlyTheDelayIsEnoughAndNotMore) {
  for (const std::int64_t rate : {std::int64_t{1}, std::int64_t{3}, std::int64_t{7},
                                  std::int64_t{1'000'003}, std::int64_t{12'345'678'901}}) {
    SCOPED_TRACE(rate);
    TokenBucket b = drained(rate);
    Time now = kT0;
    int waits = 0;
    for (std::int64_t chunk = 1; chunk < 200'000; chunk = chunk * 3 + 1) {
      b.consume(chunk, now);
      const nanoseconds wait = b.delay(now);
      // At 12 GB/s a 1 ns wait earns more than the next small chunk, which then needs none.
      if (wait > nanoseconds::zero()) {
        ++waits;
        EXPECT_GT(b.delay(now + wait - nanoseconds(1)), nanoseconds::zero());
      }
      now += wait;
      EXPECT_EQ(b.delay(now), nanoseconds::zero());
    }
    EXPECT_GE(waits, 5);
  }
}

TEST(TokenBucket, ManySmallRefillsEqualOneBigOne) {
  TokenBucket stepped = drained(7);
  TokenBucket jumped = drained(7);
  stepped.consume(100, kT0);
  jumped.consume(100, kT0);
  Time now = kT0;
  for (int i = 0; i < 10'000; ++i) {
    now += nanoseconds(999'999);
    stepped.consume(0, now);  // refills only
  }
  EXPECT_EQ(stepped.delay(now), jumped.delay(now));
}

TEST(TokenBucket, TimeGoingBackwardsChangesNothing) {
  TokenBucket b = drained(1000);
  b.consume(6000, kT0 + seconds(5));    // 5000 bytes earned by then: 1000 in debt
  EXPECT_EQ(b.delay(kT0), seconds(1));  // as if asked at the latest time seen
  b.consume(1000, kT0);                 // earns nothing
  EXPECT_EQ(b.delay(kT0 + seconds(5)), seconds(2));
  b.set_rate(2000, kT0);  // neither does this
  EXPECT_EQ(b.delay(kT0 + seconds(5)), seconds(1));
}

}  // namespace
}  // namespace lt
