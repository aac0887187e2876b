#include "store/tracker_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>

#include "store/sqlite_database.hpp"

namespace lt::store {
namespace {

// Append-only: released steps never change.
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE swarms ("
     "  info_hash BLOB PRIMARY KEY CHECK (length(info_hash) = 20),"
     "  name TEXT NOT NULL DEFAULT '',"
     "  metainfo BLOB,"
     "  downloaded INTEGER NOT NULL DEFAULT 0 CHECK (downloaded >= 0),"
     "  registered INTEGER NOT NULL DEFAULT 0"
     ") WITHOUT ROWID;"
     "CREATE TABLE peers ("
     "  info_hash BLOB NOT NULL CHECK (length(info_hash) = 20),"
     "  address BLOB NOT NULL CHECK (length(address) IN (4, 16)),"
     "  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
     "  peer_id BLOB NOT NULL CHECK (length(peer_id) = 20),"
     "  seeder INTEGER NOT NULL,"
     "  completed INTEGER NOT NULL DEFAULT 0,"
     "  last_seen INTEGER NOT NULL,"
     "  PRIMARY KEY (info_hash, address, port)"
     ") WITHOUT ROWID;"
     "CREATE INDEX peers_by_last_seen ON peers (last_seen);"},
};

std::size_t address_size(bool v6) {
  return v6 ? 16 : 4;
}

template <std::size_t N>
void copy_blob(const SQLite::Column& column, std::array<std::uint8_t, N>& out) {
  const auto size = static_cast<std::size_t>(column.getBytes());
  const auto* data = static_cast<const std::uint8_t*>(column.getBlob());
  std::copy_n(data, std::min(size, N), out.begin());
}

}  // namespace

TrackerStore::TrackerStore(const std::filesystem::path& path) {
  OpenedDatabase opened = open_database(path, kMigrations);
  db_ = std::move(opened.db);
  moved_aside_ = std::move(opened.moved_aside);
}

TrackerStore::~TrackerStore() = default;

std::vector<StoredSwarm> TrackerStore::load_swarms() {
  std::vector<StoredSwarm> out;
  SQLite::Statement q(*db_, "SELECT info_hash, name, metainfo, downloaded, registered FROM swarms");
  while (q.executeStep()) {
    StoredSwarm s;
    copy_blob(q.getColumn(0), s.info_hash.bytes);
    s.name = q.getColumn(1).getString();
    if (!q.getColumn(2).isNull()) {
      s.metainfo.assign(static_cast<const char*>(q.getColumn(2).getBlob()),
                        static_cast<std::size_t>(q.getColumn(2).getBytes()));
    }
    s.downloaded = q.getColumn(3).getInt64();
    s.registered = q.getColumn(4).getInt() != 0;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<StoredPeer> TrackerStore::load_peers() {
  std::vector<StoredPeer> out;
  SQLite::Statement q(
      *db_, "SELECT info_hash, address, port, peer_id, seeder, last_seen, completed FROM peers");
  while (q.executeStep()) {
    StoredPeer p;
    copy_blob(q.getColumn(0), p.info_hash.bytes);
    p.v6 = q.getColumn(1).getBytes() == 16;
    copy_blob(q.getColumn(1), p.address);
    p.port = static_cast<std::uint16_t>(q.getColumn(2).getInt());
    copy_blob(q.getColumn(3), p.peer_id);
    p.seeder = q.getColumn(4).getInt() != 0;
    p.last_seen = q.getColumn(5).getInt64();
    p.completed = q.getColumn(6).getInt() != 0;
    out.push_back(p);
  }
  return out;
}

void TrackerStore::save(std::span<const StoredSwarm> swarms, std::span<const StoredPeer> peers,
                        std::span<const StoredPeerKey> removed_peers, std::int64_t expired_before) {
  SQLite::Transaction transaction(*db_);
  if (!swarms.empty()) {
    SQLite::Statement upsert(
        *db_,
        "INSERT INTO swarms (info_hash, name, metainfo, downloaded, registered) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (info_hash) DO UPDATE SET "
        "name = excluded.name, metainfo = excluded.metainfo, downloaded = excluded.downloaded, "
        "registered = excluded.registered");
    for (const StoredSwarm& s : swarms) {
      upsert.bind(1, s.info_hash.bytes.data(), static_cast<int>(s.info_hash.bytes.size()));
      upsert.bind(2, s.name);
      if (s.metainfo.empty()) {
        upsert.bind(3);
      } else {
        upsert.bind(3, s.metainfo.data(), static_cast<int>(s.metainfo.size()));
      }
      upsert.bind(4, s.downloaded);
      upsert.bind(5, s.registered ? 1 : 0);
      upsert.exec();
      upsert.reset();
    }
  }
  if (!peers.empty()) {
    SQLite::Statement upsert(
        *db_,
        "INSERT INTO peers (info_hash, address, port, peer_id, seeder, last_seen, completed) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (info_hash, address, port) DO UPDATE SET "
        "peer_id = excluded.peer_id, seeder = excluded.seeder, last_seen = excluded.last_seen, "
        "completed = max(completed, excluded.completed)");
    for (const StoredPeer& p : peers) {
      upsert.bind(1, p.info_hash.bytes.data(), static_cast<int>(p.info_hash.bytes.size()));
      upsert.bind(2, p.address.data(), static_cast<int>(address_size(p.v6)));
      upsert.bind(3, static_cast<int>(p.port));
      upsert.bind(4, p.peer_id.data(), static_cast<int>(p.peer_id.size()));
      upsert.bind(5, p.seeder ? 1 : 0);
      upsert.bind(6, p.last_seen);
      upsert.bind(7, p.completed ? 1 : 0);
      upsert.exec();
      upsert.reset();
    }
  }
  if (!removed_peers.empty()) {
    SQLite::Statement remove(
        *db_, "DELETE FROM peers WHERE info_hash = ?1 AND address = ?2 AND port = ?3");
    for (const StoredPeerKey& k : removed_peers) {
      remove.bind(1, k.info_hash.bytes.data(), static_cast<int>(k.info_hash.bytes.size()));
      remove.bind(2, k.address.data(), static_cast<int>(address_size(k.v6)));
      remove.bind(3, static_cast<int>(k.port));
      remove.exec();
      remove.reset();
    }
  }
  if (expired_before > 0) {
    SQLite::Statement expire(*db_, "DELETE FROM peers WHERE last_seen < ?1");
    expire.bind(1, expired_before);
    expire.exec();
  }
  transaction.commit();
}

}  // namespace lt::store
