#include "store/client_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "store/sqlite_database.hpp"

namespace lt::store {
namespace {

// Append-only: released steps never change. Enum columns (torrents.state = lt::TorrentState,
// files.priority = lt::Priority) hold the enums' integer values, which are append-only too;
// they carry no CHECK so that a value written by a newer version loads here (flagged) instead
// of failing. torrents is a rowid table because its metainfo blobs can be large.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE torrents ("
     "  info_hash BLOB PRIMARY KEY CHECK (length(info_hash) = 20),"
     "  name TEXT NOT NULL DEFAULT '',"
     "  metainfo BLOB,"
     "  save_path TEXT NOT NULL DEFAULT '',"
     "  state INTEGER NOT NULL,"
     "  queue_position INTEGER NOT NULL DEFAULT 0,"
     "  added_at INTEGER NOT NULL DEFAULT 0,"
     "  completed_at INTEGER,"
     "  uploaded INTEGER NOT NULL DEFAULT 0,"
     "  downloaded INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT NOT NULL DEFAULT '',"
     "  sequential INTEGER NOT NULL DEFAULT 0,"
     "  upload_limit INTEGER NOT NULL DEFAULT 0,"
     "  download_limit INTEGER NOT NULL DEFAULT 0"
     ");"
     "CREATE TABLE pieces ("
     "  info_hash BLOB PRIMARY KEY REFERENCES torrents (info_hash) ON DELETE CASCADE,"
     "  have BLOB NOT NULL,"
     "  num_pieces INTEGER NOT NULL"
     ");"
     "CREATE TABLE files ("
     "  info_hash BLOB NOT NULL REFERENCES torrents (info_hash) ON DELETE CASCADE,"
     "  file_index INTEGER NOT NULL CHECK (file_index >= 0),"
     "  priority INTEGER NOT NULL,"
     "  size INTEGER NOT NULL DEFAULT -1,"
     "  mtime_ns INTEGER NOT NULL DEFAULT -1,"
     "  PRIMARY KEY (info_hash, file_index)"
     ") WITHOUT ROWID;"
     "CREATE TABLE peers ("
     "  info_hash BLOB NOT NULL REFERENCES torrents (info_hash) ON DELETE CASCADE,"
     "  address BLOB NOT NULL CHECK (length(address) = 16),"
     "  v6 INTEGER NOT NULL CHECK (v6 IN (0, 1)),"
     "  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
     "  peer_id BLOB CHECK (peer_id IS NULL OR length(peer_id) = 20),"
     "  client TEXT NOT NULL DEFAULT '',"
     "  first_seen INTEGER NOT NULL,"
     "  last_seen INTEGER NOT NULL,"
     "  bytes_from INTEGER NOT NULL DEFAULT 0,"
     "  bytes_to INTEGER NOT NULL DEFAULT 0,"
     "  hash_failures INTEGER NOT NULL DEFAULT 0,"
     "  banned INTEGER NOT NULL DEFAULT 0,"
     "  PRIMARY KEY (info_hash, address, v6, port)"
     ") WITHOUT ROWID;"
     "CREATE INDEX peers_by_last_seen ON peers (info_hash, last_seen);"
     "CREATE TABLE settings ("
     "  key TEXT PRIMARY KEY,"
     "  value TEXT NOT NULL"
     ") WITHOUT ROWID;"},
    // Time spent running and seeding (qBittorrent's "time active" / "seeding time"), for the
    // torrent's details and for seeding-time goals.
    {2,
     "ALTER TABLE torrents ADD COLUMN active_seconds INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE torrents ADD COLUMN seeding_seconds INTEGER NOT NULL DEFAULT 0;"},
};

// The columns of schema version 1, which every later version has: salvaging reads only these,
// so it works on a damaged file of any version.
#define LT_TORRENT_COLUMNS_V1                                                             \
  "info_hash, name, metainfo, save_path, state, queue_position, added_at, completed_at, " \
  "uploaded, downloaded, last_error, sequential, upload_limit, download_limit"
constexpr const char* kTorrentColumnsV1 = LT_TORRENT_COLUMNS_V1;
constexpr const char* kTorrentColumns = LT_TORRENT_COLUMNS_V1 ", active_seconds, seeding_seconds";
#undef LT_TORRENT_COLUMNS_V1

// sqlite3_bind_blob stores NULL for a null pointer; an empty span may have one.
void bind_blob(SQLite::Statement& s, int index, const void* data, std::size_t size) {
  static constexpr std::uint8_t kEmpty = 0;
  s.bind(index, size == 0 ? &kEmpty : data, static_cast<int>(size));
}

void bind_hash(SQLite::Statement& s, int index, const InfoHash& h) {
  bind_blob(s, index, h.bytes.data(), h.bytes.size());
}

// Reads a blob column; NULL reads as empty.
std::string blob_string(const SQLite::Column& c) {
  const void* data = c.getBlob();  // before getBytes(), as SQLite asks
  const auto size = static_cast<std::size_t>(c.getBytes());
  if (data == nullptr || size == 0) return {};
  return {static_cast<const char*>(data), size};
}

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> blob_array(const SQLite::Column& c) {
  const std::string bytes = blob_string(c);
  if (bytes.size() != N) return std::nullopt;
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// Every value of TorrentState: -Wswitch flags this when one is appended.
std::optional<TorrentState> known_state(std::int64_t value) {
  if (value < 0 || value > std::numeric_limits<std::uint8_t>::max()) return std::nullopt;
  const auto state = static_cast<TorrentState>(value);
  switch (state) {
    case TorrentState::checking:
    case TorrentState::downloading:
    case TorrentState::seeding:
    case TorrentState::paused:
    case TorrentState::stopped:
    case TorrentState::error:
    case TorrentState::queued:
    case TorrentState::fetching_metadata:
    case TorrentState::missing_files:
      return state;
  }
  return std::nullopt;
}

// Priority levels are every value from skip to high (see Priority).
Priority loaded_priority(std::int64_t value) {
  if (value < static_cast<int>(Priority::skip) || value > static_cast<int>(Priority::high)) {
    return Priority::normal;
  }
  return static_cast<Priority>(value);
}

// Why `have` is not a bitfield of num_pieces pieces; empty when it is (Bitfield's rule).
std::string bitfield_problem(std::span<const std::uint8_t> have, std::int64_t num_pieces) {
  if (num_pieces < 0) return "negative piece count " + std::to_string(num_pieces);
  const auto expected = static_cast<std::size_t>((num_pieces + 7) / 8);
  if (have.size() != expected) {
    return "bitfield of " + std::to_string(have.size()) + " bytes for " +
           std::to_string(num_pieces) + " pieces (needs " + std::to_string(expected) + ")";
  }
  const int spare = static_cast<int>(expected * 8 - static_cast<std::size_t>(num_pieces));
  if (spare > 0 && (have.back() & ((1u << spare) - 1u)) != 0) {
    return "bitfield has spare bits set";
  }
  return {};
}

void append_issue(std::string& issues, const std::string& issue) {
  if (!issues.empty()) issues += "; ";
  issues += issue;
}

// Reads a row selected with kTorrentColumns; nullopt when its info-hash is not 20 bytes.
std::optional<StoredTorrent> read_torrent(const SQLite::Statement& q) {
  const auto hash = blob_array<20>(q.getColumn(0));
  if (!hash) return std::nullopt;
  StoredTorrent t;
  t.info_hash.bytes = *hash;
  t.name = q.getColumn(1).getString();
  t.metainfo = blob_string(q.getColumn(2));
  t.save_path = q.getColumn(3).getString();
  const SQLite::Column state = q.getColumn(4);
  const auto known = state.isInteger() ? known_state(state.getInt64()) : std::nullopt;
  if (known) {
    t.state = *known;
  } else {
    // Unknown to this version (a newer one may have appended states): stopped is the state
    // from which the user can start it again.
    t.state = TorrentState::stopped;
    append_issue(t.issue, "unknown state " + state.getString() + ", loaded as stopped");
  }
  t.queue_position = q.getColumn(5).getInt();
  t.added_at = q.getColumn(6).getInt64();
  t.completed_at = q.getColumn(7).isNull() ? 0 : q.getColumn(7).getInt64();
  t.uploaded = q.getColumn(8).getInt64();
  t.downloaded = q.getColumn(9).getInt64();
  t.last_error = q.getColumn(10).getString();
  t.sequential = q.getColumn(11).getInt() != 0;
  t.upload_limit = q.getColumn(12).getInt64();
  t.download_limit = q.getColumn(13).getInt64();
  if (q.getColumnCount() > 15) {
    t.active_seconds = q.getColumn(14).getInt64();
    t.seeding_seconds = q.getColumn(15).getInt64();
  }
  if (t.metainfo.empty()) append_issue(t.issue, "no metainfo stored");
  return t;
}

// Binds ?1..?16 in kTorrentColumns order.
void bind_torrent(SQLite::Statement& s, const StoredTorrent& t) {
  bind_hash(s, 1, t.info_hash);
  s.bind(2, t.name);
  if (t.metainfo.empty()) {
    s.bind(3);
  } else {
    bind_blob(s, 3, t.metainfo.data(), t.metainfo.size());
  }
  s.bind(4, t.save_path);
  s.bind(5, static_cast<int>(t.state));
  s.bind(6, t.queue_position);
  s.bind(7, t.added_at);
  if (t.completed_at == 0) {
    s.bind(8);
  } else {
    s.bind(8, t.completed_at);
  }
  s.bind(9, t.uploaded);
  s.bind(10, t.downloaded);
  s.bind(11, t.last_error);
  s.bind(12, t.sequential ? 1 : 0);
  s.bind(13, t.upload_limit);
  s.bind(14, t.download_limit);
  s.bind(15, t.active_seconds);
  s.bind(16, t.seeding_seconds);
}

std::vector<StoredFile> read_files(SQLite::Database& db, const InfoHash& info_hash) {
  std::vector<StoredFile> out;
  SQLite::Statement q(db,
                      "SELECT file_index, priority, size, mtime_ns FROM files "
                      "WHERE info_hash = ?1 ORDER BY file_index");
  bind_hash(q, 1, info_hash);
  while (q.executeStep()) {
    const std::int64_t index = q.getColumn(0).getInt64();
    if (index < 0 || index > std::numeric_limits<std::int32_t>::max()) continue;
    StoredFile f;
    f.index = FileIndex(static_cast<std::int32_t>(index));
    f.priority = loaded_priority(q.getColumn(1).getInt64());
    f.size = q.getColumn(2).getInt64();
    f.mtime_ns = q.getColumn(3).getInt64();
    out.push_back(f);
  }
  return out;
}

}  // namespace

ClientStore::ClientStore(const std::filesystem::path& path) {
  OpenedDatabase opened = open_database(path, kMigrations);
  db_ = std::move(opened.db);
  moved_aside_ = std::move(opened.moved_aside);
  moved_aside_reason_ = std::move(opened.moved_aside_reason);
}

ClientStore::~ClientStore() = default;

// One savepoint name at every depth: ROLLBACK TO / RELEASE act on the innermost one. The
// outermost savepoint begins and commits the transaction.
void ClientStore::begin_savepoint() {
  db_->exec("SAVEPOINT lt_batch");
  ++savepoint_depth_;
}

void ClientStore::release_savepoint() {
  db_->exec("RELEASE lt_batch");
  --savepoint_depth_;
}

void ClientStore::rollback_savepoint() noexcept {
  // Errors are ignored: after some failures (disk full, I/O error) SQLite has already rolled
  // back the whole transaction and the savepoint is gone.
  db_->tryExec("ROLLBACK TO lt_batch");
  db_->tryExec("RELEASE lt_batch");
  --savepoint_depth_;
  if (savepoint_depth_ == 0 && sqlite3_get_autocommit(db_->getHandle()) == 0) {
    db_->tryExec("ROLLBACK");
  }
}

void ClientStore::upsert_torrent(const StoredTorrent& torrent) {
  in_transaction([&] {
    SQLite::Statement upsert(
        *db_,
        std::string("INSERT INTO torrents (") + kTorrentColumns +
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
            "ON CONFLICT (info_hash) DO UPDATE SET name = excluded.name, "
            "metainfo = excluded.metainfo, save_path = excluded.save_path, "
            "state = excluded.state, queue_position = excluded.queue_position, "
            "added_at = excluded.added_at, completed_at = excluded.completed_at, "
            "uploaded = excluded.uploaded, downloaded = excluded.downloaded, "
            "last_error = excluded.last_error, sequential = excluded.sequential, "
            "upload_limit = excluded.upload_limit, download_limit = excluded.download_limit, "
            "active_seconds = excluded.active_seconds, "
            "seeding_seconds = excluded.seeding_seconds");
    bind_torrent(upsert, torrent);
    upsert.exec();
  });
}

bool ClientStore::update_torrent(const StoredTorrent& torrent) {
  int changed = 0;
  in_transaction([&] {
    // ?3 (metainfo) and ?7 (added_at) are bound but unused.
    SQLite::Statement update(
        *db_,
        "UPDATE torrents SET name = ?2, save_path = ?4, state = ?5, queue_position = ?6, "
        "completed_at = ?8, uploaded = ?9, downloaded = ?10, last_error = ?11, "
        "sequential = ?12, upload_limit = ?13, download_limit = ?14, active_seconds = ?15, "
        "seeding_seconds = ?16 WHERE info_hash = ?1");
    bind_torrent(update, torrent);
    changed = update.exec();
  });
  return changed > 0;
}

void ClientStore::remove_torrent(const InfoHash& info_hash) {
  in_transaction([&] {
    SQLite::Statement remove(*db_, "DELETE FROM torrents WHERE info_hash = ?1");
    bind_hash(remove, 1, info_hash);
    remove.exec();
  });
}

std::vector<StoredTorrent> ClientStore::torrents() const {
  std::vector<StoredTorrent> out;
  SQLite::Statement q(*db_, std::string("SELECT ") + kTorrentColumns +
                                " FROM torrents ORDER BY queue_position, added_at, info_hash");
  while (q.executeStep()) {
    if (auto t = read_torrent(q)) out.push_back(std::move(*t));
  }
  return out;
}

std::optional<StoredTorrent> ClientStore::torrent(const InfoHash& info_hash) const {
  SQLite::Statement q(
      *db_, std::string("SELECT ") + kTorrentColumns + " FROM torrents WHERE info_hash = ?1");
  bind_hash(q, 1, info_hash);
  if (!q.executeStep()) return std::nullopt;
  return read_torrent(q);
}

void ClientStore::save_pieces(const InfoHash& info_hash, std::span<const std::uint8_t> have_bytes,
                              std::int32_t num_pieces, std::span<const StoredFile> files) {
  if (const std::string problem = bitfield_problem(have_bytes, num_pieces); !problem.empty()) {
    throw std::invalid_argument("save_pieces: " + problem);
  }
  for (const StoredFile& f : files) {
    if (f.index.get() < 0) throw std::invalid_argument("save_pieces: negative file index");
  }
  in_transaction([&] {
    SQLite::Statement pieces(*db_,
                             "INSERT INTO pieces (info_hash, have, num_pieces) VALUES (?1, ?2, ?3) "
                             "ON CONFLICT (info_hash) DO UPDATE SET have = excluded.have, "
                             "num_pieces = excluded.num_pieces");
    bind_hash(pieces, 1, info_hash);
    bind_blob(pieces, 2, have_bytes.data(), have_bytes.size());
    pieces.bind(3, num_pieces);
    pieces.exec();
    if (files.empty()) return;
    SQLite::Statement upsert(
        *db_,
        "INSERT INTO files (info_hash, file_index, priority, size, mtime_ns) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (info_hash, file_index) DO UPDATE SET "
        "priority = excluded.priority, size = excluded.size, mtime_ns = excluded.mtime_ns");
    bind_hash(upsert, 1, info_hash);
    for (const StoredFile& f : files) {
      upsert.bind(2, f.index.get());
      upsert.bind(3, static_cast<int>(f.priority));
      upsert.bind(4, f.size);
      upsert.bind(5, f.mtime_ns);
      upsert.exec();
      upsert.reset();
    }
  });
}

std::optional<StoredPieces> ClientStore::pieces(const InfoHash& info_hash) const {
  SQLite::Statement q(*db_, "SELECT have, num_pieces FROM pieces WHERE info_hash = ?1");
  bind_hash(q, 1, info_hash);
  if (!q.executeStep()) return std::nullopt;
  StoredPieces out;
  const std::string have = blob_string(q.getColumn(0));
  out.have.assign(have.begin(), have.end());
  const std::int64_t num_pieces = q.getColumn(1).getInt64();
  if (num_pieces > std::numeric_limits<std::int32_t>::max()) {
    out.num_pieces = 0;
    out.issue = "piece count " + std::to_string(num_pieces) + " out of range";
  } else {
    out.num_pieces = static_cast<std::int32_t>(num_pieces);
    out.issue = bitfield_problem(out.have, num_pieces);
  }
  out.files = read_files(*db_, info_hash);
  return out;
}

std::vector<StoredFile> ClientStore::files(const InfoHash& info_hash) const {
  return read_files(*db_, info_hash);
}

void ClientStore::set_file_priority(const InfoHash& info_hash, FileIndex file, Priority priority) {
  set_file_priorities_from(info_hash, file, std::span<const Priority>(&priority, 1));
}

void ClientStore::set_file_priorities(const InfoHash& info_hash,
                                      std::span<const Priority> priorities) {
  set_file_priorities_from(info_hash, FileIndex(0), priorities);
}

void ClientStore::set_file_priorities_from(const InfoHash& info_hash, FileIndex first,
                                           std::span<const Priority> priorities) {
  if (first.get() < 0) throw std::invalid_argument("set_file_priority: negative file index");
  in_transaction([&] {
    SQLite::Statement upsert(*db_,
                             "INSERT INTO files (info_hash, file_index, priority) "
                             "VALUES (?1, ?2, ?3) ON CONFLICT (info_hash, file_index) "
                             "DO UPDATE SET priority = excluded.priority");
    bind_hash(upsert, 1, info_hash);
    std::int64_t index = first.get();
    for (const Priority p : priorities) {
      upsert.bind(2, index++);
      upsert.bind(3, static_cast<int>(p));
      upsert.exec();
      upsert.reset();
    }
  });
}

void ClientStore::save_peers(const InfoHash& info_hash, std::span<const StoredTorrentPeer> peers) {
  in_transaction([&] {
    SQLite::Statement upsert(
        *db_,
        "INSERT INTO peers (info_hash, address, v6, port, peer_id, client, first_seen, "
        "last_seen, bytes_from, bytes_to, hash_failures, banned) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?7 = 0 THEN ?8 ELSE ?7 END, ?8, ?9, ?10, ?11, "
        "?12) ON CONFLICT (info_hash, address, v6, port) DO UPDATE SET "
        "peer_id = coalesce(excluded.peer_id, peer_id), "
        "client = CASE WHEN excluded.client = '' THEN client ELSE excluded.client END, "
        "last_seen = excluded.last_seen, bytes_from = excluded.bytes_from, "
        "bytes_to = excluded.bytes_to, hash_failures = excluded.hash_failures, "
        "banned = excluded.banned");
    bind_hash(upsert, 1, info_hash);
    for (const StoredTorrentPeer& p : peers) {
      if (p.port == 0) continue;
      // One key per endpoint: an IPv4 address's unused bytes are stored as zero.
      std::array<std::uint8_t, 16> address = p.address;
      if (!p.v6) std::fill(address.begin() + 4, address.end(), std::uint8_t{0});
      bind_blob(upsert, 2, address.data(), address.size());
      upsert.bind(3, p.v6 ? 1 : 0);
      upsert.bind(4, static_cast<int>(p.port));
      if (p.peer_id) {
        bind_blob(upsert, 5, p.peer_id->data(), p.peer_id->size());
      } else {
        upsert.bind(5);
      }
      upsert.bind(6, p.client);
      upsert.bind(7, p.first_seen);
      upsert.bind(8, p.last_seen);
      upsert.bind(9, p.bytes_from);
      upsert.bind(10, p.bytes_to);
      upsert.bind(11, p.hash_failures);
      upsert.bind(12, p.banned ? 1 : 0);
      upsert.exec();
      upsert.reset();
    }
    SQLite::Statement cap(*db_,
                          "DELETE FROM peers WHERE info_hash = ?1 AND (address, v6, port) NOT IN ("
                          "  SELECT address, v6, port FROM peers WHERE info_hash = ?1"
                          "  ORDER BY last_seen DESC, address, v6, port LIMIT ?2)");
    bind_hash(cap, 1, info_hash);
    cap.bind(2, static_cast<std::int64_t>(kMaxPeersPerTorrent));
    cap.exec();
  });
}

std::vector<StoredTorrentPeer> ClientStore::peers(const InfoHash& info_hash, std::size_t limit,
                                                  bool include_banned) const {
  std::vector<StoredTorrentPeer> out;
  if (limit == 0) return out;
  SQLite::Statement q(
      *db_,
      "SELECT address, v6, port, peer_id, client, first_seen, last_seen, bytes_from, bytes_to, "
      "hash_failures, banned FROM peers WHERE info_hash = ?1 AND (?2 OR banned = 0) "
      "ORDER BY last_seen DESC, address, v6, port LIMIT ?3");
  bind_hash(q, 1, info_hash);
  q.bind(2, include_banned ? 1 : 0);
  q.bind(3, static_cast<std::int64_t>(
                std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
  while (q.executeStep()) {
    const auto address = blob_array<16>(q.getColumn(0));
    const std::int64_t port = q.getColumn(2).getInt64();
    if (!address || port < 1 || port > std::numeric_limits<std::uint16_t>::max()) continue;
    StoredTorrentPeer p;
    p.address = *address;
    p.v6 = q.getColumn(1).getInt() != 0;
    p.port = static_cast<std::uint16_t>(port);
    p.peer_id = blob_array<20>(q.getColumn(3));
    p.client = q.getColumn(4).getString();
    p.first_seen = q.getColumn(5).getInt64();
    p.last_seen = q.getColumn(6).getInt64();
    p.bytes_from = q.getColumn(7).getInt64();
    p.bytes_to = q.getColumn(8).getInt64();
    p.hash_failures = q.getColumn(9).getInt();
    p.banned = q.getColumn(10).getInt() != 0;
    out.push_back(std::move(p));
  }
  return out;
}

void ClientStore::set_setting(std::string_view key, std::string_view value) {
  in_transaction([&] {
    SQLite::Statement upsert(*db_,
                             "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    upsert.bind(1, std::string(key));
    upsert.bind(2, std::string(value));
    upsert.exec();
  });
}

std::optional<std::string> ClientStore::setting(std::string_view key) const {
  SQLite::Statement q(*db_, "SELECT value FROM settings WHERE key = ?1");
  q.bind(1, std::string(key));
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

std::vector<StoredTorrent> ClientStore::salvage_torrents(
    const std::filesystem::path& corrupt_file) noexcept {
  std::vector<StoredTorrent> out;
  try {
    SQLite::Database db(corrupt_file.string(), SQLite::OPEN_READONLY);
    // Table order, not an index: an index is one more structure that may be damaged.
    SQLite::Statement q(db, std::string("SELECT ") + kTorrentColumnsV1 + " FROM torrents");
    while (q.executeStep()) {
      auto t = read_torrent(q);
      if (t && !t->metainfo.empty()) out.push_back(std::move(*t));
    }
  } catch (const std::exception&) {
    // Keep what was read before the damage.
  }
  return out;
}

}  // namespace lt::store
