#pragma once
// Reading .torrent files (size-capped) and writing files atomically (temp file + rename), so an
// interrupted or failed `create` never leaves a partial file behind.

#include <filesystem>
#include <string>
#include <string_view>

#include "cli_error.hpp"
#include "core/metainfo.hpp"

namespace lt::app {

// Reads and parses a .torrent file; throws UsageError (exit 2) for a missing, unreadable,
// oversized or invalid file.
[[nodiscard]] Metainfo load_torrent_file(const std::filesystem::path& path);

struct LoadedTorrent {
  Metainfo meta;
  std::string bytes;  // the file as read (what the engine and the database keep)
};
// The same, keeping the file's bytes.
[[nodiscard]] LoadedTorrent load_torrent_file_with_bytes(const std::filesystem::path& path);

// Writes `data` to `path` through a temporary file in the same folder and a rename.
// Throws RuntimeError (exit 1) on failure, after removing the temporary file.
void write_file_atomically(const std::filesystem::path& path, std::string_view data);

}  // namespace lt::app
