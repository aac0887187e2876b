#include "core/json_writer.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(JsonWriter, NestedContainersAndScalars) {
  JsonWriter j;
  j.begin_object();
  j.key("a");
  j.value(std::int64_t{-5});
  j.key("b");
  j.begin_array();
  j.value(true);
  j.null();
  j.begin_array();
  j.end_array();
  j.end_array();
  j.key("c");
  j.value("x");
  j.end_object();
  EXPECT_EQ(j.str(), R"({"a":-5,"b":[true,null,[]],"c":"x"})");
}

TEST(JsonWriter, EscapesControlsAndQuotes) {
  JsonWriter j;
  j.value(std::string_view("q\"b\\n\n\x01\x7f", 8));
  EXPECT_EQ(j.str(), R"("q\"b\\n\u000a\u0001\u007f")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  JsonWriter j;
  j.value("\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80");  // ü 日 😀
  EXPECT_EQ(j.str(), "\"\xc3\xbc\xe6\x97\xa5\xf0\x9f\x98\x80\"");
  JsonWriter bad;
  bad.value(
      "a\xff"
      "b\xc0\xaf"
      "c\xed\xa0\x80");  // invalid byte, overlong, surrogate
  EXPECT_EQ(bad.str(),
            "\"a\xef\xbf\xbd"
            "b\xef\xbf\xbd\xef\xbf\xbd"
            "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace lt
