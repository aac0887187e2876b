#include "core/human_format.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(HumanFormat, Bytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1024), "1.00 KiB");
  EXPECT_EQ(format_bytes(16 * 1024), "16.0 KiB");
  EXPECT_EQ(format_bytes(3LL << 29), "1.50 GiB");
  EXPECT_EQ(format_bytes(500LL << 20), "500 MiB");
}

TEST(HumanFormat, Utc) {
  EXPECT_EQ(format_utc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(format_utc(1234567), "1970-01-15 06:56:07 UTC");
}

TEST(HumanFormat, ParseSize) {
  EXPECT_EQ(parse_size("262144"), 262144);
  EXPECT_EQ(parse_size("256K"), 262144);
  EXPECT_EQ(parse_size("256k"), 262144);
  EXPECT_EQ(parse_size("256KiB"), 262144);
  EXPECT_EQ(parse_size("1M"), 1 << 20);
  EXPECT_EQ(parse_size("1MiB"), 1 << 20);
  EXPECT_EQ(parse_size("2G"), 2LL << 30);
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("K"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("1X"));
  EXPECT_FALSE(parse_size("1KB"));
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_FALSE(parse_size("9999999999999G"));
}

}  // namespace
}  // namespace lt
