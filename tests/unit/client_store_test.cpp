#include "store/client_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace lt::store {
namespace {
namespace fs = std::filesystem;

class ClientStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_ / "client.db"; }

  static InfoHash hash(std::uint8_t tag) {
    InfoHash h;
    h.bytes.fill(tag);
    return h;
  }
  static StoredTorrent torrent(std::uint8_t tag, int queue_position, std::int64_t added_at) {
    StoredTorrent t;
    t.info_hash = hash(tag);
    t.name = "torrent " + std::to_string(tag);
    // Not a real .torrent: the store keeps bytes, including NULs, without reading them.
    t.metainfo = "d4:infod4:name1:x6:pieces20:" + std::string(20, static_cast<char>(tag)) +
                 std::string("ee\0binary", 9);
    t.save_path = "/data/" + std::to_string(tag);
    t.state = TorrentState::downloading;
    t.queue_position = queue_position;
    t.added_at = added_at;
    return t;
  }
  static StoredTorrentPeer peer(std::uint8_t last_octet, std::uint16_t port, std::int64_t seen) {
    StoredTorrentPeer p;
    p.address = {10, 0, 0, last_octet};
    p.port = port;
    p.first_seen = seen;
    p.last_seen = seen;
    return p;
  }
  // Rows of `table` for the torrent, counted on a separate connection.
  [[nodiscard]] std::int64_t rows(const std::string& table, const InfoHash& h) const {
    SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM " + table + " WHERE info_hash = ?1");
    q.bind(1, h.bytes.data(), static_cast<int>(h.bytes.size()));
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
  void raw_exec(const std::string& sql) const {
    SQLite::Database db(path_.string(), SQLite::OPEN_READWRITE);
    db.exec(sql);
  }

  test::TempDir dir_{"lt-client-store"};
  fs::path path_;
};

TEST_F(ClientStoreTest, TorrentsRoundTripInQueueOrder) {
  StoredTorrent a = torrent(1, 2, 100);
  a.state = TorrentState::seeding;
  a.completed_at = 150;
  a.uploaded = 5'000'000'000;
  a.downloaded = 4'000'000'000;
  a.sequential = true;
  a.upload_limit = 1 << 20;
  a.download_limit = 2 << 20;
  StoredTorrent b = torrent(2, 1, 300);
  b.state = TorrentState::error;
  b.last_error = "disk full";
  const StoredTorrent c = torrent(3, 1, 200);  // same queue position as b, added earlier
  {
    ClientStore store(path_);
    EXPECT_FALSE(store.moved_aside());
    EXPECT_TRUE(store.moved_aside_reason().empty());
    store.upsert_torrent(a);
    store.upsert_torrent(b);
    store.upsert_torrent(c);
  }
  ClientStore reopened(path_);
  EXPECT_EQ(reopened.torrents(), (std::vector<StoredTorrent>{c, b, a}));
}

TEST_F(ClientStoreTest, UpsertReplacesTheRowAndKeepsItsChildren) {
  ClientStore store(path_);
  StoredTorrent t = torrent(1, 0, 100);
  store.upsert_torrent(t);
  const std::uint8_t have[] = {0xa0};
  store.save_pieces(t.info_hash, have, 3, {});
  t.name = "renamed";
  t.state = TorrentState::paused;
  t.metainfo += "more";
  store.upsert_torrent(t);
  EXPECT_EQ(store.torrents(), std::vector<StoredTorrent>{t});
  ASSERT_TRUE(store.pieces(t.info_hash));
  EXPECT_EQ(store.pieces(t.info_hash)->have, std::vector<std::uint8_t>{0xa0});
}

TEST_F(ClientStoreTest, UpdateTorrentKeepsMetainfoAndAddedAt) {
  ClientStore store(path_);
  const StoredTorrent original = torrent(1, 0, 100);
  store.upsert_torrent(original);
  StoredTorrent progress = original;
  progress.metainfo.clear();
  progress.added_at = 999;
  progress.state = TorrentState::seeding;
  progress.completed_at = 500;
  progress.uploaded = 42;
  progress.queue_position = 7;
  EXPECT_TRUE(store.update_torrent(progress));
  StoredTorrent expected = progress;
  expected.metainfo = original.metainfo;
  expected.added_at = original.added_at;
  EXPECT_EQ(store.torrents(), std::vector<StoredTorrent>{expected});
  EXPECT_FALSE(store.update_torrent(torrent(9, 0, 0)));
  EXPECT_EQ(store.torrents().size(), 1u);
}

TEST_F(ClientStoreTest, PiecesAndFilesRoundTripInOneCommit) {
  const InfoHash h = hash(1);
  const std::vector<std::uint8_t> have = {0xff, 0x0f, 0x80};  // 17 pieces
  const std::vector<StoredFile> files = {
      {FileIndex(0), Priority::high, 100000, 1'700'000'000'123'456'789},
      {FileIndex(1), Priority::skip, 5, 1'700'000'001'000'000'000},
      {FileIndex(2), static_cast<Priority>(5), 0, 42},  // a level between named ones
  };
  {
    ClientStore store(path_);
    EXPECT_FALSE(store.pieces(h));
    store.upsert_torrent(torrent(1, 0, 0));
    store.save_pieces(h, have, 17, files);
  }
  ClientStore store(path_);
  const auto stored = store.pieces(h);
  ASSERT_TRUE(stored);
  EXPECT_EQ(*stored, (StoredPieces{have, 17, files, ""}));
  EXPECT_EQ(store.files(h), files);

  // A later save replaces the bitfield and the given files' rows only.
  const std::vector<std::uint8_t> more = {0xff, 0xff, 0x80};
  const StoredFile grown{FileIndex(1), Priority::skip, 6, 1'700'000'002'000'000'000};
  store.save_pieces(h, more, 17, std::span<const StoredFile>(&grown, 1));
  const auto again = store.pieces(h);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->have, more);
  EXPECT_EQ(again->files, (std::vector<StoredFile>{files[0], grown, files[2]}));
}

TEST_F(ClientStoreTest, SavePiecesRejectsABitfieldThatDoesNotFit) {
  ClientStore store(path_);
  const InfoHash h = hash(1);
  store.upsert_torrent(torrent(1, 0, 0));
  const std::uint8_t two[] = {0xff, 0x80};
  const std::uint8_t spare[] = {0xff, 0x81};  // 9 pieces: the last 7 bits must be zero
  const StoredFile f{FileIndex(0), Priority::normal, 1, 1};
  EXPECT_THROW(store.save_pieces(h, two, 17, std::span<const StoredFile>(&f, 1)),
               std::invalid_argument);
  EXPECT_THROW(store.save_pieces(h, spare, 9, {}), std::invalid_argument);
  EXPECT_THROW(store.save_pieces(h, {}, -1, {}), std::invalid_argument);
  const StoredFile negative{FileIndex(-1), Priority::normal, 1, 1};
  EXPECT_THROW(store.save_pieces(h, two, 9, std::span<const StoredFile>(&negative, 1)),
               std::invalid_argument);
  EXPECT_FALSE(store.pieces(h));
  EXPECT_TRUE(store.files(h).empty());
  store.save_pieces(h, {}, 0, {});  // an empty torrent is fine
  ASSERT_TRUE(store.pieces(h));
  EXPECT_TRUE(store.pieces(h)->issue.empty());
}

TEST_F(ClientStoreTest, ChildRowsOfAnUnknownTorrentAreRefused) {
  ClientStore store(path_);
  const InfoHash h = hash(5);
  const std::uint8_t have[] = {0x80};
  const StoredFile f{FileIndex(0), Priority::normal, 1, 1};
  EXPECT_THROW(store.save_pieces(h, have, 1, std::span<const StoredFile>(&f, 1)),
               std::runtime_error);
  EXPECT_THROW(store.set_file_priority(h, FileIndex(0), Priority::high), std::runtime_error);
  const StoredTorrentPeer p = peer(1, 6881, 10);
  EXPECT_THROW(store.save_peers(h, std::span<const StoredTorrentPeer>(&p, 1)), std::runtime_error);
  EXPECT_FALSE(store.pieces(h));
  // The store still works after the failed transactions.
  store.upsert_torrent(torrent(5, 0, 0));
  store.save_pieces(h, have, 1, std::span<const StoredFile>(&f, 1));
  EXPECT_TRUE(store.pieces(h));
}

TEST_F(ClientStoreTest, FilePrioritiesKeepRecordedSizes) {
  ClientStore store(path_);
  const InfoHash h = hash(1);
  store.upsert_torrent(torrent(1, 0, 0));
  // Before any pieces are recorded: priority-only rows, size and mtime unknown.
  const Priority all[] = {Priority::normal, Priority::skip, Priority::low};
  store.set_file_priorities(h, all);
  EXPECT_EQ(store.files(h), (std::vector<StoredFile>{{FileIndex(0), Priority::normal, -1, -1},
                                                     {FileIndex(1), Priority::skip, -1, -1},
                                                     {FileIndex(2), Priority::low, -1, -1}}));
  EXPECT_FALSE(store.pieces(h));  // priorities alone are no resume data

  const StoredFile recorded{FileIndex(1), Priority::skip, 77, 88};
  const std::uint8_t have[] = {0x00};
  store.save_pieces(h, have, 2, std::span<const StoredFile>(&recorded, 1));
  store.set_file_priority(h, FileIndex(1), Priority::high);
  EXPECT_EQ(store.files(h)[1], (StoredFile{FileIndex(1), Priority::high, 77, 88}));
  EXPECT_THROW(store.set_file_priority(h, FileIndex(-3), Priority::high), std::invalid_argument);
}

TEST_F(ClientStoreTest, PeersRoundTripAndMerge) {
  const InfoHash h = hash(1);
  StoredTorrentPeer v4 = peer(7, 6881, 100);
  v4.peer_id = std::array<std::uint8_t, 20>{'-', 'q', 'B', '4', '6', '0', '0', '-'};
  v4.client = "qBittorrent 4.6.0";
  v4.bytes_from = 1 << 20;
  v4.bytes_to = 1 << 10;
  v4.hash_failures = 1;
  StoredTorrentPeer v6;
  v6.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  v6.v6 = true;
  v6.port = 51413;
  v6.first_seen = 50;
  v6.last_seen = 200;
  StoredTorrentPeer bad = peer(9, 1, 300);
  bad.banned = true;
  bad.hash_failures = 3;
  StoredTorrentPeer no_port = peer(10, 0, 400);
  {
    ClientStore store(path_);
    store.upsert_torrent(torrent(1, 0, 0));
    const StoredTorrentPeer first[] = {v4, v6, bad, no_port};
    store.save_peers(h, first);
  }
  ClientStore store(path_);
  EXPECT_EQ(store.peers(h, 10), (std::vector<StoredTorrentPeer>{v6, v4}));
  EXPECT_EQ(store.peers(h, 10, /*include_banned=*/true),
            (std::vector<StoredTorrentPeer>{bad, v6, v4}));
  EXPECT_EQ(store.peers(h, 1), std::vector<StoredTorrentPeer>{v6});
  EXPECT_TRUE(store.peers(h, 0).empty());
  EXPECT_TRUE(store.peers(hash(2), 10).empty());

  // Seen again, from a compact tracker list: no peer id or client, a later first_seen, and
  // junk in the unused bytes of its IPv4 address. The row keeps what it knew.
  StoredTorrentPeer again = v4;
  again.address[10] = 0xee;
  again.peer_id.reset();
  again.client.clear();
  again.first_seen = 0;
  again.last_seen = 500;
  again.bytes_from += 1;
  const StoredTorrentPeer second[] = {again};
  store.save_peers(h, second);
  StoredTorrentPeer merged = v4;
  merged.last_seen = 500;
  merged.bytes_from = v4.bytes_from + 1;
  EXPECT_EQ(store.peers(h, 10), (std::vector<StoredTorrentPeer>{merged, v6}));

  // first_seen 0 on a new row means "now" (last_seen).
  StoredTorrentPeer fresh = peer(8, 7000, 600);
  fresh.first_seen = 0;
  store.save_peers(h, std::span<const StoredTorrentPeer>(&fresh, 1));
  EXPECT_EQ(store.peers(h, 1)[0].first_seen, 600);
}

TEST_F(ClientStoreTest, PeerTableIsCappedPerTorrentOldestDropped) {
  ClientStore store(path_);
  const InfoHash h = hash(1);
  const InfoHash other = hash(2);
  store.upsert_torrent(torrent(1, 0, 0));
  store.upsert_torrent(torrent(2, 0, 0));
  const StoredTorrentPeer elsewhere = peer(1, 1, 1);  // older than all of h's
  store.save_peers(other, std::span<const StoredTorrentPeer>(&elsewhere, 1));

  std::vector<StoredTorrentPeer> many;
  many.reserve(510);
  for (int i = 0; i < 510; ++i) {
    many.push_back(
        peer(static_cast<std::uint8_t>(i % 256), static_cast<std::uint16_t>(1000 + i), 1000 + i));
  }
  store.save_peers(h, many);
  auto kept = store.peers(h, 1000);
  ASSERT_EQ(kept.size(), kMaxPeersPerTorrent);
  EXPECT_EQ(kept.front().last_seen, 1509);
  EXPECT_EQ(kept.back().last_seen, 1010);  // 1000..1009 dropped

  // A newcomer pushes out the oldest; refreshing an old one keeps it.
  StoredTorrentPeer refreshed = many[10];
  refreshed.last_seen = 3000;
  const StoredTorrentPeer newcomer = peer(200, 9999, 2000);
  const StoredTorrentPeer batch[] = {refreshed, newcomer};
  store.save_peers(h, batch);
  kept = store.peers(h, 1000);
  ASSERT_EQ(kept.size(), kMaxPeersPerTorrent);
  EXPECT_EQ(kept.front(), refreshed);
  EXPECT_EQ(kept[1], newcomer);
  EXPECT_EQ(kept.back().last_seen, 1012);  // 1011 gone, 1010 is the refreshed one
  EXPECT_EQ(store.peers(other, 10), std::vector<StoredTorrentPeer>{elsewhere});
}

TEST_F(ClientStoreTest, Settings) {
  {
    ClientStore store(path_);
    EXPECT_FALSE(store.setting("listen_port"));
    store.set_setting("listen_port", "6881");
    store.set_setting("download_dir", "/home/me/Downloads/ünïcode");
    store.set_setting("listen_port", "51413");
    store.set_setting("empty", "");
  }
  ClientStore store(path_);
  EXPECT_EQ(store.setting("listen_port"), "51413");
  EXPECT_EQ(store.setting("download_dir"), "/home/me/Downloads/ünïcode");
  EXPECT_EQ(store.setting("empty"), "");
  EXPECT_FALSE(store.setting("missing"));
}

TEST_F(ClientStoreTest, RemoveTorrentCascades) {
  const InfoHash gone = hash(1);
  const InfoHash kept = hash(2);
  {
    ClientStore store(path_);
    const std::uint8_t have[] = {0x80};
    const StoredFile f{FileIndex(0), Priority::normal, 1, 1};
    const StoredTorrentPeer p = peer(1, 6881, 1);
    for (const InfoHash& h : {gone, kept}) {
      store.upsert_torrent(torrent(h.bytes[0], 0, 0));
      store.save_pieces(h, have, 1, std::span<const StoredFile>(&f, 1));
      store.save_peers(h, std::span<const StoredTorrentPeer>(&p, 1));
    }
    store.remove_torrent(gone);
    store.remove_torrent(hash(9));  // unknown: nothing happens
    ASSERT_EQ(store.torrents().size(), 1u);
    EXPECT_EQ(store.torrents()[0].info_hash, kept);
    EXPECT_FALSE(store.pieces(gone));
    EXPECT_TRUE(store.files(gone).empty());
    EXPECT_TRUE(store.peers(gone, 10, true).empty());
  }
  for (const char* table : {"torrents", "pieces", "files", "peers"}) {
    EXPECT_EQ(rows(table, gone), 0) << table;
    EXPECT_EQ(rows(table, kept), 1) << table;
  }
}

TEST_F(ClientStoreTest, BatchCommitsTogetherAndRollsBackOnThrow) {
  ClientStore store(path_);
  store.in_transaction([&] {
    store.upsert_torrent(torrent(1, 0, 0));
    store.in_transaction([&] { store.set_setting("nested", "yes"); });
    store.set_setting("a", "1");
  });
  EXPECT_EQ(store.torrents().size(), 1u);
  EXPECT_EQ(store.setting("nested"), "yes");

  EXPECT_THROW(store.in_transaction([&] {
    store.upsert_torrent(torrent(2, 0, 0));
    store.set_setting("a", "2");
    store.in_transaction([&] { store.set_setting("nested", "no"); });
    throw std::runtime_error("engine failed mid-batch");
  }),
               std::runtime_error);
  EXPECT_EQ(store.torrents().size(), 1u);
  EXPECT_EQ(store.setting("a"), "1");
  EXPECT_EQ(store.setting("nested"), "yes");

  // A method that fails inside a batch undoes only itself when the batch catches it.
  store.in_transaction([&] {
    store.set_setting("b", "kept");
    const std::uint8_t have[] = {0x80};
    EXPECT_THROW(store.save_pieces(hash(9), have, 1, {}), std::runtime_error);
  });
  EXPECT_EQ(store.setting("b"), "kept");
  EXPECT_FALSE(store.pieces(hash(9)));
}

TEST_F(ClientStoreTest, ReopeningKeepsEverything) {
  const StoredTorrent t = torrent(3, 4, 5);
  const std::vector<std::uint8_t> have = {0xf0};
  const StoredFile f{FileIndex(0), Priority::low, 10, 20};
  const StoredTorrentPeer p = peer(3, 3333, 33);
  {
    ClientStore store(path_);
    store.in_transaction([&] {
      store.upsert_torrent(t);
      store.save_pieces(t.info_hash, have, 4, std::span<const StoredFile>(&f, 1));
      store.save_peers(t.info_hash, std::span<const StoredTorrentPeer>(&p, 1));
      store.set_setting("k", "v");
    });
  }
  for (int i = 0; i < 2; ++i) {
    ClientStore store(path_);
    EXPECT_FALSE(store.moved_aside());
    EXPECT_EQ(store.torrents(), std::vector<StoredTorrent>{t});
    EXPECT_EQ(store.pieces(t.info_hash), (StoredPieces{have, 4, {f}, ""}));
    EXPECT_EQ(store.peers(t.info_hash, 10), std::vector<StoredTorrentPeer>{p});
    EXPECT_EQ(store.setting("k"), "v");
  }
}

TEST_F(ClientStoreTest, SchemaVersionAndWal) {
  { ClientStore store(path_); }
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(schema_version(db), 2);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

// Schema version 1 exactly as released (migration steps never change): what a database
// written by that version holds.
constexpr const char* kSchemaV1 =
    "CREATE TABLE torrents (info_hash BLOB PRIMARY KEY CHECK (length(info_hash) = 20),"
    " name TEXT NOT NULL DEFAULT '', metainfo BLOB, save_path TEXT NOT NULL DEFAULT '',"
    " state INTEGER NOT NULL, queue_position INTEGER NOT NULL DEFAULT 0,"
    " added_at INTEGER NOT NULL DEFAULT 0, completed_at INTEGER,"
    " uploaded INTEGER NOT NULL DEFAULT 0, downloaded INTEGER NOT NULL DEFAULT 0,"
    " last_error TEXT NOT NULL DEFAULT '', sequential INTEGER NOT NULL DEFAULT 0,"
    " upload_limit INTEGER NOT NULL DEFAULT 0, download_limit INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE pieces (info_hash BLOB PRIMARY KEY REFERENCES torrents (info_hash)"
    " ON DELETE CASCADE, have BLOB NOT NULL, num_pieces INTEGER NOT NULL);"
    "CREATE TABLE files (info_hash BLOB NOT NULL REFERENCES torrents (info_hash)"
    " ON DELETE CASCADE, file_index INTEGER NOT NULL CHECK (file_index >= 0),"
    " priority INTEGER NOT NULL, size INTEGER NOT NULL DEFAULT -1,"
    " mtime_ns INTEGER NOT NULL DEFAULT -1, PRIMARY KEY (info_hash, file_index)) WITHOUT ROWID;"
    "CREATE TABLE peers (info_hash BLOB NOT NULL REFERENCES torrents (info_hash)"
    " ON DELETE CASCADE, address BLOB NOT NULL CHECK (length(address) = 16),"
    " v6 INTEGER NOT NULL CHECK (v6 IN (0, 1)),"
    " port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),"
    " peer_id BLOB CHECK (peer_id IS NULL OR length(peer_id) = 20),"
    " client TEXT NOT NULL DEFAULT '', first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " bytes_from INTEGER NOT NULL DEFAULT 0, bytes_to INTEGER NOT NULL DEFAULT 0,"
    " hash_failures INTEGER NOT NULL DEFAULT 0, banned INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (info_hash, address, v6, port)) WITHOUT ROWID;"
    "CREATE INDEX peers_by_last_seen ON peers (info_hash, last_seen);"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

TEST_F(ClientStoreTest, MigratesAVersion1DatabaseKeepingEverything) {
  {
    SQLite::Database v1(path_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v1.exec(kSchemaV1);
    v1.exec(
        "INSERT INTO torrents (info_hash, name, metainfo, save_path, state, queue_position,"
        " added_at, completed_at, uploaded, downloaded, last_error, sequential, upload_limit,"
        " download_limit) VALUES (zeroblob(20), 'old', x'6465', '/dl', 3, 4, 100, 200, 5, 6,"
        " 'e', 1, 7, 8);"
        "INSERT INTO pieces VALUES (zeroblob(20), x'a0', 3);"
        "INSERT INTO files VALUES (zeroblob(20), 0, 7, 10, 11);"
        "INSERT INTO peers VALUES (zeroblob(20), zeroblob(16), 0, 6881, NULL, 'x', 1, 2, 3, 4,"
        " 0, 0);"
        "INSERT INTO settings VALUES ('upload_limit', '1024');");
  }
  ClientStore store(path_);
  {
    SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(schema_version(db), 2);
  }
  const std::vector<StoredTorrent> torrents = store.torrents();
  ASSERT_EQ(torrents.size(), 1u);
  const StoredTorrent& t = torrents[0];
  EXPECT_EQ(t.name, "old");
  EXPECT_EQ(t.metainfo, "de");
  EXPECT_EQ(t.save_path, "/dl");
  EXPECT_EQ(t.state, TorrentState::paused);
  EXPECT_EQ(t.queue_position, 4);
  EXPECT_EQ(t.added_at, 100);
  EXPECT_EQ(t.completed_at, 200);
  EXPECT_EQ(t.uploaded, 5);
  EXPECT_EQ(t.downloaded, 6);
  EXPECT_EQ(t.last_error, "e");
  EXPECT_TRUE(t.sequential);
  EXPECT_EQ(t.upload_limit, 7);
  EXPECT_EQ(t.download_limit, 8);
  EXPECT_EQ(t.active_seconds, 0);  // new in version 2
  EXPECT_EQ(t.seeding_seconds, 0);
  const auto pieces = store.pieces(t.info_hash);
  ASSERT_TRUE(pieces.has_value());
  EXPECT_EQ(pieces->num_pieces, 3);
  ASSERT_EQ(pieces->files.size(), 1u);
  EXPECT_EQ(pieces->files[0].priority, Priority::high);
  EXPECT_EQ(pieces->files[0].mtime_ns, 11);
  EXPECT_EQ(store.peers(t.info_hash, 10).size(), 1u);
  EXPECT_EQ(store.setting("upload_limit"), "1024");
  // The new columns are written and read back.
  StoredTorrent changed = t;
  changed.active_seconds = 3600;
  changed.seeding_seconds = 60;
  EXPECT_TRUE(store.update_torrent(changed));
  EXPECT_EQ(store.torrents().at(0).active_seconds, 3600);
  EXPECT_EQ(store.torrents().at(0).seeding_seconds, 60);
}

TEST_F(ClientStoreTest, MigratesAnEmptyVersion0Database) {
  // A file SQLite created but nothing wrote to (a crash right after creation).
  { SQLite::Database v0(path_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE); }
  ClientStore store(path_);
  EXPECT_TRUE(store.torrents().empty());
  EXPECT_FALSE(store.moved_aside().has_value());
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(schema_version(db), 2);
}

TEST_F(ClientStoreTest, SalvageReadsADamagedVersion1File) {
  {
    SQLite::Database v1(path_.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    v1.exec(kSchemaV1);
    v1.exec(
        "INSERT INTO torrents (info_hash, name, metainfo, state) VALUES (zeroblob(20), 'v1',"
        " x'6465', 2);");
  }
  const std::vector<StoredTorrent> salvaged = ClientStore::salvage_torrents(path_);
  ASSERT_EQ(salvaged.size(), 1u);
  EXPECT_EQ(salvaged[0].name, "v1");
}

TEST_F(ClientStoreTest, InMemoryDatabaseWorks) {
  ClientStore store(":memory:");
  store.upsert_torrent(torrent(1, 0, 0));
  EXPECT_EQ(store.torrents().size(), 1u);
}

TEST_F(ClientStoreTest, CorruptFileIsMovedAsideAndAFreshOneStarts) {
  std::string garbage(std::size_t{64} * 1024, '\0');
  std::mt19937 rng(1234);
  for (char& c : garbage)
    c = static_cast<char>(rng());
  std::ofstream(path_, std::ios::binary) << garbage;

  ClientStore store(path_);
  ASSERT_TRUE(store.moved_aside());
  EXPECT_FALSE(store.moved_aside_reason().empty());
  std::ifstream kept(*store.moved_aside(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, garbage);
  EXPECT_TRUE(ClientStore::salvage_torrents(*store.moved_aside()).empty());

  EXPECT_TRUE(store.torrents().empty());
  store.upsert_torrent(torrent(1, 0, 0));
  store.set_setting("k", "v");
  EXPECT_EQ(store.torrents().size(), 1u);
  EXPECT_EQ(store.setting("k"), "v");
}

TEST_F(ClientStoreTest, TorrentsAreSalvagedFromADamagedFile) {
  const StoredTorrent a = torrent(1, 0, 1);
  StoredTorrent b = torrent(2, 1, 2);
  b.metainfo += std::string(20000, 'm');  // spills onto overflow pages
  StoredTorrent no_metainfo = torrent(3, 2, 3);
  no_metainfo.metainfo.clear();
  {
    ClientStore store(path_);
    store.upsert_torrent(a);
    store.upsert_torrent(b);
    store.upsert_torrent(no_metainfo);
    // Later pages hold only settings; they are the ones damaged below.
    store.in_transaction([&] {
      for (int i = 0; i < 200; ++i)
        store.set_setting("k" + std::to_string(i), std::string(900, 's'));
    });
  }
  const auto size = fs::file_size(path_);
  constexpr std::size_t kPage = 4096;  // SQLite's default page size
  {
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - (16 * kPage)));
    const std::string junk(8 * kPage, '\xa5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  ClientStore store(path_);
  ASSERT_TRUE(store.moved_aside());
  EXPECT_TRUE(store.torrents().empty());
  EXPECT_EQ(ClientStore::salvage_torrents(*store.moved_aside()),
            (std::vector<StoredTorrent>{a, b}));
  EXPECT_TRUE(ClientStore::salvage_torrents(dir_ / "absent.db").empty());
}

TEST_F(ClientStoreTest, NewerSchemaIsRefusedAndLeftAlone) {
  { ClientStore store(path_); }
  raw_exec("PRAGMA user_version = 99");
  EXPECT_THROW(ClientStore store(path_), DatabaseError);
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(schema_version(db), 99);
  EXPECT_TRUE(fs::exists(path_));
}

TEST_F(ClientStoreTest, OddStoredValuesLoadFlaggedNeverCrash) {
  {
    ClientStore store(path_);
    for (std::uint8_t tag = 1; tag <= 4; ++tag)
      store.upsert_torrent(torrent(tag, tag, 0));
    StoredTorrent empty = torrent(5, 5, 0);
    empty.metainfo.clear();
    store.upsert_torrent(empty);
    const std::uint8_t have[] = {0xff, 0x80};
    const StoredFile f{FileIndex(0), Priority::high, 1, 1};
    for (std::uint8_t tag = 1; tag <= 3; ++tag) {
      store.save_pieces(hash(tag), have, 9, std::span<const StoredFile>(&f, 1));
    }
  }
  // What a newer version, a bug or a hand edit could leave behind.
  raw_exec(
      "UPDATE torrents SET state = 42 WHERE queue_position = 1;"
      "UPDATE torrents SET state = -1 WHERE queue_position = 2;"
      "UPDATE torrents SET state = 'seeding' WHERE queue_position = 3;"
      "UPDATE pieces SET num_pieces = 100 WHERE info_hash = x'" +
      hash(1).hex() +
      "';"
      "UPDATE pieces SET have = x'ff81' WHERE info_hash = x'" +
      hash(2).hex() +
      "';"
      "UPDATE pieces SET num_pieces = 1 << 40 WHERE info_hash = x'" +
      hash(3).hex() +
      "';"
      "UPDATE files SET priority = 99;");

  ClientStore store(path_);
  const auto loaded = store.torrents();
  ASSERT_EQ(loaded.size(), 5u);
  EXPECT_EQ(loaded[0].state, TorrentState::stopped);
  EXPECT_NE(loaded[0].issue.find("unknown state 42"), std::string::npos) << loaded[0].issue;
  EXPECT_EQ(loaded[1].state, TorrentState::stopped);
  EXPECT_NE(loaded[1].issue.find("unknown state -1"), std::string::npos) << loaded[1].issue;
  EXPECT_EQ(loaded[2].state, TorrentState::stopped);
  EXPECT_FALSE(loaded[2].issue.empty());
  EXPECT_EQ(loaded[3].state, TorrentState::downloading);
  EXPECT_TRUE(loaded[3].issue.empty());
  EXPECT_TRUE(loaded[4].metainfo.empty());
  EXPECT_EQ(loaded[4].issue, "no metainfo stored");

  const auto short_bits = store.pieces(hash(1));
  ASSERT_TRUE(short_bits);
  EXPECT_EQ(short_bits->num_pieces, 100);
  EXPECT_EQ(short_bits->have, (std::vector<std::uint8_t>{0xff, 0x80}));
  EXPECT_NE(short_bits->issue.find("2 bytes for 100 pieces"), std::string::npos)
      << short_bits->issue;
  ASSERT_EQ(short_bits->files.size(), 1u);
  EXPECT_EQ(short_bits->files[0].priority, Priority::normal);  // 99 is not a level
  ASSERT_TRUE(store.pieces(hash(2)));
  EXPECT_EQ(store.pieces(hash(2))->issue, "bitfield has spare bits set");
  ASSERT_TRUE(store.pieces(hash(3)));
  EXPECT_FALSE(store.pieces(hash(3))->issue.empty());

  // The flagged torrent is written back sound.
  StoredTorrent fixed = loaded[0];
  fixed.issue.clear();
  store.upsert_torrent(fixed);
  EXPECT_TRUE(store.torrents()[0].issue.empty());
}

// quick_check also verifies CHECK constraints, so rows that break them (a hand edit with
// ignore_check_constraints) make the file count as corrupt; salvage skips those rows.
TEST_F(ClientStoreTest, RowsBreakingChecksAreSalvagedAround) {
  const StoredTorrent good = torrent(1, 0, 0);
  {
    ClientStore store(path_);
    store.upsert_torrent(good);
  }
  raw_exec(
      "PRAGMA ignore_check_constraints = ON;"
      "INSERT INTO torrents (info_hash, metainfo, state) VALUES (x'0102', x'64', 1);");
  ClientStore store(path_);
  ASSERT_TRUE(store.moved_aside());
  EXPECT_NE(store.moved_aside_reason().find("CHECK"), std::string::npos)
      << store.moved_aside_reason();
  EXPECT_EQ(ClientStore::salvage_torrents(*store.moved_aside()), std::vector<StoredTorrent>{good});
}

}  // namespace
}  // namespace lt::store
