#include "core/utf8.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(Utf8, DecodesValidSequences) {
  EXPECT_EQ(decode_utf8("a", 0).code_point, U'a');
  const Utf8Char u = decode_utf8("\xc3\xbc", 0);
  EXPECT_TRUE(u.valid);
  EXPECT_EQ(u.code_point, U'\u00fc');
  EXPECT_EQ(u.length, 2u);
  const Utf8Char emoji = decode_utf8("\xf0\x9f\x98\x80", 0);
  EXPECT_TRUE(emoji.valid);
  EXPECT_EQ(emoji.code_point, U'\U0001F600');
  EXPECT_EQ(emoji.length, 4u);
}

TEST(Utf8, BrokenSequencesConsumeTheirMaximalSubpart) {
  EXPECT_FALSE(decode_utf8("\xc0\xaf", 0).valid);  // overlong '/'
  EXPECT_EQ(decode_utf8("\xc0\xaf", 0).length, 1u);
  EXPECT_FALSE(decode_utf8("\xed\xa0\x80", 0).valid);  // surrogate
  EXPECT_EQ(decode_utf8("\xed\xa0\x80", 0).length, 1u);
  EXPECT_FALSE(decode_utf8("\xe6\x97", 0).valid);  // truncated
  EXPECT_EQ(decode_utf8("\xe6\x97", 0).length, 2u);
  EXPECT_FALSE(decode_utf8("\xf4\x90\x80\x80", 0).valid);  // above U+10FFFF
  EXPECT_FALSE(decode_utf8("\x80", 0).valid);              // stray continuation
}

TEST(Utf8, ControlsAreUnicodeCategoryCc) {
  EXPECT_TRUE(is_control(0x00));
  EXPECT_TRUE(is_control(0x1b));
  EXPECT_TRUE(is_control(0x7f));
  EXPECT_TRUE(is_control(0x85));
  EXPECT_FALSE(is_control(0xa0));
  EXPECT_FALSE(is_control(U'a'));
}

}  // namespace
}  // namespace lt
