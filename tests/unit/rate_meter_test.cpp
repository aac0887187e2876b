#include "core/rate_meter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

namespace lt {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Time = RateMeter::Clock::time_point;

// An arbitrary, non-zero origin: steady_clock's epoch is meaningless.
const Time kT0 = Time{} + hours(100);

Time at(std::int64_t ms) {
  return kT0 + milliseconds(ms);
}

TEST(RateMeter, EmptyMeterReadsZero) {
  const RateMeter m;
  EXPECT_EQ(m.rate(kT0), 0.0);
  EXPECT_EQ(m.total(), 0);
  EXPECT_EQ(m.window(), seconds(5));
}

TEST(RateMeter, SteadyStreamReadsItsRate) {
  RateMeter m;
  // 1000 bytes every 100 ms for 20 s: 10,000 B/s.
  for (std::int64_t ms = 0; ms <= 20'000; ms += 100) {
    m.add(1000, at(ms));
    if (ms >= 6000) {
      EXPECT_NEAR(m.rate(at(ms)), 10'000.0, 300.0) << "at " << ms << " ms";
    }
  }
  EXPECT_EQ(m.total(), 201 * 1000);
  // Read between samples too.
  EXPECT_NEAR(m.rate(at(20'050)), 10'000.0, 300.0);
}

TEST(RateMeter, BurstThenSilenceDecaysToZeroWithinOneWindow) {
  RateMeter m;
  m.add(0, at(0));
  m.add(1'000'000, at(10'100));
  EXPECT_GT(m.rate(at(10'100)), 0.0);
  // Buckets from 9.25 s to now (14.0 s) are summed.
  EXPECT_NEAR(m.rate(at(14'000)), 1'000'000.0 / 4.75, 1e-6);
  EXPECT_GT(m.rate(at(14'999)), 0.0);
  EXPECT_EQ(m.rate(at(15'100)), 0.0);
  EXPECT_EQ(m.rate(at(60'000)), 0.0);
  EXPECT_EQ(m.total(), 1'000'000);
}

TEST(RateMeter, OldDataLeavesWhenNewDataArrivesAfterALongGap) {
  RateMeter m;
  m.add(5'000'000, at(0));
  m.add(100, at(3'600'000));  // an hour of silence
  EXPECT_NEAR(m.rate(at(3'600'000 + 4'000)), 100.0 / 4.75, 1e-6);
  EXPECT_EQ(m.total(), 5'000'100);
}

TEST(RateMeter, YoungMeterDividesByElapsedTimeNotTheWindow) {
  RateMeter m;
  m.add(0, at(0));  // connected
  // 100 KB every 100 ms: 1 MB/s, observed for only one second.
  for (std::int64_t ms = 100; ms <= 1000; ms += 100)
    m.add(100'000, at(ms));
  EXPECT_NEAR(m.rate(at(1000)), 1'000'000.0, 1.0);
  EXPECT_NEAR(m.rate(at(2000)), 500'000.0, 1.0);  // then silence for a second
}

TEST(RateMeter, YoungMeterDividesByAtLeastOneBucket) {
  RateMeter m;
  m.add(16'384, at(0));
  EXPECT_NEAR(m.rate(at(0)), 16'384.0 / 0.25, 1e-6);
  EXPECT_NEAR(m.rate(at(100)), 16'384.0 / 0.25, 1e-6);
  EXPECT_NEAR(m.rate(at(500)), 16'384.0 / 0.5, 1e-6);
}

TEST(RateMeter, EqualTimesAccumulate) {
  RateMeter m;
  for (int i = 0; i < 1000; ++i)
    m.add(10, at(0));
  EXPECT_EQ(m.total(), 10'000);
  EXPECT_NEAR(m.rate(at(0)), 10'000.0 / 0.25, 1e-6);
}

TEST(RateMeter, TimeGoingBackwardsCountsAsTheLatestTime) {
  RateMeter m;
  m.add(0, at(0));
  m.add(1000, at(2000));
  m.add(1000, at(1000));   // earlier than the last sample: lands in the latest bucket
  m.add(1000, at(-5000));  // before the meter started
  EXPECT_EQ(m.total(), 3000);
  EXPECT_NEAR(m.rate(at(2000)), 1500.0, 1e-6);
  EXPECT_NEAR(m.rate(at(0)), 1500.0, 1e-6);  // a read from the past reads "now"
  EXPECT_GE(m.rate(at(-100'000)), 0.0);
  EXPECT_EQ(m.rate(at(7100)), 0.0);
}

TEST(RateMeter, NegativeBytesAreIgnored) {
  RateMeter m;
  m.add(100, at(0));
  m.add(-50, at(100));
  EXPECT_EQ(m.total(), 100);
  EXPECT_NEAR(m.rate(at(100)), 100.0 / 0.25, 1e-6);
}

TEST(RateMeter, CustomWindowIsRoundedDownToWholeBuckets) {
  RateMeter m(milliseconds(1100), milliseconds(500));
  EXPECT_EQ(m.window(), milliseconds(1000));
  m.add(0, at(0));
  m.add(1000, at(100));
  EXPECT_NEAR(m.rate(at(900)), 1000.0 / 0.9, 1e-6);
  EXPECT_EQ(m.rate(at(1000)), 0.0);  // bucket [0, 500) has left the window
}

TEST(RateMeter, RejectsImpossibleGeometry) {
  EXPECT_THROW(RateMeter(seconds(5), milliseconds(0)), std::invalid_argument);
  EXPECT_THROW(RateMeter(seconds(5), milliseconds(-1)), std::invalid_argument);
  EXPECT_THROW(RateMeter(milliseconds(100), milliseconds(250)), std::invalid_argument);
  EXPECT_THROW(RateMeter(hours(1), milliseconds(1)), std::invalid_argument);
  EXPECT_NO_THROW(RateMeter(milliseconds(250), milliseconds(250)));
}

}  // namespace
}  // namespace lt
