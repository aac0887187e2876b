// libFuzzer target: whatever path elements a torrent carries, sanitize_path must return only
// safe elements (non-empty, valid UTF-8, no separators, control, bidi or zero-width characters,
// no Windows-forbidden characters, no trailing dot or space, not "." or "..", at most 255 bytes,
// unchanged by a second pass), and make_paths_unique must leave no two files on one path and no
// file on another file's directory. Input: elements separated by '\n'.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/path_sanitize.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view subject) {
  std::fprintf(stderr, "path sanitize invariant broken: %s\nsubject (%zu bytes): ", what,
               subject.size());
  for (const char c : subject)
    std::fprintf(stderr, "%02x", static_cast<unsigned char>(c));
  std::fprintf(stderr, "\n");
  std::abort();
}

// Strict UTF-8 decoding (Unicode Table 3-7); returns false on any ill-formed sequence and
// collects the code points otherwise. Written apart from the library's decoder on purpose.
bool decode(std::string_view s, std::vector<std::uint32_t>& out) {
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
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += n + 1;
  }
  return true;
}

bool is_device_name(std::string_view name) {
  std::string base(name.substr(0, name.find('.')));
  while (!base.empty() && base.back() == ' ')
    base.pop_back();
  for (char& c : base) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (base == "CON" || base == "PRN" || base == "AUX" || base == "NUL") return true;
  return base.size() == 4 && (base.starts_with("COM") || base.starts_with("LPT")) &&
         base[3] >= '0' && base[3] <= '9';
}

void check_element(std::string_view e) {
  if (e.empty()) fail("empty element", e);
  if (e == "." || e == "..") fail("dot element", e);
  if (e.size() > lt::kMaxPathElementBytes) fail("element too long", e);
  if (e.back() == '.' || e.back() == ' ') fail("trailing dot or space", e);
  if (is_device_name(e)) fail("Windows device name", e);
  std::vector<std::uint32_t> cps;
  if (!decode(e, cps)) fail("invalid UTF-8", e);
  for (const std::uint32_t cp : cps) {
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) fail("control character", e);
    if (cp < 0x80 &&
        std::string_view("/\\<>:\"|?*").find(static_cast<char>(cp)) != std::string_view::npos) {
      fail("separator or Windows-forbidden character", e);
    }
    if (cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
        cp == 0x2060 || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF) {
      fail("bidi or zero-width character", e);
    }
  }
  if (lt::sanitize_path_element(e) != e) fail("second pass changes the element", e);
}

std::string join(const std::vector<std::string>& elements, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) out.push_back('/');
    out += elements[i];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> elements;
  for (std::size_t start = 0;;) {
    const std::size_t end = input.find('\n', start);
    elements.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }

  const std::vector<std::string> out = lt::sanitize_path(elements);
  for (const std::string& e : out)
    check_element(e);
  for (const std::string_view e : elements) {
    const std::string single = lt::sanitize_path_element(e);
    if (!single.empty()) check_element(single);
  }
  if (out.empty()) return 0;

  // Paths that clash in every way: each prefix of the result (a file on another's directory),
  // each element on its own and the whole path twice (duplicates, including of ".N" names).
  std::vector<std::string> paths;
  for (std::size_t n = 1; n <= out.size(); ++n)
    paths.push_back(join(out, n));
  for (const std::string& e : out)
    paths.push_back(e);
  paths.push_back(join(out, out.size()));

  try {
    (void)lt::make_paths_unique(paths, paths.size());
  } catch (const std::length_error&) {
    return 0;  // refusing pathological input is allowed
  }
  std::unordered_set<std::string_view> files;
  std::unordered_set<std::string_view> directories;
  for (const std::string& p : paths) {
    if (!files.insert(p).second) fail("duplicate path after make_paths_unique", p);
    const std::string_view view = p;
    std::size_t start = 0;
    for (std::size_t slash = view.find('/'); slash != std::string_view::npos;
         slash = view.find('/', start)) {
      directories.insert(view.substr(0, slash));
      check_element(view.substr(start, slash - start));
      start = slash + 1;
    }
    check_element(view.substr(start));
  }
  for (const std::string_view d : directories) {
    if (files.count(d) != 0) fail("file on another file's directory", d);
  }
  return 0;
}
