#pragma once
// UTF-8 decoding shared by everything that judges untrusted text: path sanitising, magnet
// fields, JSON output. One decoder, so "valid" and "control character" mean the same everywhere.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace lt {

struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 1;  // bytes consumed, at least 1 so callers always make progress
  bool valid = false;
};

// Decodes the UTF-8 sequence at text[pos] (pos < text.size()) following the well-formed table
// of Unicode chapter 3 (Table 3-7), which rules out overlong forms, surrogates and values above
// U+10FFFF by restricting the second byte. A broken sequence consumes its maximal subpart only
// (the lead byte plus the continuation bytes still acceptable), so the byte that broke it is
// decoded afresh: callers that substitute U+FFFD or '_' follow Unicode's recommended practice.
[[nodiscard]] Utf8Char decode_utf8(std::string_view text, std::size_t pos) noexcept;

// Unicode general category Cc: U+0000-U+001F, U+007F (DEL) and U+0080-U+009F (U+0085 included).
[[nodiscard]] constexpr bool is_control(char32_t cp) noexcept {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// A path as UTF-8 text on every platform (path::string() uses the ANSI code page on Windows and
// loses characters): for names stored in torrents and text handed to ImGui or logs.
[[nodiscard]] inline std::string path_to_utf8(const std::filesystem::path& path) {
  const std::u8string text = path.u8string();
  return {reinterpret_cast<const char*>(text.data()), text.size()};
}

}  // namespace lt
