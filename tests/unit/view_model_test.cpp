#include "core/view_model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace lt {
namespace {

using engine::TorrentStatus;

InfoHash hash_of(int n) {
  InfoHash h;
  h.bytes[0] = static_cast<std::uint8_t>(n);
  h.bytes[19] = static_cast<std::uint8_t>(n >> 8);
  return h;
}

engine::TorrentAdded added(int n, std::string name, std::int64_t size = 1000,
                           std::int32_t pieces = 10) {
  engine::TorrentAdded a;
  a.torrent = hash_of(n);
  a.name = std::move(name);
  a.total_size = size;
  a.num_pieces = pieces;
  return a;
}

TorrentStatus status_of(int n, double down = 0, double up = 0, std::int32_t peers = 0) {
  TorrentStatus s;
  s.torrent = hash_of(n);
  s.state = TorrentState::downloading;
  s.down_rate = down;
  s.up_rate = up;
  s.peers = peers;
  return s;
}

engine::StatusDelta delta(std::vector<TorrentStatus> changed) {
  return engine::StatusDelta{std::move(changed)};
}

std::vector<std::string> names(const ViewModel& vm) {
  std::vector<std::string> out;
  for (const TorrentRow& row : vm.rows())
    out.push_back(row.name);
  return out;
}

// --- events -------------------------------------------------------------------------------

TEST(ViewModel, StartsEmpty) {
  const ViewModel vm;
  EXPECT_TRUE(vm.rows().empty());
  EXPECT_EQ(vm.find(hash_of(1)), nullptr);
  EXPECT_FALSE(vm.selected());
  EXPECT_EQ(vm.peers(), nullptr);
  EXPECT_EQ(vm.pieces(), nullptr);
  EXPECT_EQ(vm.total_down_rate(), 0.0);
  EXPECT_EQ(vm.total_peers(), 0);
  EXPECT_TRUE(vm.notifications().empty());
  EXPECT_FALSE(vm.listen_port());
  EXPECT_TRUE(vm.listen_error().empty());
  EXPECT_FALSE(vm.engine_stopped());
  EXPECT_TRUE(vm.total_speed().empty());
}

TEST(ViewModel, AddedTorrentsAreRowsInArrivalOrder) {
  ViewModel vm;
  vm.apply(added(2, "beta", 5000, 20), 0);
  vm.apply(added(1, "alpha"), 0);
  vm.apply(added(3, "gamma"), 0);
  EXPECT_EQ(names(vm), (std::vector<std::string>{"beta", "alpha", "gamma"}));
  const TorrentRow* row = vm.find(hash_of(2));
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->hash, hash_of(2));
  EXPECT_EQ(row->total_size, 5000);
  EXPECT_EQ(row->num_pieces, 20);
  EXPECT_FALSE(row->has_status);
  EXPECT_LT(vm.rows()[0].added_order, vm.rows()[1].added_order);
  EXPECT_LT(vm.rows()[1].added_order, vm.rows()[2].added_order);
}

TEST(ViewModel, SameTorrentAddedTwiceUpdatesItsRow) {
  ViewModel vm;
  vm.apply(added(1, "one"), 0);
  vm.apply(added(2, "two"), 0);
  vm.apply(delta({status_of(1, 100)}), 0);
  const double order = vm.find(hash_of(1))->added_order;
  vm.apply(added(1, "one renamed", 7777, 77), 1);
  ASSERT_EQ(vm.rows().size(), 2U);
  EXPECT_EQ(names(vm), (std::vector<std::string>{"one renamed", "two"}));
  const TorrentRow* row = vm.find(hash_of(1));
  EXPECT_EQ(row->total_size, 7777);
  EXPECT_EQ(row->num_pieces, 77);
  EXPECT_EQ(row->added_order, order);
  EXPECT_TRUE(row->has_status);  // the status survives
  EXPECT_EQ(row->status.down_rate, 100);
}

TEST(ViewModel, StatusDeltasUpdateRowsAndTotals) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(added(2, "b"), 0);
  vm.apply(added(3, "c"), 0);  // never gets a status: not in the totals
  vm.apply(delta({status_of(1, 1000, 10, 3), status_of(2, 500, 20, 4)}), 0);
  EXPECT_TRUE(vm.find(hash_of(1))->has_status);
  EXPECT_FALSE(vm.find(hash_of(3))->has_status);
  EXPECT_EQ(vm.total_down_rate(), 1500);
  EXPECT_EQ(vm.total_up_rate(), 30);
  EXPECT_EQ(vm.total_peers(), 7);
  // A delta names only what changed; the others keep their last status.
  vm.apply(delta({status_of(2, 0, 0, 1)}), 1);
  EXPECT_EQ(vm.total_down_rate(), 1000);
  EXPECT_EQ(vm.total_up_rate(), 10);
  EXPECT_EQ(vm.total_peers(), 4);
}

TEST(ViewModel, StatusForUnknownTorrentCreatesARowNamedByItsHash) {
  ViewModel vm;
  vm.apply(added(1, "known"), 0);
  TorrentStatus s = status_of(9, 42);
  s.num_pieces = 123;
  vm.apply(delta({s}), 0);
  ASSERT_EQ(vm.rows().size(), 2U);
  const TorrentRow* row = vm.find(hash_of(9));
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->name, hash_of(9).hex());
  EXPECT_TRUE(row->has_status);
  EXPECT_EQ(row->num_pieces, 123);
  EXPECT_EQ(vm.total_down_rate(), 42);
  // A late TorrentAdded names it where it stands.
  vm.apply(added(9, "late name", 555, 123), 1);
  EXPECT_EQ(names(vm), (std::vector<std::string>{"known", "late name"}));
  EXPECT_EQ(vm.find(hash_of(9))->total_size, 555);
}

TEST(ViewModel, RemovingTheSelectedTorrentClearsSelectionAndSnapshots) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(added(2, "b"), 0);
  vm.apply(added(3, "c"), 0);
  vm.select(hash_of(2));
  vm.apply(engine::PeerSnapshot{hash_of(2), {engine::PeerInfo{}}}, 0);
  vm.apply(engine::PieceSnapshot{hash_of(2), {2, 0}, {1, 1}}, 0);
  ASSERT_NE(vm.peers(), nullptr);
  ASSERT_NE(vm.pieces(), nullptr);

  vm.apply(engine::TorrentRemoved{hash_of(2)}, 1);
  EXPECT_EQ(names(vm), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(vm.find(hash_of(2)), nullptr);
  EXPECT_FALSE(vm.selected());
  EXPECT_EQ(vm.peers(), nullptr);
  EXPECT_EQ(vm.pieces(), nullptr);
  // The rows after it are still found where they moved.
  ASSERT_NE(vm.find(hash_of(3)), nullptr);
  EXPECT_EQ(vm.find(hash_of(3))->name, "c");
  EXPECT_EQ(vm.find(hash_of(1))->name, "a");
}

TEST(ViewModel, RemovingAnotherTorrentKeepsTheSelection) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(added(2, "b"), 0);
  vm.select(hash_of(2));
  vm.apply(engine::PieceSnapshot{hash_of(2), {2}, {1}}, 0);
  vm.apply(engine::TorrentRemoved{hash_of(1)}, 0);
  vm.apply(engine::TorrentRemoved{hash_of(7)}, 0);  // unknown: nothing happens
  EXPECT_EQ(vm.selected(), hash_of(2));
  EXPECT_NE(vm.pieces(), nullptr);
  EXPECT_EQ(names(vm), (std::vector<std::string>{"b"}));
}

TEST(ViewModel, SnapshotsAreKeptOnlyForTheSelectedTorrent) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(added(2, "b"), 0);
  // Nothing selected: nothing kept.
  vm.apply(engine::PieceSnapshot{hash_of(1), {2}, {1}}, 0);
  EXPECT_EQ(vm.pieces(), nullptr);

  vm.select(hash_of(1));
  vm.apply(engine::PeerSnapshot{hash_of(2), {engine::PeerInfo{}}}, 0);
  vm.apply(engine::PieceSnapshot{hash_of(2), {2, 2}, {1, 1}}, 0);
  EXPECT_EQ(vm.peers(), nullptr);
  EXPECT_EQ(vm.pieces(), nullptr);

  engine::PeerInfo peer;
  peer.address = "1.2.3.4:6881";
  vm.apply(engine::PeerSnapshot{hash_of(1), {peer}}, 1);
  vm.apply(engine::PieceSnapshot{hash_of(1), {0, 1, 2}, {3, 2, 1}}, 1);
  ASSERT_NE(vm.peers(), nullptr);
  ASSERT_EQ(vm.peers()->peers.size(), 1U);
  EXPECT_EQ(vm.peers()->peers[0].address, "1.2.3.4:6881");
  ASSERT_NE(vm.pieces(), nullptr);
  EXPECT_EQ(vm.pieces()->state, (std::vector<std::uint8_t>{0, 1, 2}));

  // Another torrent's snapshot does not replace it; a newer one of its own does.
  vm.apply(engine::PieceSnapshot{hash_of(2), {}, {}}, 2);
  EXPECT_EQ(vm.pieces()->state.size(), 3U);
  vm.apply(engine::PieceSnapshot{hash_of(1), {2, 2, 2}, {3, 2, 1}}, 2);
  EXPECT_EQ(vm.pieces()->state, (std::vector<std::uint8_t>{2, 2, 2}));

  // Selecting the same torrent again keeps them; another one drops them.
  vm.select(hash_of(1));
  EXPECT_NE(vm.pieces(), nullptr);
  vm.select(hash_of(2));
  EXPECT_EQ(vm.peers(), nullptr);
  EXPECT_EQ(vm.pieces(), nullptr);
  vm.select(std::nullopt);
  EXPECT_FALSE(vm.selected());
}

TEST(ViewModel, ErrorsAndNoticesBecomeNotifications) {
  ViewModel vm;
  vm.apply(added(1, "linux.iso"), 0);
  vm.apply(engine::Error{hash_of(1), "disk full"}, 10.5);
  vm.apply(engine::Error{std::nullopt, "invalid torrent: bad bencode"}, 11);
  vm.apply(engine::Error{hash_of(5), "torrent already added"}, 12);  // unknown torrent
  vm.apply(engine::Notice{hash_of(1), "resumed: disk has room again"}, 13);
  vm.apply(engine::Notice{std::nullopt, "database salvaged"}, 14);

  const auto& log = vm.notifications();
  ASSERT_EQ(log.size(), 5U);
  EXPECT_EQ(log[0].text, "linux.iso: disk full");
  EXPECT_TRUE(log[0].error);
  EXPECT_EQ(log[0].at, 10.5);
  EXPECT_EQ(log[1].text, "invalid torrent: bad bencode");
  EXPECT_TRUE(log[1].error);
  EXPECT_EQ(log[2].text, "torrent already added");
  EXPECT_EQ(log[3].text, "linux.iso: resumed: disk has room again");
  EXPECT_FALSE(log[3].error);
  EXPECT_EQ(log[4].text, "database salvaged");
  EXPECT_FALSE(log[4].error);
  // An error about an unknown torrent creates no row.
  EXPECT_EQ(vm.rows().size(), 1U);
}

TEST(ViewModel, LastErrorOutlivesTheStatusError) {
  ViewModel vm;
  vm.apply(added(1, "t"), 0);
  TorrentStatus s = status_of(1);
  s.state = TorrentState::error;
  s.error = "disk full";
  vm.apply(delta({s}), 0);
  vm.apply(engine::Error{hash_of(1), "disk full"}, 0);
  EXPECT_EQ(vm.find(hash_of(1))->last_error, "disk full");
  // Resumed: the status clears its error, the row remembers it.
  vm.apply(delta({status_of(1)}), 1);
  EXPECT_TRUE(vm.find(hash_of(1))->status.error.empty());
  EXPECT_EQ(vm.find(hash_of(1))->last_error, "disk full");
  // A notice is not an error.
  vm.apply(engine::Notice{hash_of(1), "fine now"}, 2);
  EXPECT_EQ(vm.find(hash_of(1))->last_error, "disk full");
  vm.apply(engine::Error{hash_of(1), "file missing"}, 3);
  EXPECT_EQ(vm.find(hash_of(1))->last_error, "file missing");
}

TEST(ViewModel, NotificationsKeepTheLastFifty) {
  ViewModel vm;
  for (int i = 0; i < 60; ++i)
    vm.apply(engine::Notice{std::nullopt, "n" + std::to_string(i)}, i);
  const auto& log = vm.notifications();
  ASSERT_EQ(log.size(), ViewModel::kMaxNotifications);
  ASSERT_EQ(log.size(), 50U);
  EXPECT_EQ(log.front().text, "n10");
  EXPECT_EQ(log.back().text, "n59");
  EXPECT_EQ(log.back().at, 59);
}

TEST(ViewModel, ListenStateSetsPortOrError) {
  ViewModel vm;
  vm.apply(engine::ListenState{6881, true, ""}, 0);
  EXPECT_EQ(vm.listen_port(), 6881);
  EXPECT_TRUE(vm.listen_error().empty());
  EXPECT_TRUE(vm.notifications().empty());  // success is not news

  vm.apply(engine::ListenState{6881, false, "address in use"}, 5);
  EXPECT_FALSE(vm.listen_port());
  EXPECT_EQ(vm.listen_error(), "address in use");
  ASSERT_EQ(vm.notifications().size(), 1U);
  EXPECT_TRUE(vm.notifications().back().error);
  EXPECT_NE(vm.notifications().back().text.find("address in use"), std::string::npos);
  EXPECT_NE(vm.notifications().back().text.find("6881"), std::string::npos);
  EXPECT_EQ(vm.notifications().back().at, 5);

  vm.apply(engine::ListenState{6882, true, ""}, 6);
  EXPECT_EQ(vm.listen_port(), 6882);
  EXPECT_TRUE(vm.listen_error().empty());
}

TEST(ViewModel, DroppedEventsRequestOneResync) {
  ViewModel vm;
  EXPECT_FALSE(vm.take_resync_request());
  vm.apply(engine::EventsDropped{12}, 0);
  EXPECT_TRUE(vm.take_resync_request());
  EXPECT_FALSE(vm.take_resync_request());
  // Drops before the owner asks merge into one request.
  vm.apply(engine::EventsDropped{1}, 1);
  vm.apply(engine::EventsDropped{3}, 1);
  EXPECT_TRUE(vm.take_resync_request());
  EXPECT_FALSE(vm.take_resync_request());
  // A later drop asks again.
  vm.apply(engine::EventsDropped{1}, 2);
  EXPECT_TRUE(vm.take_resync_request());
}

TEST(ViewModel, StoppedMarksTheEngineStopped) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  EXPECT_FALSE(vm.engine_stopped());
  vm.apply(engine::Stopped{}, 1);
  EXPECT_TRUE(vm.engine_stopped());
  EXPECT_EQ(vm.rows().size(), 1U);  // the last picture stays on screen
}

TEST(ViewModel, SpeedHistoryTakesAtMostOneSamplePerSecondWithTheLatestRates) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(delta({status_of(1, 100, 1)}), 10.0);
  vm.apply(delta({status_of(1, 200, 2)}), 10.25);
  vm.apply(delta({status_of(1, 0, 0)}), 10.5);  // the last change before a silence
  ASSERT_EQ(vm.total_speed().size(), 1U);
  EXPECT_EQ(vm.total_speed()[0].at, 10.0);
  EXPECT_EQ(vm.total_speed()[0].down, 0);
  EXPECT_EQ(vm.total_speed()[0].up, 0);

  vm.apply(delta({status_of(1, 300, 3)}), 11.0);
  vm.apply(delta({status_of(1, 400, 4)}), 12.5);
  ASSERT_EQ(vm.total_speed().size(), 3U);
  EXPECT_EQ(vm.total_speed()[1].at, 11.0);
  EXPECT_EQ(vm.total_speed()[1].down, 300);
  EXPECT_EQ(vm.total_speed()[2].at, 12.5);
  EXPECT_EQ(vm.total_speed()[2].up, 4);
}

TEST(ViewModel, SpeedHistoryKeepsTheLastFiveMinutes) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  for (int t = 0; t <= 1000; ++t)
    vm.apply(delta({status_of(1, t, 0)}), t);
  const auto& history = vm.total_speed();
  ASSERT_EQ(history.size(), 301U);  // 700..1000 inclusive
  EXPECT_EQ(history.front().at, 700);
  EXPECT_EQ(history.back().at, 1000);
  EXPECT_EQ(history.back().down, 1000);
}

TEST(ViewModel, SpeedHistoryFollowsRemovalsAndTheSelection) {
  ViewModel vm;
  vm.apply(added(1, "a"), 0);
  vm.apply(added(2, "b"), 0);
  vm.select(hash_of(2));
  vm.apply(delta({status_of(1, 100, 0), status_of(2, 50, 5)}), 0);
  ASSERT_EQ(vm.selected_speed().size(), 1U);
  EXPECT_EQ(vm.selected_speed()[0].down, 50);
  EXPECT_EQ(vm.total_speed().back().down, 150);

  // A removal changes the totals without a delta.
  vm.apply(engine::TorrentRemoved{hash_of(1)}, 2);
  EXPECT_EQ(vm.total_speed().back().at, 2);
  EXPECT_EQ(vm.total_speed().back().down, 50);
  EXPECT_EQ(vm.selected_speed().size(), 2U);

  // Another selection starts its own history.
  vm.select(hash_of(1));
  EXPECT_TRUE(vm.selected_speed().empty());
  vm.apply(delta({status_of(2, 60, 6)}), 3);
  EXPECT_TRUE(vm.selected_speed().empty());  // torrent 1 is gone: no status to sample
  EXPECT_EQ(vm.total_speed().back().down, 60);
}

// --- sorting ------------------------------------------------------------------------------

TorrentRow make_row(std::string name, double order) {
  TorrentRow r;
  r.name = std::move(name);
  r.added_order = order;
  r.has_status = true;
  r.status.state = TorrentState::seeding;
  return r;
}

std::vector<std::size_t> order_of(const std::vector<TorrentRow>& rows, SortColumn column,
                                  bool descending) {
  return sorted_rows(rows, column, descending);
}

using Order = std::vector<std::size_t>;

TEST(ViewModel, SortByNameIgnoresCaseAndKeepsTiesInArrivalOrder) {
  std::vector<TorrentRow> rows{make_row("banana", 0), make_row("Apple", 1), make_row("cherry", 2),
                               make_row("apple", 3)};
  // "Apple" and "apple" tie: arrival order in both directions.
  EXPECT_EQ(order_of(rows, SortColumn::name, false), (Order{1, 3, 0, 2}));
  EXPECT_EQ(order_of(rows, SortColumn::name, true), (Order{2, 0, 1, 3}));
}

TEST(ViewModel, SortBySize) {
  std::vector<TorrentRow> rows{make_row("a", 0), make_row("b", 1), make_row("c", 2),
                               make_row("d", 3)};
  rows[0].total_size = 300;
  rows[1].total_size = 100;
  rows[2].total_size = 300;
  rows[3].total_size = 200;
  EXPECT_EQ(order_of(rows, SortColumn::size, false), (Order{1, 3, 0, 2}));
  EXPECT_EQ(order_of(rows, SortColumn::size, true), (Order{0, 2, 3, 1}));
}

TEST(ViewModel, SortByProgressUsesWantedBytes) {
  std::vector<TorrentRow> rows{make_row("a", 0), make_row("b", 1), make_row("c", 2),
                               make_row("d", 3)};
  rows[0].status.wanted_bytes = 1000;
  rows[0].status.wanted_done = 500;  // 0.5
  rows[1].status.wanted_bytes = 10;
  rows[1].status.wanted_done = 10;  // 1.0
  rows[2].status.wanted_bytes = 4;
  rows[2].status.wanted_done = 1;  // 0.25
  rows[3].status.wanted_bytes = 2;
  rows[3].status.wanted_done = 1;  // 0.5, ties with a
  EXPECT_EQ(order_of(rows, SortColumn::progress, false), (Order{2, 0, 3, 1}));
  EXPECT_EQ(order_of(rows, SortColumn::progress, true), (Order{1, 0, 3, 2}));
}

TEST(ViewModel, SortByStateUsesTheStateWord) {
  std::vector<TorrentRow> rows{make_row("a", 0), make_row("b", 1), make_row("c", 2),
                               make_row("d", 3)};
  rows[0].status.state = TorrentState::seeding;
  rows[1].status.state = TorrentState::downloading;
  rows[2].status.state = TorrentState::paused;
  rows[3].status.state = TorrentState::checking;
  // checking < downloading < paused < seeding
  EXPECT_EQ(order_of(rows, SortColumn::state, false), (Order{3, 1, 2, 0}));
  EXPECT_EQ(order_of(rows, SortColumn::state, true), (Order{0, 2, 1, 3}));
}

TEST(ViewModel, SortByPeersAndRates) {
  std::vector<TorrentRow> rows{make_row("a", 0), make_row("b", 1), make_row("c", 2)};
  rows[0].status.peers = 5;
  rows[1].status.peers = 1;
  rows[2].status.peers = 5;
  EXPECT_EQ(order_of(rows, SortColumn::peers, false), (Order{1, 0, 2}));
  EXPECT_EQ(order_of(rows, SortColumn::peers, true), (Order{0, 2, 1}));

  rows[0].status.down_rate = 10;
  rows[1].status.down_rate = 30;
  rows[2].status.down_rate = 20;
  EXPECT_EQ(order_of(rows, SortColumn::down_rate, false), (Order{0, 2, 1}));
  EXPECT_EQ(order_of(rows, SortColumn::down_rate, true), (Order{1, 2, 0}));

  rows[0].status.up_rate = 7;
  rows[1].status.up_rate = 7;
  rows[2].status.up_rate = 1;
  EXPECT_EQ(order_of(rows, SortColumn::up_rate, false), (Order{2, 0, 1}));
  EXPECT_EQ(order_of(rows, SortColumn::up_rate, true), (Order{0, 1, 2}));
}

TEST(ViewModel, SortByEtaPutsUnknownLastAscending) {
  std::vector<TorrentRow> rows{make_row("seeding", 0), make_row("slow", 1), make_row("fast", 2),
                               make_row("stalled", 3), make_row("fast2", 4)};
  const auto downloading = [](TorrentRow& r, std::int64_t left, double rate) {
    r.status.state = TorrentState::downloading;
    r.status.wanted_bytes = 1000;
    r.status.wanted_done = 1000 - left;
    r.status.down_rate = rate;
  };
  downloading(rows[1], 1000, 10);  // 100 s
  downloading(rows[2], 100, 10);   // 10 s
  downloading(rows[3], 500, 0);    // none
  downloading(rows[4], 50, 5);     // 10 s, ties with "fast"
  EXPECT_EQ(order_of(rows, SortColumn::eta, false), (Order{2, 4, 1, 0, 3}));
  // Descending mirrors the order but keeps ties in arrival order.
  EXPECT_EQ(order_of(rows, SortColumn::eta, true), (Order{0, 3, 1, 2, 4}));
}

TEST(ViewModel, SortByRatioUsesAllSessionTotals) {
  std::vector<TorrentRow> rows{make_row("a", 0), make_row("b", 1), make_row("c", 2),
                               make_row("d", 3)};
  rows[0].status.total_uploaded = 200;
  rows[0].status.total_downloaded = 100;  // 2.0
  rows[1].status.total_uploaded = 50;
  rows[1].status.total_downloaded = 100;  // 0.5
  rows[2].status.total_uploaded = 3;
  rows[2].status.total_downloaded = 0;  // 3 / max(1, 0) = 3.0
  rows[3].status.total_uploaded = 1;
  rows[3].status.total_downloaded = 2;  // 0.5, ties with b
  // This session's counters do not count.
  rows[1].status.uploaded = 1'000'000;
  EXPECT_EQ(order_of(rows, SortColumn::ratio, false), (Order{1, 3, 0, 2}));
  EXPECT_EQ(order_of(rows, SortColumn::ratio, true), (Order{2, 0, 1, 3}));
}

TEST(ViewModel, SortByAddedFollowsArrival) {
  ViewModel vm;
  vm.apply(added(3, "c"), 0);
  vm.apply(added(1, "a"), 0);
  vm.apply(delta({status_of(9)}), 0);  // a status-created row arrives too
  vm.apply(added(2, "b"), 0);
  EXPECT_EQ(sorted_rows(vm.rows(), SortColumn::added, false), (Order{0, 1, 2, 3}));
  EXPECT_EQ(sorted_rows(vm.rows(), SortColumn::added, true), (Order{3, 2, 1, 0}));
  // The unnamed row shows its hash hex, and digits sort before letters.
  EXPECT_EQ(sorted_rows(vm.rows(), SortColumn::name, false), (Order{2, 1, 3, 0}));
}

TEST(ViewModel, SortEdgeCases) {
  const std::vector<TorrentRow> none;
  EXPECT_TRUE(sorted_rows(none, SortColumn::name, false).empty());
  // Rows without a status sort as zeros; everything equal keeps arrival order.
  std::vector<TorrentRow> rows(4);
  for (const SortColumn column :
       {SortColumn::name, SortColumn::size, SortColumn::progress, SortColumn::state,
        SortColumn::peers, SortColumn::down_rate, SortColumn::up_rate, SortColumn::eta,
        SortColumn::ratio, SortColumn::added}) {
    EXPECT_EQ(sorted_rows(rows, column, false), (Order{0, 1, 2, 3}));
    EXPECT_EQ(sorted_rows(rows, column, true), (Order{0, 1, 2, 3}));
  }
  // A NaN rate must not break the sort (it reads as 0).
  rows[1].status.down_rate = std::nan("");
  rows[2].status.down_rate = 5;
  EXPECT_EQ(sorted_rows(rows, SortColumn::down_rate, true), (Order{2, 0, 1, 3}));
}

// --- eta, progress, ratio -----------------------------------------------------------------

TEST(ViewModel, EtaSeconds) {
  TorrentStatus s;
  s.state = TorrentState::downloading;
  s.wanted_bytes = 10'000;
  s.wanted_done = 9'000;
  s.down_rate = 100;
  EXPECT_EQ(eta_seconds(s), 10);
  s.wanted_done = 8'999;  // rounds up: 10.01 s shows as 11
  EXPECT_EQ(eta_seconds(s), 11);
  s.wanted_done = 10'000;
  EXPECT_EQ(eta_seconds(s), 0);

  s.wanted_done = 0;
  s.down_rate = 0;
  EXPECT_FALSE(eta_seconds(s));
  s.down_rate = 0.4;  // ~0
  EXPECT_FALSE(eta_seconds(s));
  s.down_rate = std::nan("");
  EXPECT_FALSE(eta_seconds(s));
  s.down_rate = std::numeric_limits<double>::infinity();
  EXPECT_EQ(eta_seconds(s), 0);

  s.down_rate = 100;
  for (const TorrentState state : {TorrentState::seeding, TorrentState::paused,
                                   TorrentState::checking, TorrentState::queued}) {
    s.state = state;
    EXPECT_FALSE(eta_seconds(s)) << to_string(state);
  }

  // Huge and slow: a number, no overflow.
  s.state = TorrentState::downloading;
  s.wanted_bytes = std::numeric_limits<std::int64_t>::max();
  s.wanted_done = 0;
  s.down_rate = 1;
  ASSERT_TRUE(eta_seconds(s));
  EXPECT_EQ(*eta_seconds(s), std::numeric_limits<std::int64_t>::max());
}

TEST(ViewModel, ProgressAndRatio) {
  TorrentStatus s;
  EXPECT_EQ(progress_fraction(s), 0.0);
  s.complete = true;  // wants nothing and has it
  EXPECT_EQ(progress_fraction(s), 1.0);
  s.wanted_bytes = 400;
  s.wanted_done = 100;
  EXPECT_EQ(progress_fraction(s), 0.25);

  EXPECT_EQ(share_ratio(s), 0.0);
  s.total_uploaded = 5;
  EXPECT_EQ(share_ratio(s), 5.0);  // nothing downloaded: divided by 1
  s.total_downloaded = 10;
  EXPECT_EQ(share_ratio(s), 0.5);
}

TEST(ViewModel, KeepsTheLastSettingsReported) {
  ViewModel model;
  EXPECT_FALSE(model.settings().has_value());
  model.apply(engine::SettingsState{1024, 0, 3, 5}, 0.0);
  model.apply(engine::SettingsState{2048, 4096, -1, 2}, 1.0);
  ASSERT_TRUE(model.settings().has_value());
  EXPECT_EQ(model.settings()->upload_limit, 2048);
  EXPECT_EQ(model.settings()->download_limit, 4096);
  EXPECT_EQ(model.settings()->max_active_downloads, -1);
  EXPECT_EQ(model.settings()->max_active_seeds, 2);
}

}  // namespace
}  // namespace lt
