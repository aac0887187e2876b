#include "core/bencode.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lt::bencode {
namespace {

std::size_t error_offset(std::string_view input, const Limits& limits = {}) {
  try {
    (void)decode(input, limits);
  } catch (const DecodeError& e) {
    return e.offset();
  }
  ADD_FAILURE() << "no error for: " << input;
  return std::string::npos;
}

TEST(Bencode, DecodesScalars) {
  EXPECT_EQ(decode("i42e").root.as_int(), 42);
  EXPECT_EQ(decode("i-7e").root.as_int(), -7);
  EXPECT_EQ(decode("i0e").root.as_int(), 0);
  EXPECT_EQ(decode("i9223372036854775807e").root.as_int(), INT64_MAX);
  EXPECT_EQ(decode("i-9223372036854775808e").root.as_int(), INT64_MIN);
  EXPECT_EQ(decode("4:spam").root.as_string(), "spam");
  EXPECT_EQ(decode("0:").root.as_string(), "");
}

TEST(Bencode, StringsViewTheInputWithoutCopying) {
  const std::string input = "d3:key5:valuee";
  const Document doc = decode(input);
  const std::string_view v = doc.root.find("key")->as_string();
  EXPECT_GE(v.data(), input.data());
  EXPECT_LT(v.data(), input.data() + input.size());
}

TEST(Bencode, DecodesNestedContainers) {
  const Document doc = decode("d4:dictd1:xi5ee4:listli1ei2e3:abcee");
  ASSERT_TRUE(doc.root.is_dict());
  const Node* list = doc.root.find_list("list");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->as_list().size(), 3u);
  EXPECT_EQ(list->as_list()[2].as_string(), "abc");
  EXPECT_EQ(doc.root.find_dict("dict")->find_int("x")->as_int(), 5);
  EXPECT_EQ(doc.root.find_int("list"), nullptr);  // wrong type
  EXPECT_EQ(doc.root.find("absent"), nullptr);
  EXPECT_TRUE(doc.warnings.empty());
}

TEST(Bencode, RawSpanIsTheOriginalBytes) {
  const std::string input = "d4:infod6:lengthi1e4:name1:xe4:zzzzi0ee";
  const Document doc = decode(input);
  EXPECT_EQ(doc.root.find("info")->raw(), "d6:lengthi1e4:name1:xe");
  EXPECT_EQ(doc.root.raw(), input);
}

TEST(Bencode, RejectsBadIntegersWithOffsets) {
  EXPECT_EQ(error_offset("i01e"), 0u);  // leading zero
  EXPECT_EQ(error_offset("i-0e"), 0u);  // negative zero
  EXPECT_EQ(error_offset("ie"), 0u);    // no digits
  EXPECT_EQ(error_offset("i-e"), 0u);
  EXPECT_EQ(error_offset("i9223372036854775808e"), 0u);   // overflow
  EXPECT_EQ(error_offset("i-9223372036854775809e"), 0u);  // underflow
  EXPECT_EQ(error_offset("i12"), 0u);                     // unterminated
  EXPECT_EQ(error_offset("i1x2e"), 2u);                   // non-digit
  EXPECT_EQ(error_offset("i+1e"), 1u);
  EXPECT_EQ(error_offset("li1ei01ee"), 4u);  // offset inside a list
}

TEST(Bencode, RejectsBadStrings) {
  EXPECT_EQ(error_offset("5:abc"), 0u);                      // truncated
  EXPECT_EQ(error_offset("03:abc"), 0u);                     // leading zero in length
  EXPECT_EQ(error_offset("3abc"), 1u);                       // missing colon
  EXPECT_EQ(error_offset("99999999999999999999999:a"), 0u);  // length overflow
  EXPECT_EQ(error_offset("18446744073709551615:a"), 0u);     // huge length
  EXPECT_EQ(error_offset("4"), 0u);
}

TEST(Bencode, RejectsStructuralErrors) {
  EXPECT_EQ(error_offset(""), 0u);
  EXPECT_EQ(error_offset("l"), 0u);         // unterminated list
  EXPECT_EQ(error_offset("d"), 0u);         // unterminated dict
  EXPECT_EQ(error_offset("di1ei2ee"), 1u);  // integer key
  EXPECT_EQ(error_offset("d1:ae"), 4u);     // key without value
  EXPECT_EQ(error_offset("d1:a"), 0u);      // key without value at end
  EXPECT_EQ(error_offset("i1ei2e"), 3u);    // trailing data
  EXPECT_EQ(error_offset("4:spamx"), 6u);
  EXPECT_EQ(error_offset("x"), 0u);
  EXPECT_EQ(error_offset("e"), 0u);
}

TEST(Bencode, DepthLimitBoundsNesting) {
  std::string deep(101, 'l');
  deep += std::string(101, 'e');
  EXPECT_EQ(error_offset(deep), 100u);
  std::string ok(100, 'l');
  ok += std::string(100, 'e');
  EXPECT_NO_THROW((void)decode(ok));
  // A very deep input fails fast instead of exhausting the stack.
  const std::string hostile(1'000'000, 'l');
  EXPECT_EQ(error_offset(hostile), 100u);
}

TEST(Bencode, ItemLimitBoundsWork) {
  Limits limits;
  limits.max_items = 10;
  std::string list = "l";
  for (int i = 0; i < 20; ++i)
    list += "i1e";
  list += "e";
  EXPECT_NE(error_offset(list, limits), std::string::npos);
  limits.max_items = 21;
  EXPECT_NO_THROW((void)decode(list, limits));
}

TEST(Bencode, UnsortedAndDuplicateKeysWarnButDecode) {
  const Document unsorted = decode("d1:bi1e1:ai2ee");
  ASSERT_EQ(unsorted.warnings.size(), 1u);
  EXPECT_EQ(unsorted.warnings[0].offset, 7u);
  EXPECT_EQ(unsorted.root.find_int("a")->as_int(), 2);

  const Document dup = decode("d1:ai1e1:ai2ee");
  ASSERT_EQ(dup.warnings.size(), 1u);
  EXPECT_NE(dup.warnings[0].message.find("duplicate"), std::string::npos);
  EXPECT_EQ(dup.root.find_int("a")->as_int(), 1);  // the first wins
}

TEST(Bencode, DecodePrefixReportsConsumedBytes) {
  std::size_t consumed = 0;
  const Document doc = decode_prefix("d1:ai1eeRAWDATA", consumed);
  EXPECT_EQ(consumed, 8u);
  EXPECT_EQ(doc.root.find_int("a")->as_int(), 1);
}

TEST(Bencode, EncodeRoundTripsCanonicalInput) {
  const std::string input = "d1:ai-3e1:bl0:4:spamd1:xleee1:ci0ee";
  EXPECT_EQ(encode(decode(input).root), input);
}

TEST(Bencode, ValueEncodesWithSortedKeys) {
  Value v = Value::dict();
  v["zeta"] = 1;
  v["alpha"] = "x";
  Value list = Value::list();
  list.push_back(std::int64_t{-5});
  list.push_back(std::string("ab"));
  v["mid"] = std::move(list);
  EXPECT_EQ(v.encode(), "d5:alpha1:x3:midli-5e2:abe4:zetai1ee");
  EXPECT_EQ(Value(std::string("a\0b", 3)).encode(), std::string("3:a\0b", 5));
}

}  // namespace
}  // namespace lt::bencode
