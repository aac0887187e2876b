// libFuzzer target: whatever path elements a torrent carries, sanitize_path must return only
// safe elements (lt::test::element_violation: non-empty, valid UTF-8, no separators, control,
// bidi or zero-width characters, no Windows-forbidden characters, no trailing dot or space, not
// "." or "..", not a Windows device name, at most 255 bytes; and unchanged by a second pass), and
// make_paths_unique must leave no two files on one path and no file on another file's directory.
// Input: elements separated by '\n'.

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
#include "support/path_invariants.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view subject) {
  std::fprintf(stderr, "path sanitize invariant broken: %s\nsubject (%zu bytes): ", what,
               subject.size());
  for (const char c : subject)
    std::fprintf(stderr, "%02x", static_cast<unsigned char>(c));
  std::fprintf(stderr, "\n");
  std::abort();
}

void check_element(std::string_view e) {
  if (const std::string why = lt::test::element_violation(e); !why.empty()) fail(why.c_str(), e);
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
