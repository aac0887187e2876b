#include "core/path_sanitize.hpp"

#include "core/utf8.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace lt {
namespace {

constexpr char kReplacement = '_';

// An extension longer than this is more likely part of the name ("notes.from_the_meeting") than
// a type; keeping it whole while cutting or renaming would leave too little of the stem.
constexpr std::size_t kMaxKeptExtensionBytes = 10;

// Separators (only reachable through sanitize_path_element called directly) and the characters
// Windows refuses in file names.
bool is_forbidden_ascii(char32_t cp) noexcept {
  switch (cp) {
    case '/':
    case '\\':
    case '<':
    case '>':
    case ':':
    case '"':
    case '|':
    case '?':
    case '*':
      return true;
    default:
      return false;
  }
}

// Bidi controls and zero-width characters: invisible, and able to make a name display as
// something else, so they are removed rather than replaced.
bool is_invisible_format(char32_t cp) noexcept {
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
         cp == 0x2060 || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

bool is_trailing_junk(char c) noexcept {
  return c == '.' || c == ' ';
}

void strip_trailing_dots_and_spaces(std::string& name) {
  while (!name.empty() && is_trailing_junk(name.back()))
    name.pop_back();
}

bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// Length of the device word if the name is a Windows device name (whatever follows the first
// '.', and spaces before it, do not matter to Windows), else 0.
std::size_t device_name_length(std::string_view name) noexcept {
  std::string_view base = name.substr(0, name.find('.'));
  while (!base.empty() && base.back() == ' ')
    base.remove_suffix(1);

  static constexpr std::array<std::string_view, 6> kDevices = {"CON", "PRN",    "AUX",
                                                               "NUL", "CONIN$", "CONOUT$"};
  for (const std::string_view device : kDevices) {
    if (ascii_iequals(base, device)) return base.size();
  }
  if (base.size() < 4) return 0;
  const std::string_view prefix = base.substr(0, 3);
  if (!ascii_iequals(prefix, "COM") && !ascii_iequals(prefix, "LPT")) return 0;
  const std::string_view number = base.substr(3);
  if (number.size() == 1 && number[0] >= '0' && number[0] <= '9') return base.size();
  // Windows also maps the Latin-1 superscripts one, two and three to the same ports.
  if (number == "\xC2\xB9" || number == "\xC2\xB2" || number == "\xC2\xB3") return base.size();
  return 0;
}

// Where the kept extension (including its dot) starts, or name.size() if there is none worth
// keeping. A leading dot marks a hidden file, not an extension.
std::size_t extension_start(std::string_view name) noexcept {
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return name.size();
  if (name.size() - dot - 1 > kMaxKeptExtensionBytes) return name.size();
  return dot;
}

// Largest length <= max that does not end inside a UTF-8 sequence.
std::size_t cut_at_boundary(std::string_view text, std::size_t max) noexcept {
  if (text.size() <= max) return text.size();
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u) {
    --cut;  // step back over continuation bytes to the start of the character
  }
  return cut;
}

// Cuts a name (valid UTF-8 by now) to kMaxPathElementBytes, keeping a short extension.
void limit_length(std::string& name) {
  if (name.size() <= kMaxPathElementBytes) return;
  const std::size_t ext = extension_start(name);
  const std::size_t ext_size = name.size() - ext;
  // ext_size <= 11 and name.size() > 255, so the cut lands in the stem, before the extension.
  const std::size_t keep = cut_at_boundary(name, kMaxPathElementBytes - ext_size);
  name.erase(keep, name.size() - ext_size - keep);
  strip_trailing_dots_and_spaces(name);
}

// Maps the characters of one element: rules 2-5 of the header.
std::string map_characters(std::string_view element) {
  std::string out;
  out.reserve(element.size());
  std::size_t pos = 0;
  while (pos < element.size()) {
    const Utf8Char d = decode_utf8(element, pos);
    if (!d.valid || is_control(d.code_point) || is_forbidden_ascii(d.code_point)) {
      out.push_back(kReplacement);
    } else if (!is_invisible_format(d.code_point)) {
      out.append(element.substr(pos, d.length));
    }
    pos += d.length;
  }
  return out;
}

// --- make_paths_unique ----------------------------------------------------------------------

// One node per distinct (directory, element) pair, so a path costs one hash per element however
// deep it is, instead of one hash per prefix (quadratic in the depth).
struct TrieNode {
  bool is_directory = false;       // some file lies below it
  bool taken = false;              // a file has been given this path
  std::size_t original_files = 0;  // input entries with exactly this path
  std::size_t next_suffix = 1;     // next ".N" to try when renaming this path
};

struct TrieKey {
  std::size_t parent = 0;
  std::string_view name;
  bool operator==(const TrieKey&) const = default;
};

struct TrieKeyHash {
  std::size_t operator()(const TrieKey& key) const noexcept {
    const std::size_t h = std::hash<std::string_view>{}(key.name);
    return h ^ (key.parent + 0x9e3779b9u + (h << 6) + (h >> 2));
  }
};

class PathTrie {
 public:
  static constexpr std::size_t kRoot = 0;

  PathTrie() : nodes_(1) {}

  // The child called name, created if missing. name must outlive the trie.
  std::size_t child(std::size_t parent, std::string_view name) {
    const auto [it, inserted] = index_.try_emplace(TrieKey{parent, name}, nodes_.size());
    if (inserted) nodes_.emplace_back();
    return it->second;
  }

  [[nodiscard]] std::optional<std::size_t> find(std::size_t parent, std::string_view name) const {
    const auto it = index_.find(TrieKey{parent, name});
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  TrieNode& operator[](std::size_t id) { return nodes_[id]; }
  [[nodiscard]] const std::vector<TrieNode>& nodes() const noexcept { return nodes_; }

 private:
  std::unordered_map<TrieKey, std::size_t, TrieKeyHash> index_;
  std::vector<TrieNode> nodes_;
};

struct Entry {
  std::size_t node = 0;        // the file's own node
  std::size_t parent = 0;      // its directory's node
  std::size_t name_start = 0;  // offset of the last element in the path
};

// "b.txt" with n = 2 -> "b.2.txt", cut so the element still fits.
std::string numbered_name(std::string_view name, std::size_t n) {
  const std::size_t ext = extension_start(name);
  const std::string suffix = "." + std::to_string(n);
  const std::size_t room = kMaxPathElementBytes - suffix.size() - (name.size() - ext);
  const std::string_view stem = name.substr(0, ext);
  std::string out(stem.substr(0, cut_at_boundary(stem, room)));
  out += suffix;
  out += name.substr(ext);
  // Cutting the stem could leave trailing spaces before the suffix or form a device name.
  return sanitize_path_element(out);
}

[[noreturn]] void too_many_duplicates() {
  throw std::length_error("too many duplicate file names");
}

}  // namespace

std::string sanitize_path_element(std::string_view element) {
  std::string out = map_characters(element);
  strip_trailing_dots_and_spaces(out);
  limit_length(out);
  if (out.empty()) return out;
  if (const std::size_t device = device_name_length(out); device != 0) {
    out.insert(device, 1, kReplacement);
    limit_length(out);  // the device word sits at the front, so the cut cannot remove the '_'
  }
  return out;
}

std::vector<std::string> sanitize_path(std::span<const std::string_view> elements) {
  std::vector<std::string> out;
  for (const std::string_view element : elements) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t end = element.find_first_of("/\\", start);
      const std::string_view piece =
          element.substr(start, end == std::string_view::npos ? end : end - start);
      std::string safe = sanitize_path_element(piece);
      if (!safe.empty()) out.push_back(std::move(safe));
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
  }
  return out;
}

std::size_t make_paths_unique(std::vector<std::string>& paths, std::size_t max_renames) {
  PathTrie trie;
  std::vector<Entry> entries;
  entries.reserve(paths.size());
  for (const std::string& path : paths) {
    const std::string_view p = path;
    std::size_t node = PathTrie::kRoot;
    std::size_t start = 0;
    for (;;) {
      const std::size_t slash = p.find('/', start);
      if (slash == std::string_view::npos) {
        const std::size_t file = trie.child(node, p.substr(start));
        ++trie[file].original_files;
        entries.push_back({file, node, start});
        break;
      }
      node = trie.child(node, p.substr(start, slash - start));
      trie[node].is_directory = true;
      start = slash + 1;
    }
  }

  // Count first, so a hostile torrent is refused before any probing and paths stay untouched.
  std::size_t needed = 0;
  for (const TrieNode& node : trie.nodes()) {
    if (node.original_files == 0) continue;
    needed += node.is_directory ? node.original_files : node.original_files - 1;
  }
  if (needed > max_renames) too_many_duplicates();

  // Each rejected candidate is a distinct existing node for its name, so honest input stays far
  // below this; it only bounds inputs crafted so that cut names coincide.
  std::size_t probes_left = 2 * (trie.nodes().size() + max_renames) + 64;
  std::deque<std::string> generated;  // owns the names of new trie nodes (stable addresses)
  std::vector<std::pair<std::size_t, std::string>> renames;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& entry = entries[i];
    if (!trie[entry.node].is_directory && !trie[entry.node].taken) {
      trie[entry.node].taken = true;
      continue;
    }
    const std::string_view path = paths[i];
    const std::string_view name = path.substr(entry.name_start);
    for (;;) {
      if (probes_left-- == 0) too_many_duplicates();
      std::string candidate = numbered_name(name, trie[entry.node].next_suffix++);
      if (candidate.empty()) continue;
      if (const auto existing = trie.find(entry.parent, candidate)) {
        const TrieNode& node = trie[*existing];
        if (node.is_directory || node.taken || node.original_files != 0) continue;
        trie[*existing].taken = true;
      } else {
        generated.push_back(candidate);
        trie[trie.child(entry.parent, generated.back())].taken = true;
      }
      renames.emplace_back(i, std::string(path.substr(0, entry.name_start)) + candidate);
      break;
    }
  }

  // Only now, since the trie's keys view the original strings.
  for (auto& [index, renamed] : renames) {
    paths[index] = std::move(renamed);
  }
  return renames.size();
}

}  // namespace lt
