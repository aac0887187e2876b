#include "store/tracker_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "store/sqlite_database.hpp"
#include "support/temp_dir.hpp"

namespace lt::store {
namespace {
namespace fs = std::filesystem;

class TrackerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_ / "tracker.db"; }

  static StoredSwarm swarm(std::uint8_t tag, std::string name, std::int64_t downloaded) {
    StoredSwarm s;
    s.info_hash.bytes.fill(tag);
    s.name = std::move(name);
    s.downloaded = downloaded;
    return s;
  }
  static StoredPeer peer(std::uint8_t swarm_tag, bool v6, std::uint16_t port, std::int64_t seen) {
    StoredPeer p;
    p.info_hash.bytes.fill(swarm_tag);
    p.v6 = v6;
    if (v6) {
      p.address = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    } else {
      p.address = {127, 0, 0, 1};
    }
    p.port = port;
    p.peer_id.fill(static_cast<std::uint8_t>(port & 0xff));
    p.last_seen = seen;
    return p;
  }

  test::TempDir dir_{"lt-store"};
  fs::path path_;
};

TEST_F(TrackerStoreTest, SwarmsAndPeersSurviveReopening) {
  StoredSwarm a = swarm(1, "alpha", 3);
  a.registered = true;
  a.metainfo = std::string("d4:infod...e\0binary", 19);
  const StoredSwarm b = swarm(2, "", 0);
  const StoredPeer p4 = peer(1, false, 6881, 1000);
  StoredPeer p6 = peer(1, true, 6882, 1001);
  p6.seeder = true;
  {
    TrackerStore store(path_);
    EXPECT_FALSE(store.moved_aside());
    const StoredSwarm swarms[] = {a, b};
    const StoredPeer peers[] = {p4, p6};
    store.save(swarms, peers, {});
  }
  TrackerStore reopened(path_);
  auto swarms = reopened.load_swarms();
  std::sort(swarms.begin(), swarms.end(),
            [](const auto& x, const auto& y) { return x.info_hash < y.info_hash; });
  EXPECT_EQ(swarms, (std::vector<StoredSwarm>{a, b}));
  auto peers = reopened.load_peers();
  std::sort(peers.begin(), peers.end(),
            [](const auto& x, const auto& y) { return x.port < y.port; });
  EXPECT_EQ(peers, (std::vector<StoredPeer>{p4, p6}));
}

TEST_F(TrackerStoreTest, UpsertsRemovalsAndExpiry) {
  TrackerStore store(path_);
  const StoredPeer old_peer = peer(1, false, 1000, 100);
  const StoredPeer gone = peer(1, false, 1001, 500);
  StoredPeer fresh = peer(1, false, 1002, 500);
  const StoredPeer first[] = {old_peer, gone, fresh};
  const StoredSwarm s1[] = {swarm(1, "x", 1)};
  store.save(s1, first, {});

  fresh.last_seen = 900;
  fresh.seeder = true;
  const StoredPeer second[] = {fresh};
  const StoredPeerKey removed[] = {{gone.info_hash, gone.address, gone.v6, gone.port}};
  const StoredSwarm s2[] = {swarm(1, "x", 2)};
  store.save(s2, second, removed, /*expired_before=*/200);

  EXPECT_EQ(store.load_peers(), std::vector<StoredPeer>{fresh});
  ASSERT_EQ(store.load_swarms().size(), 1u);
  EXPECT_EQ(store.load_swarms()[0].downloaded, 2);
}

TEST_F(TrackerStoreTest, CompletedFlagIsSticky) {
  TrackerStore store(path_);
  StoredPeer p = peer(1, false, 7000, 100);
  p.completed = true;
  store.save({}, std::span<const StoredPeer>(&p, 1), {});
  p.completed = false;  // a later announce without event=completed
  p.last_seen = 200;
  store.save({}, std::span<const StoredPeer>(&p, 1), {});
  ASSERT_EQ(store.load_peers().size(), 1u);
  EXPECT_TRUE(store.load_peers()[0].completed);
  EXPECT_EQ(store.load_peers()[0].last_seen, 200);
}

TEST_F(TrackerStoreTest, CorruptFileIsMovedAsideAndAFreshOneStarts) {
  const std::string garbage = "this is not an SQLite database, just bytes that must survive";
  std::ofstream(path_, std::ios::binary) << garbage;
  TrackerStore store(path_);
  ASSERT_TRUE(store.moved_aside());
  std::ifstream kept(*store.moved_aside(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, garbage);
  EXPECT_TRUE(store.load_swarms().empty());
  const StoredSwarm s[] = {swarm(7, "new", 0)};
  store.save(s, {}, {});
  EXPECT_EQ(store.load_swarms().size(), 1u);
}

TEST_F(TrackerStoreTest, NewerSchemaIsRefusedAndLeftAlone) {
  { TrackerStore store(path_); }
  {
    SQLite::Database db(path_.string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = 99");
  }
  EXPECT_THROW(TrackerStore store(path_), DatabaseError);
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(schema_version(db), 99);
}

TEST_F(TrackerStoreTest, SchemaVersionAndWal) {
  { TrackerStore store(path_); }
  SQLite::Database db(path_.string(), SQLite::OPEN_READONLY);
  EXPECT_EQ(schema_version(db), 1);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

}  // namespace
}  // namespace lt::store
