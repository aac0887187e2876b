// The torrent lifecycle through real Engines on 127.0.0.1 and a real client database: states
// that survive a restart, a download from a peer the database remembers (no tracker at all),
// stop/resume, queue limits, recheck, remove with data, and the database's instance lock.
//
// Two engines play seeder and leecher. The leecher learns the seeder's address only from its
// database's peer table, so these tests also show that a resumed torrent reconnects to known
// peers before (here: without) any tracker.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "core/sha1.hpp"
#include "core/torrent_builder.hpp"
#include "net/engine.hpp"
#include "store/client_store.hpp"
#include "support/temp_dir.hpp"

namespace lt {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kPieceLength = 32 * 1024;

struct TestTorrent {
  std::string name;
  std::string data;
  std::string bytes;  // the .torrent
  InfoHash info_hash;
};

TestTorrent make_torrent(const std::string& name, std::int64_t size, unsigned seed) {
  TestTorrent t;
  t.name = name;
  std::mt19937 rng(seed);
  t.data.resize(static_cast<std::size_t>(size));
  for (auto& b : t.data)
    b = static_cast<char>(rng());
  std::string hashes;
  for (std::int64_t off = 0; off < size; off += kPieceLength) {
    const auto n = static_cast<std::size_t>(std::min(kPieceLength, size - off));
    hashes +=
        Sha1::digest(std::string_view(t.data).substr(static_cast<std::size_t>(off), n)).view();
  }
  const BuiltTorrent built = build_torrent(name, false, {BuildFile{{name}, size, false}},
                                           kPieceLength, hashes, TorrentOptions{});
  t.bytes = built.bytes;
  t.info_hash = built.info_hash;
  return t;
}

void write_data(const fs::path& dir, const TestTorrent& t) {
  fs::create_directories(dir);
  std::ofstream(dir / t.name, std::ios::binary).write(t.data.data(), std::ssize(t.data));
}

std::string read_data(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// An Engine with the latest status of every torrent, pumped by wait_until().
class Driver {
 public:
  explicit Driver(net::EngineSettings settings) {
    settings.listen_port = 0;
    settings.loopback_only = true;
    settings.listen_ipv6 = false;
    engine_ = std::make_unique<net::Engine>(std::move(settings), [] {});
  }
  ~Driver() { engine_.reset(); }

  void post(engine::Command c) { ASSERT_TRUE(engine_->post(std::move(c))); }
  void shutdown() { engine_->shutdown(); }

  // Pumps events until pred() holds; false after the timeout.
  bool wait_until(const std::function<bool()>& pred,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      pump();
      if (pred()) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void pump() {
    std::vector<engine::Event> events;
    engine_->poll(events);
    for (const auto& e : events) {
      if (const auto* l = std::get_if<engine::ListenState>(&e)) port = l->port;
      if (const auto* err = std::get_if<engine::Error>(&e)) errors.push_back(err->message);
      if (const auto* n = std::get_if<engine::Notice>(&e)) notices.push_back(n->message);
      if (const auto* r = std::get_if<engine::TorrentRemoved>(&e)) removed.push_back(r->torrent);
      if (const auto* st = std::get_if<engine::SettingsState>(&e)) reported = *st;
      if (const auto* d = std::get_if<engine::StatusDelta>(&e)) {
        for (const auto& s : d->changed) {
          status[s.torrent] = s;
          seen_states[s.torrent].push_back(s.state);
        }
      }
    }
  }
  // The last state reported; stopped until the first status arrives.
  [[nodiscard]] TorrentState state(const InfoHash& h) {
    const auto it = status.find(h);
    return it == status.end() ? TorrentState::stopped : it->second.state;
  }
  [[nodiscard]] bool saw(const InfoHash& h, TorrentState s) {
    const auto& states = seen_states[h];
    return std::find(states.begin(), states.end(), s) != states.end();
  }

  std::uint16_t port = 0;
  std::map<InfoHash, engine::TorrentStatus> status;
  std::map<InfoHash, std::vector<TorrentState>> seen_states;
  std::vector<std::string> errors;
  std::vector<std::string> notices;
  std::vector<InfoHash> removed;
  std::optional<engine::SettingsState> reported;  // the engine's SettingsState

 private:
  std::unique_ptr<net::Engine> engine_;
};

class EngineLifecycleTest : public ::testing::Test {
 protected:
  // A seeding engine (no database) for the given torrents.
  void start_seeder(const std::vector<const TestTorrent*>& torrents) {
    seeder_ = std::make_unique<Driver>(net::EngineSettings{});
    for (const TestTorrent* t : torrents) {
      write_data(dir_ / "seed", *t);
      engine::AddTorrent add;
      add.torrent_bytes = t->bytes;
      add.save_dir = dir_ / "seed";
      add.seed_only = true;
      seeder_->post(std::move(add));
    }
    ASSERT_TRUE(seeder_->wait_until([&] {
      if (seeder_->port == 0) return false;
      for (const TestTorrent* t : torrents) {
        if (seeder_->state(t->info_hash) != TorrentState::seeding) return false;
      }
      return true;
    }));
  }

  // Stores a torrent in the leecher's database, with the seeder as a known peer.
  void store_torrent(const TestTorrent& t, const fs::path& save, TorrentState state, int position,
                     bool with_seeder_peer = true) {
    store::ClientStore db(db_);
    store::StoredTorrent row;
    row.info_hash = t.info_hash;
    row.name = t.name;
    row.metainfo = t.bytes;
    row.save_path = save.string();
    row.state = state;
    row.queue_position = position;
    db.upsert_torrent(row);
    if (with_seeder_peer && seeder_) {
      store::StoredTorrentPeer peer;
      peer.address = {127, 0, 0, 1};
      peer.port = seeder_->port;
      peer.last_seen = 1;
      db.save_peers(t.info_hash, std::span(&peer, 1));
    }
  }

  net::EngineSettings leecher_settings() const {
    net::EngineSettings s;
    s.db_path = db_;
    s.restore_torrents = true;
    return s;
  }

  test::TempDir dir_{"lt-engine-lifecycle"};
  fs::path db_ = dir_ / "client.db";
  std::unique_ptr<Driver> seeder_;
};

TEST_F(EngineLifecycleTest, PausedStoppedAndSeedingComeBackAfterARestart) {
  const TestTorrent a = make_torrent("a.bin", 4 * kPieceLength, 1);
  const TestTorrent b = make_torrent("b.bin", 4 * kPieceLength, 2);
  const TestTorrent c = make_torrent("c.bin", 5 * kPieceLength + 77, 3);
  write_data(dir_ / "complete", c);
  store_torrent(a, dir_ / "dl", TorrentState::paused, 0);
  store_torrent(b, dir_ / "dl", TorrentState::stopped, 1);
  store_torrent(c, dir_ / "complete", TorrentState::queued, 2);
  const auto expected = [&](Driver& d) {
    return d.state(a.info_hash) == TorrentState::paused &&
           d.state(b.info_hash) == TorrentState::stopped &&
           d.state(c.info_hash) == TorrentState::seeding;
  };
  {
    Driver first(leecher_settings());
    ASSERT_TRUE(first.wait_until([&] { return expected(first); }));
    EXPECT_TRUE(first.saw(c.info_hash, TorrentState::checking));  // its data was never recorded
    first.shutdown();
  }
  {
    store::ClientStore db(db_);
    std::map<InfoHash, TorrentState> stored;
    for (const auto& t : db.torrents())
      stored[t.info_hash] = t.state;
    EXPECT_EQ(stored[a.info_hash], TorrentState::paused);
    EXPECT_EQ(stored[b.info_hash], TorrentState::stopped);
    EXPECT_EQ(stored[c.info_hash], TorrentState::seeding);
  }
  Driver second(leecher_settings());
  ASSERT_TRUE(second.wait_until([&] { return expected(second); }));
  // The recorded pieces match the files: no recheck this time.
  EXPECT_FALSE(second.saw(c.info_hash, TorrentState::checking));
  EXPECT_FALSE(fs::exists(dir_ / "dl" / a.name));  // paused and stopped create nothing
  EXPECT_FALSE(fs::exists(dir_ / "dl" / b.name));
}

TEST_F(EngineLifecycleTest, DownloadsFromAPeerTheDatabaseRemembers) {
  const TestTorrent t = make_torrent("known-peer.bin", 7 * kPieceLength + 5, 4);
  start_seeder({&t});
  store_torrent(t, dir_ / "dl", TorrentState::queued, 0);
  Driver leecher(leecher_settings());
  ASSERT_TRUE(leecher.wait_until([&] { return leecher.status[t.info_hash].complete; }));
  EXPECT_EQ(read_data(dir_ / "dl" / t.name), t.data);
  leecher.shutdown();
  // The peer's byte counts were recorded for the next session.
  store::ClientStore db(db_);
  const auto peers = db.peers(t.info_hash, 10);
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_GE(peers[0].bytes_from, std::ssize(t.data));
  EXPECT_TRUE(peers[0].peer_id.has_value());
}

TEST_F(EngineLifecycleTest, StopDisconnectsAndResumeFinishes) {
  const TestTorrent t = make_torrent("stop.bin", 24 * kPieceLength, 5);
  start_seeder({&t});
  store_torrent(t, dir_ / "dl", TorrentState::queued, 0);
  net::EngineSettings settings = leecher_settings();
  settings.download_limit = 64 * 1024;  // slow enough to stop halfway
  Driver leecher(settings);
  ASSERT_TRUE(leecher.wait_until([&] {
    const auto& s = leecher.status[t.info_hash];
    return s.state == TorrentState::downloading && s.pieces_have >= 2;
  }));
  leecher.post(engine::Stop{t.info_hash});
  ASSERT_TRUE(leecher.wait_until([&] {
    const auto& s = leecher.status[t.info_hash];
    return s.state == TorrentState::stopped && s.peers == 0;
  }));
  const std::int32_t have_when_stopped = leecher.status[t.info_hash].pieces_have;
  EXPECT_GT(have_when_stopped, 0);
  EXPECT_FALSE(leecher.status[t.info_hash].complete);
  leecher.post(engine::SetRateLimit{std::nullopt, 0, 0});
  leecher.post(engine::Resume{t.info_hash});
  ASSERT_TRUE(leecher.wait_until([&] { return leecher.status[t.info_hash].complete; }));
  EXPECT_EQ(read_data(dir_ / "dl" / t.name), t.data);
  // The pieces of the first run were adopted, not checked again.
  EXPECT_FALSE(leecher.saw(t.info_hash, TorrentState::checking));
}

TEST_F(EngineLifecycleTest, QueueRunsOneDownloadAtATimeAndFinishesAll) {
  const TestTorrent a = make_torrent("queue-a.bin", 12 * kPieceLength, 6);
  const TestTorrent b = make_torrent("queue-b.bin", 12 * kPieceLength, 7);
  start_seeder({&a, &b});
  store_torrent(a, dir_ / "dl", TorrentState::queued, 0);
  store_torrent(b, dir_ / "dl", TorrentState::queued, 1);
  net::EngineSettings settings = leecher_settings();
  settings.max_active_downloads = 1;
  settings.download_limit = 256 * 1024;
  Driver leecher(settings);
  bool both_downloading = false;
  ASSERT_TRUE(leecher.wait_until(
      [&] {
        const TorrentState sa = leecher.state(a.info_hash);
        const TorrentState sb = leecher.state(b.info_hash);
        const auto busy = [](TorrentState s) {
          return s == TorrentState::downloading || s == TorrentState::checking;
        };
        both_downloading = both_downloading || (busy(sa) && busy(sb));
        return leecher.status[a.info_hash].complete && leecher.status[b.info_hash].complete;
      },
      std::chrono::seconds(60)));
  EXPECT_FALSE(both_downloading);
  // The second in the queue waited for the first.
  EXPECT_TRUE(leecher.saw(b.info_hash, TorrentState::queued));
  EXPECT_EQ(read_data(dir_ / "dl" / a.name), a.data);
  EXPECT_EQ(read_data(dir_ / "dl" / b.name), b.data);
}

TEST_F(EngineLifecycleTest, RecheckFindsADamagedPieceAndRemoveWithDataDeletesTheFiles) {
  const TestTorrent t = make_torrent("recheck.bin", 6 * kPieceLength, 8);
  write_data(dir_ / "dl", t);
  store_torrent(t, dir_ / "dl", TorrentState::queued, 0, false);
  Driver leecher(leecher_settings());
  ASSERT_TRUE(leecher.wait_until([&] { return leecher.status[t.info_hash].complete; }));
  {
    std::fstream f(dir_ / "dl" / t.name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3 * kPieceLength + 10);
    f.put(static_cast<char>(~t.data[3 * kPieceLength + 10]));
  }
  leecher.post(engine::Recheck{t.info_hash});
  ASSERT_TRUE(leecher.wait_until([&] {
    const auto& s = leecher.status[t.info_hash];
    return s.state == TorrentState::downloading && s.pieces_have == 5;
  }));
  leecher.post(engine::Remove{t.info_hash, true});
  ASSERT_TRUE(leecher.wait_until(
      [&] { return !leecher.removed.empty() && !fs::exists(dir_ / "dl" / t.name); }));
  leecher.shutdown();
  store::ClientStore db(db_);
  EXPECT_TRUE(db.torrents().empty());
}

TEST_F(EngineLifecycleTest, ASecondEngineOnTheSameDatabaseIsRefused) {
  Driver first(leecher_settings());
  ASSERT_TRUE(first.wait_until([&] { return first.port != 0; }));
  Driver second(leecher_settings());
  ASSERT_TRUE(second.wait_until([&] { return !second.errors.empty(); }));
  EXPECT_NE(second.errors[0].find("in use by another Like-Torrent process"), std::string::npos)
      << second.errors[0];
  EXPECT_TRUE(first.errors.empty());
}

TEST_F(EngineLifecycleTest, MissingFilesAreReportedNotDownloadedAgain) {
  const TestTorrent t = make_torrent("vanishing.bin", 4 * kPieceLength, 9);
  write_data(dir_ / "dl", t);
  store_torrent(t, dir_ / "dl", TorrentState::queued, 0, false);
  {
    Driver first(leecher_settings());
    ASSERT_TRUE(first.wait_until([&] { return first.status[t.info_hash].complete; }));
    first.shutdown();
  }
  fs::remove(dir_ / "dl" / t.name);
  Driver second(leecher_settings());
  ASSERT_TRUE(
      second.wait_until([&] { return second.state(t.info_hash) == TorrentState::missing_files; }));
  EXPECT_NE(second.status[t.info_hash].error.find("vanishing.bin"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "dl" / t.name));
}

TEST_F(EngineLifecycleTest, SettingsGivenOnceAreRememberedAndChangesAreStored) {
  {
    net::EngineSettings settings = leecher_settings();
    settings.upload_limit = 100 * 1024;
    settings.max_active_downloads = 7;
    Driver first(settings);
    ASSERT_TRUE(first.wait_until([&] { return first.reported.has_value(); }));
    EXPECT_EQ(first.reported->upload_limit, 100 * 1024);
    EXPECT_EQ(first.reported->download_limit, 0);
    EXPECT_EQ(first.reported->max_active_downloads, 7);
    EXPECT_EQ(first.reported->max_active_seeds, 5);
    // A change from the GUI's Settings dialog is reported back and stored.
    first.post(engine::SetQueueLimits{2, -1});
    ASSERT_TRUE(first.wait_until([&] { return first.reported->max_active_seeds == -1; }));
    first.shutdown();
  }
  Driver second(leecher_settings());  // nothing given: the stored values apply
  ASSERT_TRUE(second.wait_until([&] { return second.reported.has_value(); }));
  EXPECT_EQ(second.reported->upload_limit, 100 * 1024);
  EXPECT_EQ(second.reported->max_active_downloads, 2);
  EXPECT_EQ(second.reported->max_active_seeds, -1);
}

}  // namespace
}  // namespace lt
