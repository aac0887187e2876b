#include "json_writer.hpp"

#include <cstdio>

namespace lt::app {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xe0) == 0xc0) {
    n = 2;
    cp = b0 & 0x1f;
  } else if ((b0 & 0xf0) == 0xe0) {
    n = 3;
    cp = b0 & 0x0f;
  } else if ((b0 & 0xf8) == 0xf0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

void JsonWriter::separator() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

void JsonWriter::begin_object() {
  separator();
  out_.push_back('{');
  first_.push_back(true);
}

void JsonWriter::end_object() {
  first_.pop_back();
  out_.push_back('}');
}

void JsonWriter::begin_array() {
  separator();
  out_.push_back('[');
  first_.push_back(true);
}

void JsonWriter::end_array() {
  first_.pop_back();
  out_.push_back(']');
}

void JsonWriter::key(std::string_view k) {
  separator();
  string(k);
  out_.push_back(':');
  after_key_ = true;
}

void JsonWriter::value(std::string_view s) {
  separator();
  string(s);
}

void JsonWriter::value(std::int64_t n) {
  separator();
  out_ += std::to_string(n);
}

void JsonWriter::value(bool b) {
  separator();
  out_ += b ? "true" : "false";
}

void JsonWriter::null() {
  separator();
  out_ += "null";
}

void JsonWriter::string(std::string_view s) {
  out_.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out_.push_back('\\');
      out_.push_back(c);
      ++i;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out_ += buf;
      ++i;
    } else if (u < 0x80) {
      out_.push_back(c);
      ++i;
    } else if (const std::size_t n = utf8_sequence(s, i); n > 0) {
      out_.append(s.substr(i, n));
      i += n;
    } else {
      out_ += "\xef\xbf\xbd";  // U+FFFD for a byte that is not UTF-8
      ++i;
    }
  }
  out_.push_back('"');
}

}  // namespace lt::app
