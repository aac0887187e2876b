#include "core/sha1.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"

namespace lt {
namespace {

TEST(Sha1, KnownVectors) {
  EXPECT_EQ(Sha1::digest("").hex(), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1::digest("abc").hex(), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Sha1, IncrementalEqualsOneCallAndResets) {
  Sha1 h;
  h.update("ab");
  h.update("c");
  EXPECT_EQ(h.finish(), Sha1::digest("abc"));
  h.update("abc");  // reusable after finish()
  EXPECT_EQ(h.finish(), Sha1::digest("abc"));
}

TEST(Sha1, MovedHasherKeepsItsState) {
  Sha1 a;
  a.update("ab");
  Sha1 b = std::move(a);
  b.update("c");
  EXPECT_EQ(b.finish(), Sha1::digest("abc"));
}

TEST(Sha1, DigestFromHexAndBytes) {
  const auto d = Sha1Digest::from_hex("A9993E364706816ABA3E25717850C26C9CD0D89D");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, Sha1::digest("abc"));
  EXPECT_FALSE(Sha1Digest::from_hex("a9993e"));
  EXPECT_FALSE(Sha1Digest::from_hex("g9993e364706816aba3e25717850c26c9cd0d89d"));
  EXPECT_FALSE(Sha1Digest::from_bytes("short"));
  EXPECT_EQ(Sha1Digest::from_bytes(d->view()), d);
}

TEST(Hex, RoundTripsAndRejects) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x7f, 0xff};
  EXPECT_EQ(to_hex(bytes), "007fff");
  EXPECT_EQ(from_hex("007FfF"), bytes);
  EXPECT_FALSE(from_hex("0"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Base32, DecodesRfc4648) {
  const auto foobar = from_base32("MZXW6YTBOI");
  ASSERT_TRUE(foobar);
  EXPECT_EQ(std::string(foobar->begin(), foobar->end()), "foobar");
  EXPECT_EQ(from_base32("mzxw6ytboi"), foobar);
  EXPECT_FALSE(from_base32("MZXW6YTBO1"));  // '1' is not in the alphabet
}

}  // namespace
}  // namespace lt
