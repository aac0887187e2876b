#pragma once
// The client's database (DESIGN.md section 6): torrents with their state and totals, each
// torrent's have-bitfield with the file sizes and mtimes it was recorded against, file
// priorities, the peers met per torrent, and settings. Owned by the network thread; not
// thread-safe.
//
// Crash safety rests on save_pieces(): the caller flushes the pieces' file data first, then
// records the bitfield together with the files' size and mtime in one transaction. On start, a
// torrent whose files still have those sizes and mtimes resumes without a recheck.
//
// Every write method is one transaction. in_transaction() groups several into one commit (the
// engine's periodic batch); inside it each method stays atomic on its own.
//
// Pieces, files and peers belong to a stored torrent: writing them for an unknown info-hash
// throws std::runtime_error (a foreign key failure), and remove_torrent() removes them too.
//
// Failures of the database itself (disk full, I/O error) throw std::runtime_error (an
// SQLite::Exception) and leave the database as it was before the failing transaction.
//
// Loading never crashes on odd rows: a row that cannot identify its torrent is skipped, other
// oddities are loaded with a safe value and described in the loaded value's `issue`.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/piece_picker.hpp"
#include "core/sha1.hpp"
#include "core/torrent_state.hpp"
#include "core/units.hpp"

namespace SQLite {
class Database;
}

namespace lt::store {

// save_peers() keeps at most this many peers per torrent, the most recently seen ones.
inline constexpr std::size_t kMaxPeersPerTorrent = 500;

struct StoredTorrent {
  InfoHash info_hash;
  std::string name;
  std::string metainfo;  // the .torrent file's bytes
  std::string save_path;
  TorrentState state = TorrentState::stopped;
  int queue_position = 0;
  std::int64_t added_at = 0;      // Unix seconds
  std::int64_t completed_at = 0;  // Unix seconds, 0 = never
  std::int64_t uploaded = 0;      // bytes, all sessions
  std::int64_t downloaded = 0;    // bytes, all sessions
  std::string last_error;
  bool sequential = false;
  std::int64_t upload_limit = 0;     // bytes per second, 0 = none
  std::int64_t download_limit = 0;   // bytes per second, 0 = none
  std::int64_t active_seconds = 0;   // time running (downloading or seeding), all sessions
  std::int64_t seeding_seconds = 0;  // of that, seeding
  // Set only by torrents(): why the row was not loaded exactly as stored (an unknown state,
  // loaded as stopped; no metainfo). Empty for a sound row. Ignored when writing.
  std::string issue;
  friend bool operator==(const StoredTorrent&, const StoredTorrent&) = default;
};

// One file of a torrent. size and mtime_ns are the file as last seen on disk when the pieces
// were recorded; -1 = not recorded yet (never matches a real file, so it is rechecked).
struct StoredFile {
  FileIndex index;
  Priority priority = Priority::normal;
  std::int64_t size = -1;
  std::int64_t mtime_ns = -1;
  friend bool operator==(const StoredFile&, const StoredFile&) = default;
};

struct StoredPieces {
  std::vector<std::uint8_t> have;  // bitfield bytes in wire order (Bitfield::bytes())
  std::int32_t num_pieces = 0;
  std::vector<StoredFile> files;  // ordered by index
  // Set when `have` does not fit num_pieces (wrong length, a spare bit set, num_pieces < 0):
  // such a bitfield must not be believed, the torrent is rechecked. Empty when sound.
  std::string issue;
  friend bool operator==(const StoredPieces&, const StoredPieces&) = default;
};

// A peer met in a torrent's swarm. Counters are totals over all sessions: the engine loads a
// torrent's peers when it starts it and continues their counts.
struct StoredTorrentPeer {
  std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes when !v6, rest zero
  bool v6 = false;
  std::uint16_t port = 0;  // 0 is not a peer: such entries are not saved
  std::optional<std::array<std::uint8_t, 20>> peer_id;  // unknown until a handshake
  std::string client;                                   // "" when unknown
  std::int64_t first_seen = 0;                          // Unix seconds
  std::int64_t last_seen = 0;                           // Unix seconds
  std::int64_t bytes_from = 0;                          // downloaded from it
  std::int64_t bytes_to = 0;                            // uploaded to it
  std::int32_t hash_failures = 0;                       // failed pieces it contributed to
  bool banned = false;
  friend bool operator==(const StoredTorrentPeer&, const StoredTorrentPeer&) = default;
};

class ClientStore {
 public:
  // Opens or creates the database at `path` (":memory:" allowed) and migrates it. A corrupt or
  // unreadable file is moved aside (see moved_aside()) and a fresh database started. Throws
  // DatabaseError when the file cannot be used at all, e.g. written by a newer version.
  explicit ClientStore(const std::filesystem::path& path);
  ~ClientStore();
  ClientStore(const ClientStore&) = delete;
  ClientStore& operator=(const ClientStore&) = delete;

  // --- Torrents.

  // Inserts or replaces the torrent's row. Its pieces, files and peers are kept.
  void upsert_torrent(const StoredTorrent& torrent);
  // The periodic save: rewrites every column but metainfo and added_at (so a large .torrent is
  // not copied again every few seconds). False when the torrent is not stored.
  bool update_torrent(const StoredTorrent& torrent);
  // Removes the torrent with its pieces, files and peers.
  void remove_torrent(const InfoHash& info_hash);
  // Every stored torrent, ordered by queue_position, then added_at. See StoredTorrent::issue.
  [[nodiscard]] std::vector<StoredTorrent> torrents() const;
  // One stored torrent; nullopt when it is not stored (or its row cannot identify it).
  [[nodiscard]] std::optional<StoredTorrent> torrent(const InfoHash& info_hash) const;

  // --- Pieces and files.

  // The crash-safety commit: records the have-bitfield and the given files' rows (priority,
  // size, mtime) in one transaction. Call only after the pieces' file data is flushed.
  // Throws std::invalid_argument when have_bytes does not fit num_pieces (nothing written),
  // and std::runtime_error when the torrent is not stored.
  void save_pieces(const InfoHash& info_hash, std::span<const std::uint8_t> have_bytes,
                   std::int32_t num_pieces, std::span<const StoredFile> files);
  // The recorded bitfield with the torrent's files; nullopt when none was recorded.
  [[nodiscard]] std::optional<StoredPieces> pieces(const InfoHash& info_hash) const;
  // The torrent's stored files, ordered by index (also those with only a priority set).
  // A priority outside Priority's range loads as normal.
  [[nodiscard]] std::vector<StoredFile> files(const InfoHash& info_hash) const;
  // Sets one file's priority, keeping its recorded size and mtime.
  void set_file_priority(const InfoHash& info_hash, FileIndex file, Priority priority);
  // Sets every file's priority: priorities[i] is file i's.
  void set_file_priorities(const InfoHash& info_hash, std::span<const Priority> priorities);

  // --- Peers.

  // Inserts or updates the torrent's peers, then drops the least recently seen beyond
  // kMaxPeersPerTorrent. An existing row keeps its first_seen, and its peer_id and client when
  // the new entry has none; first_seen 0 on a new row means last_seen.
  void save_peers(const InfoHash& info_hash, std::span<const StoredTorrentPeer> peers);
  // At most `limit` peers of the torrent, most recently seen first; banned ones only when
  // asked. Malformed rows are skipped.
  [[nodiscard]] std::vector<StoredTorrentPeer> peers(const InfoHash& info_hash, std::size_t limit,
                                                     bool include_banned = false) const;

  // --- Settings: text values under text keys; the caller owns their meaning.

  void set_setting(std::string_view key, std::string_view value);
  [[nodiscard]] std::optional<std::string> setting(std::string_view key) const;

  // --- Batching.

  // Runs `body` inside one transaction: committed when it returns, rolled back (and the
  // exception rethrown) when it or the commit throws. Calls nest (savepoints), so a write
  // method that throws inside `body` has undone only itself; `body` may catch and go on.
  template <class F>
  void in_transaction(F&& body) {
    begin_savepoint();
    try {
      std::forward<F>(body)();
      release_savepoint();
    } catch (...) {
      rollback_savepoint();
      throw;
    }
  }

  // --- Opening.

  // Set when the database file was corrupt and was renamed to this path at open.
  [[nodiscard]] const std::optional<std::filesystem::path>& moved_aside() const noexcept {
    return moved_aside_;
  }
  // Why it was moved aside (SQLite's message); empty when it was not.
  [[nodiscard]] const std::string& moved_aside_reason() const noexcept {
    return moved_aside_reason_;
  }

  // Reads what torrents can still be read from a moved-aside (corrupt) database file, for
  // re-adding them: stops at the first unreadable row; never throws. Rows with no metainfo are
  // left out, as they cannot be re-added.
  [[nodiscard]] static std::vector<StoredTorrent> salvage_torrents(
      const std::filesystem::path& corrupt_file) noexcept;

 private:
  void begin_savepoint();
  void release_savepoint();
  void rollback_savepoint() noexcept;
  // Sets the priorities of files first, first + 1, ...
  void set_file_priorities_from(const InfoHash& info_hash, FileIndex first,
                                std::span<const Priority> priorities);

  std::unique_ptr<SQLite::Database> db_;
  std::optional<std::filesystem::path> moved_aside_;
  std::string moved_aside_reason_;
  int savepoint_depth_ = 0;
};

}  // namespace lt::store
