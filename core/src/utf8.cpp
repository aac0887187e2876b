#include "core/utf8.hpp"

namespace lt {

Utf8Char decode_utf8(std::string_view text, std::size_t pos) noexcept {
  const auto byte_at = [text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte_at(pos);
  if (lead < 0x80) return {lead, 1, true};

  std::size_t continuation = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    code_point = lead & 0x0Fu;
    if (lead == 0xE0) second_min = 0xA0;  // below is overlong
    if (lead == 0xED) second_max = 0x9F;  // above is a UTF-16 surrogate
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    code_point = lead & 0x07u;
    if (lead == 0xF0) second_min = 0x90;  // below is overlong
    if (lead == 0xF4) second_max = 0x8F;  // above is beyond U+10FFFF
  } else {
    return {0, 1, false};  // stray continuation byte, C0/C1 (always overlong) or F5-FF
  }

  for (std::size_t i = 1; i <= continuation; ++i) {
    if (pos + i >= text.size()) return {0, i, false};
    const unsigned char b = byte_at(pos + i);
    const unsigned char min = i == 1 ? second_min : static_cast<unsigned char>(0x80);
    const unsigned char max = i == 1 ? second_max : static_cast<unsigned char>(0xBF);
    if (b < min || b > max) return {0, i, false};
    code_point = (code_point << 6) | (b & 0x3Fu);
  }
  return {code_point, continuation + 1, true};
}

}  // namespace lt
