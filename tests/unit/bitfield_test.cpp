#include "core/bitfield.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace lt {
namespace {

std::vector<std::uint8_t> bytes_of(const Bitfield& b) {
  return {b.bytes().begin(), b.bytes().end()};
}

TEST(BitfieldTest, DefaultIsEmpty) {
  const Bitfield b;
  EXPECT_EQ(b.size(), 0);
  EXPECT_EQ(b.count(), 0);
  EXPECT_TRUE(b.none());
  EXPECT_TRUE(b.all());
  EXPECT_TRUE(b.bytes().empty());
  EXPECT_EQ(b.to_string(), "");
  EXPECT_FALSE(b.test(PieceIndex(0)));
}

TEST(BitfieldTest, ConstructedAllSetKeepsSpareBitsZero) {
  const Bitfield b(10, true);
  EXPECT_EQ(b.count(), 10);
  EXPECT_TRUE(b.all());
  EXPECT_EQ(bytes_of(b), (std::vector<std::uint8_t>{0xFF, 0xC0}));
  EXPECT_EQ(b.to_string(), "1111111111");
  EXPECT_THROW(Bitfield(-1), std::invalid_argument);
}

TEST(BitfieldTest, WireOrderIsHighBitFirst) {
  Bitfield b(16);
  b.set(PieceIndex(0));
  b.set(PieceIndex(9));
  EXPECT_EQ(bytes_of(b), (std::vector<std::uint8_t>{0x80, 0x40}));
  EXPECT_EQ(b.to_string(), "1000000001000000");
}

TEST(BitfieldTest, SetAndResetKeepTheCount) {
  Bitfield b(12);
  b.set(PieceIndex(3));
  b.set(PieceIndex(3));
  b.set(PieceIndex(11));
  EXPECT_EQ(b.count(), 2);
  EXPECT_TRUE(b.test(PieceIndex(3)));
  EXPECT_FALSE(b.test(PieceIndex(4)));
  b.reset(PieceIndex(3));
  b.reset(PieceIndex(3));
  b.reset(PieceIndex(5));
  EXPECT_EQ(b.count(), 1);
  EXPECT_FALSE(b.none());
  // Out of range: ignored, and never touches the spare bits.
  b.set(PieceIndex(12));
  b.set(PieceIndex(-1));
  EXPECT_FALSE(b.test(PieceIndex(12)));
  EXPECT_EQ(b.count(), 1);
  EXPECT_EQ(bytes_of(b), (std::vector<std::uint8_t>{0x00, 0x10}));
}

TEST(BitfieldTest, SetAll) {
  Bitfield b(13);
  b.set(PieceIndex(2));
  b.set_all();
  EXPECT_TRUE(b.all());
  EXPECT_EQ(b.count(), 13);
  EXPECT_EQ(bytes_of(b), (std::vector<std::uint8_t>{0xFF, 0xF8}));
}

TEST(BitfieldTest, FromBytes) {
  const std::array<std::uint8_t, 2> good{0xA0, 0x80};
  const auto b = Bitfield::from_bytes(good, 9);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->to_string(), "101000001");
  EXPECT_EQ(b->count(), 3);
  // Wrong byte count for the size.
  EXPECT_FALSE(Bitfield::from_bytes(good, 8).has_value());
  EXPECT_FALSE(Bitfield::from_bytes(good, 17).has_value());
  EXPECT_FALSE(Bitfield::from_bytes(good, -1).has_value());
  // A spare bit set.
  const std::array<std::uint8_t, 2> spare{0xA0, 0x40};
  EXPECT_FALSE(Bitfield::from_bytes(spare, 9).has_value());
  EXPECT_TRUE(Bitfield::from_bytes(spare, 10).has_value());
  // Empty torrent metadata aside, a zero-size bitfield has zero bytes.
  EXPECT_TRUE(Bitfield::from_bytes({}, 0).has_value());
}

TEST(BitfieldTest, StringRoundTripAndEquality) {
  const Bitfield b = Bitfield::from_string("1101");
  EXPECT_EQ(b.size(), 4);
  EXPECT_EQ(b.count(), 3);
  EXPECT_EQ(b.to_string(), "1101");
  EXPECT_EQ(b, Bitfield::from_string("1101"));
  EXPECT_NE(b, Bitfield::from_string("1100"));
  EXPECT_NE(b, Bitfield::from_string("11010"));
  Bitfield c(4);
  c.set(PieceIndex(0));
  c.set(PieceIndex(1));
  c.set(PieceIndex(3));
  EXPECT_EQ(b, c);
  EXPECT_THROW((void)Bitfield::from_string("10x1"), std::invalid_argument);
}

TEST(BitfieldTest, FindNextSetSkipsZeroWords) {
  Bitfield b(200);
  EXPECT_EQ(b.find_next_set(0), 200);
  b.set(PieceIndex(3));
  b.set(PieceIndex(130));
  b.set(PieceIndex(199));
  EXPECT_EQ(b.find_next_set(-5), 3);
  EXPECT_EQ(b.find_next_set(3), 3);
  EXPECT_EQ(b.find_next_set(4), 130);
  EXPECT_EQ(b.find_next_set(131), 199);
  EXPECT_EQ(b.find_next_set(200), 200);
  // Every position agrees with a linear search.
  for (std::int32_t from = 0; from < 200; ++from) {
    std::int32_t expected = from;
    while (expected < 200 && !b.test(PieceIndex(expected)))
      ++expected;
    EXPECT_EQ(b.find_next_set(from), expected) << from;
  }
}

}  // namespace
}  // namespace lt
