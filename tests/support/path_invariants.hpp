#pragma once
// Test oracle: is a sanitised torrent path safe? One copy for the unit tests and the fuzzers.
//
// It checks every rule of core/include/core/path_sanitize.hpp's header comment that can be
// checked on an output element alone (rules 2-9) and, for '/'-joined relative paths, that the
// path is neither empty nor absolute and that each element passes.
//
// Written apart from the code under test on purpose: it must not call core/path_sanitize or
// core/utf8, because a bug shared by the implementation and its oracle would hide itself. For
// the same reason the 255-byte limit is spelled out here rather than taken from
// lt::kMaxPathElementBytes (path_sanitize_test.cpp asserts that the two agree).
//
// Each check returns "" when the subject is safe, else a short reason for the failure message.
// Properties that need the implementation (e.g. "sanitize_path_element() leaves it unchanged")
// are the caller's business.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lt::test {

// Longest allowed element in bytes (path_sanitize.hpp rule 9).
inline constexpr std::size_t kMaxElementBytes = 255;

// Strict UTF-8 decoding (Unicode Table 3-7): the code points, or nothing on any ill-formed
// sequence (overlong forms, surrogates, values above U+10FFFF, truncated sequences, stray
// continuation bytes, bytes 0xF8-0xFF).
inline std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view s) {
  std::vector<std::uint32_t> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      n = 1, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 2, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 3, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return std::nullopt;  // stray continuation byte or 0xF8-0xFF
    }
    if (i + n >= s.size()) return std::nullopt;  // truncated
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += n + 1;
  }
  return out;
}

inline bool is_valid_utf8(std::string_view s) {
  return decode_utf8(s).has_value();
}

// Rule 3: Unicode category Cc.
inline bool is_control(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

// Rule 4: characters Windows forbids in names.
inline bool is_windows_forbidden(std::uint32_t cp) {
  return cp < 0x80 &&
         std::string_view("<>:\"|?*").find(static_cast<char>(cp)) != std::string_view::npos;
}

// Rule 5: bidi controls and zero-width characters.
inline bool is_bidi_or_zero_width(std::uint32_t cp) {
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         cp == 0x2060 || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

// Rule 8: CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-COM9, LPT0-LPT9 and COM/LPT followed by a
// superscript one, two or three, case-insensitive, as the part before the first '.' with
// trailing spaces ignored.
inline bool is_device_name(std::string_view name) {
  std::string base(name.substr(0, name.find('.')));
  while (!base.empty() && base.back() == ' ')
    base.pop_back();
  for (char& c : base) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  for (const std::string_view device : {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}) {
    if (base == device) return true;
  }
  if (!base.starts_with("COM") && !base.starts_with("LPT")) return false;
  const std::string_view number = std::string_view(base).substr(3);
  if (number.size() == 1 && number[0] >= '0' && number[0] <= '9') return true;
  return number == "\xC2\xB9" || number == "\xC2\xB2" || number == "\xC2\xB3";  // ¹ ² ³
}

inline std::string code_point_name(std::uint32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

// "" if one output path element obeys every rule that can be checked on it alone, else why not.
inline std::string element_violation(std::string_view element) {
  if (element.empty()) return "empty element";
  if (element == "." || element == "..") return "dot element";
  if (element.size() > kMaxElementBytes) {
    return "element too long (" + std::to_string(element.size()) + " bytes)";
  }
  const std::optional<std::vector<std::uint32_t>> code_points = decode_utf8(element);
  if (!code_points) return "invalid UTF-8";
  for (const std::uint32_t cp : *code_points) {
    if (cp == '/' || cp == '\\') return "separator " + code_point_name(cp);
    if (is_control(cp)) return "control character " + code_point_name(cp);
    if (is_windows_forbidden(cp)) return "Windows-forbidden character " + code_point_name(cp);
    if (is_bidi_or_zero_width(cp)) return "bidi or zero-width character " + code_point_name(cp);
  }
  if (element.back() == '.' || element.back() == ' ') return "trailing dot or space";
  if (is_device_name(element)) return "Windows device name";
  return "";
}

// "" if a '/'-joined relative path (a FileEntry::path, a make_paths_unique() result) is safe:
// not empty, not absolute, and every element passes element_violation().
inline std::string path_violation(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.front() == '/') return "absolute path";
  std::size_t index = 0;
  for (std::size_t start = 0;; ++index) {
    const std::size_t slash = path.find('/', start);
    const std::string_view element =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (std::string why = element_violation(element); !why.empty()) {
      return "element " + std::to_string(index) + ": " + why;
    }
    if (slash == std::string_view::npos) return "";
    start = slash + 1;
  }
}

}  // namespace lt::test
