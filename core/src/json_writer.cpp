#include "core/json_writer.hpp"

#include <cstdio>

#include "core/utf8.hpp"

namespace lt {

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
    } else if (const Utf8Char d = decode_utf8(s, i); d.valid) {
      out_.append(s.substr(i, d.length));
      i += d.length;
    } else {
      out_ += "\xef\xbf\xbd";  // U+FFFD for each maximal subpart that is not UTF-8
      i += d.length;
    }
  }
  out_.push_back('"');
}

}  // namespace lt
