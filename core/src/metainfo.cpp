#include "core/metainfo.hpp"

#include <algorithm>
#include <limits>
#include <span>
#include <stdexcept>
#include <unordered_set>

#include "core/bencode.hpp"
#include "core/path_sanitize.hpp"

namespace lt {
namespace {

using bencode::Node;

[[noreturn]] void fail(MetainfoErrc code, const std::string& detail = {}) {
  std::string message(to_string(code));
  if (!detail.empty()) message += ": " + detail;
  throw MetainfoError(code, message);
}

bool is_power_of_two(std::int64_t v) {
  return v > 0 && (v & (v - 1)) == 0;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

// A string field, preferring the BEP 3 ".utf-8" variant that some creators add.
const Node* find_text(const Node& dict, std::string_view key) {
  if (const Node* utf8 = dict.find_string(std::string(key) + ".utf-8")) return utf8;
  return dict.find_string(key);
}

// `path` (or `path.utf-8`) as string elements. Throws invalid_name on a wrong type.
std::vector<std::string_view> path_elements(const Node& list, std::string_view what) {
  std::vector<std::string_view> out;
  out.reserve(list.as_list().size());
  for (const Node& element : list.as_list()) {
    if (!element.is_string())
      fail(MetainfoErrc::invalid_name, std::string(what) + " is not a list of strings");
    out.push_back(element.as_string());
  }
  return out;
}

std::string join_path(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& e : elements) {
    if (!out.empty()) out.push_back('/');
    out += e;
  }
  return out;
}

bool is_legacy_pad_name(std::string_view last_element) {
  return last_element.starts_with("_____padding_file_");
}

// Raw (unsanitised) description of one file, kept for the hybrid consistency check.
struct RawFile {
  std::vector<std::string_view> elements;
  std::int64_t size = 0;
  bool pad = false;
};

FileEntry parse_file_entry(const Node& entry, RawFile& raw) {
  if (!entry.is_dict()) fail(MetainfoErrc::invalid_length, "a file entry is not a dictionary");
  FileEntry file;
  std::string_view attr;
  if (const Node* a = entry.find_string("attr")) attr = a->as_string();
  file.pad = attr.find('p') != std::string_view::npos;
  file.executable = attr.find('x') != std::string_view::npos;
  file.hidden = attr.find('h') != std::string_view::npos;
  const bool symlink = attr.find('l') != std::string_view::npos;

  const Node* length = entry.find("length");
  if (length == nullptr && symlink) {
    file.size = 0;
  } else if (length == nullptr || !length->is_int()) {
    fail(MetainfoErrc::invalid_length, "a file has no integer length");
  } else if (length->as_int() < 0) {
    fail(MetainfoErrc::invalid_length, "a file has a negative length");
  } else {
    file.size = length->as_int();
  }

  const Node* path = entry.find_list("path.utf-8");
  if (path == nullptr) path = entry.find("path");
  if (path == nullptr) {
    if (!file.pad) fail(MetainfoErrc::missing_name, "a file has no path");
    // BEP 47 pad files may omit their path; give them the conventional synthetic one.
    file.path = ".pad/" + std::to_string(file.size);
  } else {
    if (!path->is_list()) fail(MetainfoErrc::invalid_name, "a file path is not a list");
    raw.elements = path_elements(*path, "a file path");
    if (!raw.elements.empty() && is_legacy_pad_name(raw.elements.back())) file.pad = true;
    file.path = join_path(sanitize_path(raw.elements));
    if (file.path.empty()) file.path = "_";
  }
  if (symlink) {
    const Node* target = entry.find("symlink path");
    if (target == nullptr || !target->is_list()) {
      fail(MetainfoErrc::invalid_name, "a symlink has no target list");
    }
    file.symlink_target = join_path(sanitize_path(path_elements(*target, "a symlink target")));
    if (file.symlink_target.empty()) file.symlink_target = "_";
    file.size = 0;  // links carry no payload bytes
  }
  raw.size = file.size;
  raw.pad = file.pad;
  return file;
}

// Walks a BEP 52 file tree in key order, collecting (path, length) of each file node.
void walk_file_tree(const Node& node, std::vector<std::string_view>& prefix,
                    std::vector<RawFile>& out, std::size_t max_files) {
  if (!node.is_dict())
    fail(MetainfoErrc::inconsistent_files, "v2 file tree entry is not a dictionary");
  for (const bencode::DictEntry& e : node.as_dict()) {
    if (e.key.empty()) {
      if (!e.value.is_dict())
        fail(MetainfoErrc::inconsistent_files, "v2 file node is not a dictionary");
      const Node* length = e.value.find_int("length");
      if (length == nullptr || length->as_int() < 0) {
        fail(MetainfoErrc::inconsistent_files, "v2 file node without a valid length");
      }
      if (out.size() >= max_files) fail(MetainfoErrc::too_many_files);
      out.push_back({prefix, length->as_int(), false});
      continue;
    }
    prefix.push_back(e.key);
    walk_file_tree(e.value, prefix, out, max_files);
    prefix.pop_back();
  }
}

// A hybrid's v1 file list (without pad files) must equal its v2 file tree, and every
// non-empty file must start on a piece boundary.
void check_hybrid(const Node& info, const std::vector<RawFile>& v1_files, std::int64_t piece_length,
                  const ParseLimits& limits) {
  const Node* tree = info.find("file tree");
  if (tree == nullptr) return;
  std::vector<RawFile> v2_files;
  std::vector<std::string_view> prefix;
  walk_file_tree(*tree, prefix, v2_files, limits.max_files);

  std::vector<const RawFile*> real;
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < v1_files.size(); ++i) {
    const RawFile& f = v1_files[i];
    if (!f.pad) {
      real.push_back(&f);
      if (f.size > 0 && offset % piece_length != 0) {
        fail(MetainfoErrc::inconsistent_files,
             "hybrid torrent file not aligned to a piece boundary");
      }
    }
    offset += f.size;
  }
  if (real.size() != v2_files.size()) {
    fail(MetainfoErrc::inconsistent_files, "v1 and v2 file lists differ in length");
  }
  for (std::size_t i = 0; i < real.size(); ++i) {
    if (real[i]->elements != v2_files[i].elements || real[i]->size != v2_files[i].size) {
      fail(MetainfoErrc::inconsistent_files, "v1 and v2 describe different files");
    }
  }
}

std::vector<std::vector<std::string>> parse_trackers(const Node& root) {
  std::vector<std::vector<std::string>> tiers;
  std::unordered_set<std::string> seen;
  if (const Node* list = root.find_list("announce-list")) {
    for (const Node& tier : list->as_list()) {
      if (!tier.is_list()) continue;
      std::vector<std::string> urls;
      for (const Node& url : tier.as_list()) {
        if (!url.is_string()) continue;
        std::string u(trim(url.as_string()));
        if (!u.empty() && seen.insert(u).second) urls.push_back(std::move(u));
      }
      if (!urls.empty()) tiers.push_back(std::move(urls));
    }
  }
  if (tiers.empty()) {
    if (const Node* announce = root.find_string("announce")) {
      std::string u(trim(announce->as_string()));
      if (!u.empty()) tiers.push_back({std::move(u)});
    }
  }
  return tiers;
}

// Web seed URLs are used as given except for characters that cannot appear in a URL.
std::string escape_url(std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> parse_web_seeds(const Node& root, bool multi_file) {
  std::vector<std::string> seeds;
  const Node* list = root.find("url-list");
  if (list == nullptr) return seeds;
  std::vector<std::string_view> urls;
  if (list->is_string()) urls.push_back(list->as_string());
  if (list->is_list()) {
    for (const Node& url : list->as_list()) {
      if (url.is_string()) urls.push_back(url.as_string());
    }
  }
  for (const std::string_view url : urls) {
    std::string u = escape_url(trim(url));
    if (u.empty()) continue;
    // BEP 19: for multi-file torrents the URL names a folder; the file path is appended.
    if (multi_file && u.back() != '/') u.push_back('/');
    if (std::find(seeds.begin(), seeds.end(), u) == seeds.end()) seeds.push_back(std::move(u));
  }
  return seeds;
}

std::vector<std::string> parse_string_list(const Node& root, std::string_view key) {
  std::vector<std::string> out;
  if (const Node* list = root.find_list(key)) {
    for (const Node& item : list->as_list()) {
      if (item.is_string() && !trim(item.as_string()).empty())
        out.emplace_back(trim(item.as_string()));
    }
  }
  return out;
}

std::vector<std::pair<std::string, int>> parse_nodes(const Node& root) {
  std::vector<std::pair<std::string, int>> out;
  if (const Node* list = root.find_list("nodes")) {
    for (const Node& item : list->as_list()) {
      if (!item.is_list() || item.as_list().size() != 2) continue;
      const Node& host = item.as_list()[0];
      const Node& port = item.as_list()[1];
      if (host.is_string() && port.is_int() && port.as_int() > 0 && port.as_int() < 65536) {
        out.emplace_back(std::string(host.as_string()), static_cast<int>(port.as_int()));
      }
    }
  }
  return out;
}

}  // namespace

std::string_view to_string(MetainfoErrc code) noexcept {
  switch (code) {
    case MetainfoErrc::not_bencode:
      return "not a valid torrent file";
    case MetainfoErrc::not_a_dictionary:
      return "torrent file is not a bencoded dictionary";
    case MetainfoErrc::missing_info:
      return "missing or invalid info dictionary";
    case MetainfoErrc::invalid_piece_length:
      return "missing or invalid piece length";
    case MetainfoErrc::missing_name:
      return "missing name";
    case MetainfoErrc::invalid_name:
      return "invalid name";
    case MetainfoErrc::invalid_length:
      return "invalid file length";
    case MetainfoErrc::missing_pieces:
      return "missing or invalid piece hashes";
    case MetainfoErrc::invalid_hashes:
      return "piece hashes do not match the content";
    case MetainfoErrc::too_many_pieces:
      return "too many pieces";
    case MetainfoErrc::no_files:
      return "torrent has no files";
    case MetainfoErrc::too_many_files:
      return "too many files";
    case MetainfoErrc::too_many_duplicate_names:
      return "too many duplicate file names";
    case MetainfoErrc::v2_not_supported:
      return "BitTorrent v2-only torrents are not supported";
    case MetainfoErrc::inconsistent_files:
      return "inconsistent hybrid torrent";
    case MetainfoErrc::too_large:
      return "torrent file too large";
  }
  return "invalid torrent";
}

Sha1Digest Metainfo::piece_hash(PieceIndex p) const {
  if (p.get() < 0 || p.get() >= num_pieces()) throw std::out_of_range("piece index out of range");
  return *Sha1Digest::from_bytes(
      std::string_view(piece_hashes).substr(static_cast<std::size_t>(p.get()) * 20, 20));
}

FileLayout Metainfo::layout() const {
  std::vector<std::int64_t> sizes;
  sizes.reserve(files.size());
  for (const FileEntry& f : files)
    sizes.push_back(f.size);
  return {std::move(sizes), piece_length};
}

Metainfo parse_metainfo(std::string_view torrent, const ParseLimits& limits) {
  if (torrent.size() > limits.max_torrent_bytes) {
    fail(MetainfoErrc::too_large, std::to_string(torrent.size()) + " bytes, the limit is " +
                                      std::to_string(limits.max_torrent_bytes));
  }
  bencode::Document doc;
  try {
    // Some creators end the file with a newline; tolerate trailing whitespace (with a warning)
    // but nothing else after the dictionary.
    std::size_t consumed = 0;
    doc = bencode::decode_prefix(torrent, consumed);
    const std::string_view rest = torrent.substr(consumed);
    if (!trim(rest).empty()) {
      throw bencode::DecodeError(
          consumed, std::to_string(rest.size()) + " bytes of trailing data after the dictionary");
    }
    if (!rest.empty())
      doc.warnings.push_back({consumed, "trailing whitespace after the dictionary"});
  } catch (const bencode::DecodeError& e) {
    fail(MetainfoErrc::not_bencode, e.what());
  }
  const Node& root = doc.root;
  if (!root.is_dict()) fail(MetainfoErrc::not_a_dictionary);
  const Node* info = root.find_dict("info");
  if (info == nullptr) fail(MetainfoErrc::missing_info);

  Metainfo m;
  m.info_hash = Sha1::digest(info->raw());
  m.info_bytes = std::string(info->raw());
  for (const bencode::Warning& w : doc.warnings) {
    m.warnings.push_back("byte " + std::to_string(w.offset) + ": " + w.message);
  }

  const Node* pieces = info->find("pieces");
  const Node* meta_version = info->find_int("meta version");
  if (pieces == nullptr && meta_version != nullptr && meta_version->as_int() == 2) {
    fail(MetainfoErrc::v2_not_supported);
  }
  m.hybrid_v2 = meta_version != nullptr && meta_version->as_int() == 2;

  const Node* piece_length = info->find_int("piece length");
  if (piece_length == nullptr || piece_length->as_int() <= 0)
    fail(MetainfoErrc::invalid_piece_length);
  m.piece_length = piece_length->as_int();
  // Real v1 torrents use powers of two; libtorrent also accepts block multiples (up to its
  // maximum), which some creators produce. Anything else cannot be split into 16 KiB blocks.
  if (m.piece_length > kMaxPieceLength ||
      (!is_power_of_two(m.piece_length) && m.piece_length % kBlockSize != 0)) {
    fail(MetainfoErrc::invalid_piece_length, std::to_string(m.piece_length) + " bytes");
  }

  const Node* name = find_text(*info, "name");
  if (name == nullptr) fail(MetainfoErrc::missing_name);

  // Files, single or multi.
  std::vector<RawFile> raw_files;
  if (const Node* files = info->find("files")) {
    if (!files->is_list()) fail(MetainfoErrc::no_files, "`files` is not a list");
    m.multi_file = true;
    const auto& list = files->as_list();
    if (list.empty()) fail(MetainfoErrc::no_files);
    if (list.size() > limits.max_files) {
      fail(MetainfoErrc::too_many_files, std::to_string(list.size()) + " files, the limit is " +
                                             std::to_string(limits.max_files));
    }
    m.files.reserve(list.size());
    raw_files.reserve(list.size());
    for (const Node& entry : list) {
      RawFile raw;
      m.files.push_back(parse_file_entry(entry, raw));
      raw_files.push_back(std::move(raw));
    }
  } else {
    const Node* length = info->find("length");
    if (length == nullptr || !length->is_int() || length->as_int() < 0) {
      fail(MetainfoErrc::invalid_length, "no valid `length` or `files`");
    }
    FileEntry file;
    file.size = length->as_int();
    m.files.push_back(std::move(file));
    raw_files.push_back({{name->as_string()}, length->as_int(), false});
  }

  for (const FileEntry& f : m.files) {
    if (f.size > std::numeric_limits<std::int64_t>::max() - m.total_size) {
      fail(MetainfoErrc::invalid_length, "total size overflows");
    }
    m.total_size += f.size;
  }
  if (m.total_size == 0) fail(MetainfoErrc::invalid_length, "the torrent holds no data");

  if (m.hybrid_v2) check_hybrid(*info, raw_files, m.piece_length, limits);

  // Piece count first, so a hostile size is refused before anything is sized by it.
  const std::int64_t expected_pieces = (m.total_size - 1) / m.piece_length + 1;
  if (expected_pieces > limits.max_pieces) {
    fail(MetainfoErrc::too_many_pieces, std::to_string(expected_pieces) + " pieces, the limit is " +
                                            std::to_string(limits.max_pieces));
  }
  if (pieces == nullptr || !pieces->is_string()) fail(MetainfoErrc::missing_pieces);
  const std::string_view hashes = pieces->as_string();
  if (hashes.size() % 20 != 0) {
    fail(MetainfoErrc::invalid_hashes,
         "`pieces` is " + std::to_string(hashes.size()) + " bytes, not a multiple of 20");
  }
  if (static_cast<std::int64_t>(hashes.size() / 20) != expected_pieces) {
    fail(MetainfoErrc::invalid_hashes, std::to_string(hashes.size() / 20) +
                                           " hashes for content that needs " +
                                           std::to_string(expected_pieces));
  }
  m.piece_hashes = std::string(hashes);

  // Names and paths.
  const std::string_view raw_name = name->as_string();
  const std::vector<std::string_view> name_elements{raw_name};
  m.name = join_path(sanitize_path(name_elements));
  // The name is one folder or file: join what splitting made of it with '_', then sanitise the
  // joined element again so it obeys the element rules too (255 bytes, trailing dots, devices).
  std::replace(m.name.begin(), m.name.end(), '/', '_');
  m.name = sanitize_path_element(m.name);
  if (m.name.empty()) m.name = m.info_hash.hex();
  if (!m.multi_file) {
    m.files.front().path = m.name;
  } else {
    // Pad files are never written to disk, and creators reuse one path for all pads of a size
    // (libtorrent: ".pad/N"), so only real files take part in de-duplication.
    std::vector<std::string> paths;
    std::vector<std::size_t> real_files;
    paths.reserve(m.files.size());
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      if (m.files[i].pad) continue;
      paths.push_back(m.files[i].path);
      real_files.push_back(i);
    }
    try {
      m.renamed_files = make_paths_unique(paths, limits.max_renamed_files);
    } catch (const std::length_error&) {
      fail(MetainfoErrc::too_many_duplicate_names);
    }
    for (std::size_t k = 0; k < paths.size(); ++k) {
      FileEntry& f = m.files[real_files[k]];
      if (paths[k] != f.path) {
        m.warnings.push_back("file \"" + f.path + "\" renamed to \"" + paths[k] + "\"");
        f.path = std::move(paths[k]);
      }
    }
  }

  const Node* is_private = info->find_int("private");
  m.is_private = is_private != nullptr && is_private->as_int() == 1;
  m.trackers = parse_trackers(root);
  m.web_seeds = parse_web_seeds(root, m.multi_file);
  m.http_seeds = parse_string_list(root, "httpseeds");
  m.dht_nodes = parse_nodes(root);
  if (const Node* c = find_text(root, "comment")) m.comment = c->as_string();
  if (const Node* c = find_text(root, "created by")) m.created_by = c->as_string();
  if (const Node* e = root.find_string("encoding")) m.encoding = e->as_string();
  if (const Node* d = root.find_int("creation date")) m.creation_date = d->as_int();
  return m;
}

}  // namespace lt
