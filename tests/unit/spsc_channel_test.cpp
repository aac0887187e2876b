#include "core/spsc_channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace lt {
namespace {

TEST(SpscChannel, WakesOnlyOnTheEmptyToNonEmptyEdge) {
  SpscChannel<int> channel(8);
  bool wake = false;
  ASSERT_TRUE(channel.try_push(1, wake));
  EXPECT_TRUE(wake);
  ASSERT_TRUE(channel.try_push(2, wake));
  EXPECT_FALSE(wake);  // the consumer was already told
  std::vector<int> out;
  EXPECT_EQ(channel.drain(out), 2U);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  ASSERT_TRUE(channel.try_push(3, wake));
  EXPECT_TRUE(wake);  // drained: the next push wakes again
}

TEST(SpscChannel, RefusesWhenFullWithoutTakingTheItem) {
  SpscChannel<std::string> channel(2);
  bool wake = false;
  ASSERT_TRUE(channel.try_push("a", wake));
  ASSERT_TRUE(channel.try_push("b", wake));
  std::string third = "c";
  EXPECT_FALSE(channel.try_push(std::move(third), wake));
  EXPECT_FALSE(wake);
  EXPECT_EQ(third, "c");  // not moved from
  std::vector<std::string> out;
  channel.drain(out);
  EXPECT_EQ(out, (std::vector<std::string>{"a", "b"}));
}

TEST(SpscChannel, MovesOnlyTypesThrough) {
  SpscChannel<std::unique_ptr<int>> channel(4);
  bool wake = false;
  ASSERT_TRUE(channel.try_push(std::make_unique<int>(7), wake));
  std::vector<std::unique_ptr<int>> out;
  channel.drain(out);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(*out[0], 7);
}

// Two threads, many items: every item arrives once and in order, and every push that reported
// a wake-up was followed by a drain (the consumer never sleeps on a non-empty queue).
TEST(SpscChannel, ConcurrentProducerAndConsumerKeepOrder) {
  constexpr int kItems = 50'000;
  SpscChannel<int> channel(64);
  std::atomic<int> wakes{0};
  std::thread producer([&] {
    for (int i = 0; i < kItems;) {
      bool wake = false;
      if (channel.try_push(int{i}, wake)) {
        ++i;
        if (wake) wakes.fetch_add(1);
      } else {
        std::this_thread::yield();
      }
    }
  });
  std::vector<int> got;
  got.reserve(kItems);
  while (static_cast<int>(got.size()) < kItems) {
    if (channel.drain(got) == 0) std::this_thread::yield();
  }
  producer.join();
  ASSERT_EQ(static_cast<int>(got.size()), kItems);
  for (int i = 0; i < kItems; ++i)
    ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
  EXPECT_GE(wakes.load(), 1);
}

}  // namespace
}  // namespace lt
