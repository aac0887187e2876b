#pragma once
// The tracker's database (DESIGN.md section 6): swarms with their registration, optional
// metainfo for the index page and completed counter, and the live peers with the time they were
// last seen, so a restarted tracker answers with the same counters and peers until they expire.
//
// Writes come in batches (one transaction per save()), so the tracker's hot path only records
// what changed and a timer flushes it.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/sha1.hpp"

namespace SQLite {
class Database;
}

namespace lt::store {

struct StoredSwarm {
  InfoHash info_hash;
  std::string name;             // "" when unknown
  std::string metainfo;         // the registered .torrent, "" when none
  std::int64_t downloaded = 0;  // BEP 48 completed counter
  bool registered = false;      // allowed in allow-list mode, listed with metainfo
  friend bool operator==(const StoredSwarm&, const StoredSwarm&) = default;
};

struct StoredPeer {
  InfoHash info_hash;
  std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes when !v6
  bool v6 = false;
  std::uint16_t port = 0;
  std::array<std::uint8_t, 20> peer_id{};
  bool seeder = false;
  // Its event=completed is already in the swarm's counter (so a restart does not count it
  // again). Sticky: a later save without it keeps it set.
  bool completed = false;
  std::int64_t last_seen = 0;  // Unix seconds
  friend bool operator==(const StoredPeer&, const StoredPeer&) = default;
};

// Identifies a stored peer for removal.
struct StoredPeerKey {
  InfoHash info_hash;
  std::array<std::uint8_t, 16> address{};
  bool v6 = false;
  std::uint16_t port = 0;
};

class TrackerStore {
 public:
  // Opens or creates the database; a corrupt file is moved aside (see moved_aside()).
  // Throws DatabaseError when the file cannot be used at all.
  explicit TrackerStore(const std::filesystem::path& path);
  ~TrackerStore();
  TrackerStore(const TrackerStore&) = delete;
  TrackerStore& operator=(const TrackerStore&) = delete;

  [[nodiscard]] std::vector<StoredSwarm> load_swarms();
  [[nodiscard]] std::vector<StoredPeer> load_peers();

  // One transaction: upserts swarms and peers, removes peers, drops peers last seen before
  // `expired_before` (0 = none).
  void save(std::span<const StoredSwarm> swarms, std::span<const StoredPeer> peers,
            std::span<const StoredPeerKey> removed_peers, std::int64_t expired_before = 0);

  // Set when the database file was corrupt and was renamed to this path at open.
  [[nodiscard]] const std::optional<std::filesystem::path>& moved_aside() const noexcept {
    return moved_aside_;
  }

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::optional<std::filesystem::path> moved_aside_;
};

}  // namespace lt::store
