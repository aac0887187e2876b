#pragma once
// A small streaming JSON writer for `info --json`: always emits valid UTF-8 JSON, whatever
// bytes a torrent's strings hold (invalid UTF-8 becomes U+FFFD, controls are escaped).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lt {

class JsonWriter {
 public:
  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  void key(std::string_view k);
  void value(std::string_view s);
  void value(const char* s) { value(std::string_view(s)); }
  void value(std::int64_t n);
  void value(bool b);
  void null();

  // key(k) followed by value(v): one call per object member.
  template <typename T>
  void field(std::string_view k, const T& v) {
    key(k);
    value(v);
  }

  [[nodiscard]] const std::string& str() const noexcept { return out_; }

 private:
  void separator();
  void string(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace lt
