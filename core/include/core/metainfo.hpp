#pragma once
// Metainfo (.torrent) parsing: BEP 3 single and multi-file torrents, BEP 12 announce-list,
// BEP 27 private, BEP 19 url-list, BEP 17 httpseeds, BEP 47 pad files and attributes.
//
// Every field is validated; anything that would make a later stage misbehave is refused here
// with a typed error and a one-line reason. File paths are made safe (see path_sanitize.hpp):
// a parsed torrent never names a path outside its save directory.
//
// BitTorrent v2: v2-only torrents are refused with MetainfoErrc::v2_not_supported. Hybrid
// torrents load as v1 after checking that their v2 file tree describes the same files, aligned
// to piece boundaries as BEP 52 requires (otherwise the two halves would disagree on the data).

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/file_layout.hpp"
#include "core/sha1.hpp"
#include "core/units.hpp"

namespace lt {

enum class MetainfoErrc : std::uint8_t {
  not_bencode,               // the bytes are not valid bencode
  not_a_dictionary,          // top level is not a dictionary
  missing_info,              // no info dictionary
  invalid_piece_length,      // missing, non-positive, out of bounds or not block-aligned
  missing_name,              // no usable name / file path
  invalid_name,              // a path or name of the wrong type
  invalid_length,            // negative, wrong type, or no data at all
  missing_pieces,            // no `pieces` string
  invalid_hashes,            // `pieces` not a multiple of 20 or not matching the size
  too_many_pieces,           // beyond ParseLimits::max_pieces
  no_files,                  // empty file list
  too_many_files,            // beyond ParseLimits::max_files
  too_many_duplicate_names,  // hostile duplicate file names
  v2_not_supported,          // BEP 52 v2-only torrent
  inconsistent_files,        // hybrid torrent whose v1 and v2 parts disagree
  too_large,                 // the .torrent itself is beyond ParseLimits::max_torrent_bytes
};

class MetainfoError : public std::runtime_error {
 public:
  MetainfoError(MetainfoErrc code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  [[nodiscard]] MetainfoErrc code() const noexcept { return code_; }

 private:
  MetainfoErrc code_;
};

// Caps that bound what a hostile .torrent can make us allocate or compute.
struct ParseLimits {
  std::size_t max_torrent_bytes = std::size_t{64} << 20;
  std::size_t max_files = 500'000;
  std::int64_t max_pieces = std::int64_t{4} << 20;  // 80 MiB of hashes
  std::size_t max_renamed_files = 100;              // duplicate names resolved before giving up
};

// The largest piece length accepted: libtorrent's maximum (32767 blocks of 16 KiB).
inline constexpr std::int64_t kMaxPieceLength = 32767LL * kBlockSize;

struct FileEntry {
  std::string path;  // safe, '/'-separated, relative to the torrent's root folder
  std::int64_t size = 0;
  bool pad = false;  // BEP 47 pad file (attr 'p' or the legacy BitComet name)
  bool executable = false;
  bool hidden = false;
  std::string symlink_target;  // BEP 47 symlink (attr 'l'): safe, relative to the root
  friend bool operator==(const FileEntry&, const FileEntry&) = default;
};

struct Metainfo {
  InfoHash info_hash;
  std::string name;         // safe name: the root folder (multi-file) or the file (single)
  bool multi_file = false;  // `files` list (even with one entry) rather than `length`
  std::int64_t piece_length = 0;
  std::string piece_hashes;  // 20 raw bytes per piece
  std::vector<FileEntry> files;
  std::int64_t total_size = 0;
  bool is_private = false;
  bool hybrid_v2 = false;  // also carries BEP 52 v2 data (ignored beyond validation)
  std::vector<std::vector<std::string>> trackers;  // tiers; announce-list, else [[announce]]
  std::vector<std::string> web_seeds;              // BEP 19 url-list, normalised
  std::vector<std::string> http_seeds;             // BEP 17 httpseeds
  std::vector<std::pair<std::string, int>> dht_nodes;
  std::string comment;
  std::string created_by;
  std::string encoding;
  std::optional<std::int64_t> creation_date;  // seconds since the Unix epoch
  std::string info_bytes;                     // the original info dictionary (for BEP 9)
  std::vector<std::string> warnings;          // tolerated oddities (unsorted keys, renames)
  std::size_t renamed_files = 0;              // duplicate paths given a new name

  [[nodiscard]] std::int32_t num_pieces() const noexcept {
    return static_cast<std::int32_t>(piece_hashes.size() / 20);
  }
  [[nodiscard]] Sha1Digest piece_hash(PieceIndex p) const;
  [[nodiscard]] FileLayout layout() const;
};

// Parses .torrent bytes. Throws MetainfoError.
[[nodiscard]] Metainfo parse_metainfo(std::string_view torrent, const ParseLimits& limits = {});

// Message for a code, for logs and tests ("missing or invalid piece length", ...).
[[nodiscard]] std::string_view to_string(MetainfoErrc code) noexcept;

}  // namespace lt
