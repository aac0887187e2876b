#include "core/html_escape.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(HtmlEscape, EscapesMarkupAndKeepsUnicode) {
  EXPECT_EQ(html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  EXPECT_EQ(html_escape("\xc3\xbc\xe6\x97\xa5"), "\xc3\xbc\xe6\x97\xa5");
}

TEST(HtmlEscape, ReplacesInvalidBytesAndControls) {
  EXPECT_EQ(html_escape("a\xff"
                        "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(html_escape(std::string("a\0b", 3)),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(html_escape("a\tb"), "a\tb");
}

}  // namespace
}  // namespace lt
