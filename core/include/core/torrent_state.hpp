#pragma once
// The lifecycle states a torrent shows to users. Values are stored in the client database, so
// they are append-only: never renumber or reuse one.

#include <cstdint>
#include <string_view>

namespace lt {

enum class TorrentState : std::uint8_t {
  checking = 0,           // hashing existing data before transferring
  downloading = 1,        // wants pieces
  seeding = 2,            // has every wanted piece, uploads
  paused = 3,             // connections kept in the books, no transfer
  stopped = 4,            // disconnected, announced stopped
  error = 5,              // see the torrent's error message
  queued = 6,             // waiting for an active slot
  fetching_metadata = 7,  // magnet without its info dictionary yet
  missing_files = 8,      // data that was there is gone
};

// Lowercase word for logs, JSON and the GUI ("downloading").
[[nodiscard]] constexpr std::string_view to_string(TorrentState s) noexcept {
  switch (s) {
    case TorrentState::checking:
      return "checking";
    case TorrentState::downloading:
      return "downloading";
    case TorrentState::seeding:
      return "seeding";
    case TorrentState::paused:
      return "paused";
    case TorrentState::stopped:
      return "stopped";
    case TorrentState::error:
      return "error";
    case TorrentState::queued:
      return "queued";
    case TorrentState::fetching_metadata:
      return "fetching metadata";
    case TorrentState::missing_files:
      return "missing files";
  }
  return "unknown";
}

}  // namespace lt
