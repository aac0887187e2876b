#pragma once
// Builds .torrent bytes from a file list and piece hashes (the pure half of `create`; reading
// and hashing the files happens at the I/O edge, net/torrent_creator).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha1.hpp"

namespace lt {

struct TorrentOptions {
  std::vector<std::vector<std::string>> trackers;  // tiers; the first URL becomes `announce`
  std::vector<std::string> web_seeds;              // BEP 19 url-list
  std::string comment;
  std::string created_by;                     // e.g. "Like-Torrent/0.1.0"
  std::optional<std::int64_t> creation_date;  // seconds since the Unix epoch
  bool is_private = false;                    // BEP 27
};

struct BuildFile {
  std::vector<std::string> path;  // elements below the root folder (multi-file torrents)
  std::int64_t size = 0;
  bool executable = false;
};

struct BuiltTorrent {
  std::string bytes;  // the complete .torrent
  InfoHash info_hash;
};

// Piece length for a torrent of this size when the user gives none: the smallest power of two
// from 16 KiB to 16 MiB that keeps the piece count at or under ~2,000 (about what qBittorrent
// and Transmission aim for: a small .torrent and fine-grained progress).
[[nodiscard]] std::int64_t auto_piece_length(std::int64_t total_size) noexcept;

// True for the piece lengths `create` accepts: powers of two from 16 KiB to 64 MiB.
[[nodiscard]] bool is_valid_create_piece_length(std::int64_t piece_length) noexcept;

// Encodes the torrent. `multi_file` selects the `files` layout (used for folders and several
// paths even when they hold one file). piece_hashes holds 20 bytes per piece.
[[nodiscard]] BuiltTorrent build_torrent(std::string_view name, bool multi_file,
                                         const std::vector<BuildFile>& files,
                                         std::int64_t piece_length, std::string_view piece_hashes,
                                         const TorrentOptions& options);

}  // namespace lt
