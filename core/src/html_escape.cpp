#include "core/html_escape.hpp"

#include "core/utf8.hpp"

namespace lt {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const Utf8Char c = decode_utf8(text, i);
    if (!c.valid || (is_control(c.code_point) && c.code_point != '\t')) {
      out += "\xef\xbf\xbd";
    } else {
      switch (c.code_point) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          out.append(text.substr(i, c.length));
      }
    }
    i += c.length;
  }
  return out;
}

}  // namespace lt
