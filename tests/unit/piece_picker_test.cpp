#include "core/piece_picker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lt {
namespace {

// Four blocks per piece unless a test says otherwise.
constexpr std::int64_t kPiece = std::int64_t{4} * kBlockSize;

Bitfield bits(std::string_view s) {
  return Bitfield::from_string(s);
}

// Availability from a digit string: "3120" adds three synthetic peers whose bitfields give
// piece 0 three copies, piece 1 one, and so on.
void add_availability(PiecePicker& picker, std::string_view digits) {
  const char top = digits.empty() ? '0' : *std::max_element(digits.begin(), digits.end());
  for (char level = '1'; level <= top; ++level) {
    std::string peer(digits.size(), '0');
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (digits[i] >= level) peer[i] = '1';
    }
    picker.peer_has_bitfield(bits(peer));
  }
}

// A picker over pieces of kPiece bytes: `have` marks the pieces we have ("1100").
PiecePicker make_picker(std::string_view have, std::string_view avail, std::uint64_t seed = 1) {
  const auto n = static_cast<std::int64_t>(have.size());
  PiecePicker picker(PieceGeometry(n * kPiece, kPiece), seed);
  for (std::size_t i = 0; i < have.size(); ++i) {
    if (have[i] == '1') picker.set_have(PieceIndex(static_cast<std::int32_t>(i)));
  }
  add_availability(picker, avail);
  return picker;
}

// The distinct pieces of a pick, in order of first appearance.
std::vector<int> pieces_of(const std::vector<BlockRequest>& requests) {
  std::vector<int> out;
  for (const BlockRequest& r : requests) {
    if (std::find(out.begin(), out.end(), r.piece.get()) == out.end()) out.push_back(r.piece.get());
  }
  return out;
}

// The first piece the picker starts for a peer with `peer_has`.
int first_piece(PiecePicker& picker, std::string_view peer_has, PeerKey peer = 1) {
  const auto picked = picker.pick(bits(peer_has), false, 1, peer);
  return picked.empty() ? -1 : picked.front().piece.get();
}

BlockRequest block(int piece, int index, std::int32_t length = kBlockSize) {
  return {PieceIndex(piece), index * kBlockSize, length};
}

BlockResult receive(PiecePicker& picker, const BlockRequest& r, PeerKey from) {
  std::vector<PeerKey> cancel;
  return picker.on_block(r, from, cancel);
}

TEST(PiecePickerTest, RarestMissingPieceFirst) {
  PiecePicker picker = make_picker("11110000", "33332143");
  const auto picked = picker.pick(bits("11111111"), false, 4, 1);
  EXPECT_EQ(picked,
            (std::vector<BlockRequest>{block(5, 0), block(5, 1), block(5, 2), block(5, 3)}));
  // The next peer finds piece 5 fully requested and starts the next rarest, then the next.
  EXPECT_EQ(pieces_of(picker.pick(bits("11111111"), false, 8, 2)), (std::vector<int>{4, 7}));
  EXPECT_EQ(picker.state(PieceIndex(5)), PieceState::downloading);
  EXPECT_EQ(picker.state(PieceIndex(6)), PieceState::missing);
  EXPECT_EQ(picker.state(PieceIndex(0)), PieceState::have);
}

TEST(PiecePickerTest, RarestIncludesPiecesNobodyElseAnnounced) {
  // have "1111 0000", availability "3333 3102": piece 6 is the rarest the peer offers.
  PiecePicker picker = make_picker("11110000", "33333102");
  EXPECT_EQ(first_piece(picker, "11111111"), 6);
}

TEST(PiecePickerTest, RarestAmongThePeersPieces) {
  PiecePicker picker = make_picker("11110000", "33331243");
  EXPECT_EQ(first_piece(picker, "11110011"), 7);
  EXPECT_EQ(first_piece(picker, "00000000"), -1);
  EXPECT_EQ(first_piece(picker, "11110000"), -1);
}

TEST(PiecePickerTest, AvailabilityChangesReorder) {
  PiecePicker picker = make_picker("111100000", "333312222");
  picker.peer_has(PieceIndex(4));
  picker.peer_has(PieceIndex(4));
  picker.peer_has_bitfield(bits("000000111"));
  // Availability now 3,3,3,3 | 3,2,3,3,3: piece 5 is the rarest.
  EXPECT_EQ(picker.availability(PieceIndex(4)), 3);
  EXPECT_EQ(pieces_of(picker.pick(bits("111111111"), false, 4, 1)), (std::vector<int>{5}));
  picker.peer_lost_bitfield(bits("000000111"));
  picker.peer_lost_bitfield(bits("000000010"));
  // Piece 7 dropped to 1.
  EXPECT_EQ(picker.availability(PieceIndex(7)), 1);
  EXPECT_EQ(first_piece(picker, "111111111", 2), 7);
  // A bitfield of the wrong size is ignored.
  picker.peer_has_bitfield(bits("1"));
  EXPECT_EQ(picker.availability(PieceIndex(0)), 3);
}

TEST(PiecePickerTest, TiesAreRandomButDeterministic) {
  std::set<int> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker a = make_picker("111100000000", "222222222222", seed);
    PiecePicker b = make_picker("111100000000", "222222222222", seed);
    const int first = first_piece(a, "111111111111");
    EXPECT_EQ(first, first_piece(b, "111111111111"));
    EXPECT_GE(first, 4);
    firsts.insert(first);
  }
  EXPECT_GE(firsts.size(), 4u);
}

TEST(PiecePickerTest, RandomFirstBelowFourPieces) {
  // Rarest first would always choose piece 0; below four pieces had the choice is random.
  std::set<int> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker a = make_picker("00000000", "12345678", seed);
    PiecePicker b = make_picker("00000000", "12345678", seed);
    const int first = first_piece(a, "11111111");
    EXPECT_EQ(first, first_piece(b, "11111111"));
    firsts.insert(first);
  }
  EXPECT_GE(firsts.size(), 4u);
  // At three pieces still random, at four rarest first.
  std::set<int> with_three;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker p = make_picker("111000000000", "999123456789", seed);
    with_three.insert(first_piece(p, "111111111111"));
  }
  EXPECT_GE(with_three.size(), 3u);
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker p = make_picker("111100000000", "999912345678", seed);
    EXPECT_EQ(first_piece(p, "111111111111"), 4);
  }
}

TEST(PiecePickerTest, RandomFirstOnlyAmongThePeersPieces) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker p = make_picker("0000000000", "1111111111", seed);
    const int first = first_piece(p, "0001000100");
    EXPECT_TRUE(first == 3 || first == 7) << first;
  }
}

// A peer that has only a few pieces far back in the order: the walk gives up early and a scan
// of its bitfield decides, with the same answer.
TEST(PiecePickerTest, SparsePeerInALargeTorrent) {
  constexpr std::int32_t kPieces = 3000;
  const auto sparse = [](std::initializer_list<int> pieces) {
    Bitfield b(kPieces);
    for (const int p : pieces)
      b.set(PieceIndex(p));
    return b;
  };
  PiecePicker picker(PieceGeometry(kPieces * kPiece, kPiece), 4);
  for (int p = 0; p < 4; ++p)
    picker.set_have(PieceIndex(p));
  picker.peer_has_bitfield(Bitfield(kPieces, true));
  picker.peer_has_bitfield(sparse({2000, 2500, 2999}));
  picker.peer_has_bitfield(sparse({2000, 2999}));
  const Bitfield peer = sparse({2000, 2500, 2999});
  EXPECT_EQ(pieces_of(picker.pick(peer, false, 4, 1)), (std::vector<int>{2500}));
  picker.set_priority(PieceIndex(2999), Priority::high);
  EXPECT_EQ(pieces_of(picker.pick(peer, false, 4, 1)), (std::vector<int>{2999}));
  picker.set_sequential(true);
  picker.set_priority(PieceIndex(2000), Priority::low);
  picker.abort_peer(1);
  EXPECT_EQ(pieces_of(picker.pick(peer, false, 12, 1)), (std::vector<int>{2999, 2500, 2000}));

  // Random first: only the peer's pieces, several of them across seeds.
  std::set<int> firsts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    PiecePicker fresh(PieceGeometry(kPieces * kPiece, kPiece), seed);
    fresh.peer_has_bitfield(Bitfield(kPieces, true));
    const auto picked = fresh.pick(sparse({10, 1500, 2400, 2999}), false, 1, 1);
    ASSERT_EQ(picked.size(), 1u);
    firsts.insert(picked[0].piece.get());
  }
  EXPECT_GE(firsts.size(), 3u);
  for (const int p : firsts)
    EXPECT_TRUE(p == 10 || p == 1500 || p == 2400 || p == 2999) << p;
}

TEST(PiecePickerTest, SkippedPiecesAreNeverPicked) {
  PiecePicker picker = make_picker("11110000", "33331222");
  picker.set_priority(PieceIndex(4), Priority::skip);
  EXPECT_EQ(picker.priority(PieceIndex(4)), Priority::skip);
  const auto picked = picker.pick(bits("11111111"), false, 100, 1);
  EXPECT_EQ(picked.size(), 12u);
  for (const BlockRequest& r : picked)
    EXPECT_NE(r.piece.get(), 4);
  // Only the skipped piece is left: nothing to pick, and no end game over it.
  for (int p = 5; p < 8; ++p)
    picker.set_have(PieceIndex(p));
  EXPECT_TRUE(picker.pick(bits("11111111"), true, 10, 2).empty());
  EXPECT_FALSE(picker.in_endgame());
  // Un-skipping makes it wanted again.
  picker.set_priority(PieceIndex(4), Priority::low);
  EXPECT_EQ(pieces_of(picker.pick(bits("11111111"), false, 4, 2)), (std::vector<int>{4}));
}

TEST(PiecePickerTest, HigherPriorityBeforeRarer) {
  PiecePicker picker = make_picker("111100000", "999912399");
  picker.set_priority(PieceIndex(6), Priority::high);
  picker.set_priority(PieceIndex(4), Priority::low);
  const auto picked = picker.pick(bits("111111111"), false, 20, 1);
  // high (6), then normal by rarity (5, then 7 and 8 in a seeded order), then low (4).
  const std::vector<int> order = pieces_of(picked);
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0], 6);
  EXPECT_EQ(order[1], 5);
  EXPECT_EQ(order[4], 4);
  // Priorities above high are stored as high.
  picker.set_priority(PieceIndex(0), static_cast<Priority>(200));
  EXPECT_EQ(picker.priority(PieceIndex(0)), Priority::high);
}

TEST(PiecePickerTest, SequentialTakesLowestIndexWithinPriority) {
  PiecePicker picker = make_picker("1111000000", "1111991111");
  picker.set_sequential(true);
  EXPECT_TRUE(picker.sequential());
  EXPECT_EQ(pieces_of(picker.pick(bits("1111111111"), false, 8, 1)), (std::vector<int>{4, 5}));
  // Priority still comes first, and a peer without piece 6 skips it.
  picker.set_priority(PieceIndex(9), Priority::high);
  EXPECT_EQ(pieces_of(picker.pick(bits("1111110111"), false, 8, 2)), (std::vector<int>{9, 7}));
  picker.set_sequential(false);
  // Back to rarest first (6 is no rarer than 8, seeded tie).
  const int next = first_piece(picker, "1111111111", 3);
  EXPECT_TRUE(next == 6 || next == 8) << next;
}

TEST(PiecePickerTest, SequentialWorksBelowFourPiecesToo) {
  PiecePicker picker = make_picker("000000", "111111", 9);
  picker.set_sequential(true);
  EXPECT_EQ(pieces_of(picker.pick(bits("001111"), false, 8, 1)), (std::vector<int>{2, 3}));
}

TEST(PiecePickerTest, PartialPiecesFirst) {
  PiecePicker picker = make_picker("111100000", "333312222");
  EXPECT_EQ(picker.pick(bits("111111111"), false, 2, 1),
            (std::vector<BlockRequest>{block(4, 0), block(4, 1)}));
  // Piece 4 is no longer the rarest, but the next peer finishes it before starting another.
  for (int i = 0; i < 5; ++i)
    picker.peer_has(PieceIndex(4));
  const auto picked = picker.pick(bits("111111111"), false, 3, 2);
  ASSERT_EQ(picked.size(), 3u);
  EXPECT_EQ(picked, (std::vector<BlockRequest>{block(4, 2), block(4, 3), picked[2]}));
  EXPECT_NE(picked[2].piece.get(), 4);
  EXPECT_EQ(picked[2].begin, 0);
  // A piece with received blocks but no requests is still partial.
  EXPECT_EQ(receive(picker, block(4, 0), 1), BlockResult::accepted);
  picker.abort_peer(1);
  picker.abort_peer(2);
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::downloading);
  EXPECT_EQ(picker.pick(bits("111111111"), false, 3, 3),
            (std::vector<BlockRequest>{block(4, 1), block(4, 2), block(4, 3)}));
}

TEST(PiecePickerTest, PreferWholePiecesAvoidsSharedPieces) {
  PiecePicker picker = make_picker("1111000000", "3333122222");
  EXPECT_EQ(pieces_of(picker.pick(bits("1111111111"), false, 2, 1)), (std::vector<int>{4}));
  const PickOptions whole{.prefer_whole_pieces = true};
  const auto fast = picker.pick(bits("1111111111"), false, 4, 2, whole);
  ASSERT_EQ(fast.size(), 4u);
  const int own = fast.front().piece.get();
  EXPECT_NE(own, 4);
  EXPECT_EQ(pieces_of(fast), (std::vector<int>{own}));
  // It continues its own piece after an abort left a hole in it, before anything else.
  picker.abort_request(fast[1], 2);
  EXPECT_EQ(picker.pick(bits("1111111111"), false, 1, 2, whole),
            (std::vector<BlockRequest>{fast[1]}));
  // The four fresh pieces left, then it joins the shared piece 4; with nothing free the end
  // game hands it the blocks peer 1 has requested.
  const auto rest = picker.pick(bits("1111111111"), false, 100, 2, whole);
  ASSERT_EQ(rest.size(), 4u * 4u + 4u);
  EXPECT_EQ(pieces_of({rest.begin(), rest.begin() + 16}).size(), 4u);
  EXPECT_EQ(std::vector<BlockRequest>(rest.begin() + 16, rest.end()),
            (std::vector<BlockRequest>{block(4, 2), block(4, 3), block(4, 0), block(4, 1)}));
  EXPECT_TRUE(picker.in_endgame());
}

TEST(PiecePickerTest, EndGameDuplicatesCappedAtThreeAndNeverTwiceToOnePeer) {
  PiecePicker picker = make_picker("11110", "22222");
  EXPECT_FALSE(picker.in_endgame());
  EXPECT_EQ(picker.pick(bits("11111"), false, 2, 1).size(), 2u);
  EXPECT_FALSE(picker.in_endgame());
  EXPECT_EQ(picker.pick(bits("11111"), false, 2, 1).size(), 2u);
  EXPECT_TRUE(picker.in_endgame());
  // The same peer gets nothing more.
  EXPECT_TRUE(picker.pick(bits("11111"), false, 10, 1).empty());
  // Two more peers get every block once each, a fourth none.
  EXPECT_EQ(picker.pick(bits("11111"), false, 10, 2).size(), 4u);
  const auto third = picker.pick(bits("11111"), false, 10, 3);
  EXPECT_EQ(third, (std::vector<BlockRequest>{block(4, 0), block(4, 1), block(4, 2), block(4, 3)}));
  EXPECT_TRUE(picker.pick(bits("11111"), false, 10, 4).empty());
  // The first copy wins and the other requesters get a cancel.
  std::vector<PeerKey> cancel;
  EXPECT_EQ(picker.on_block(block(4, 1), 2, cancel), BlockResult::accepted);
  std::sort(cancel.begin(), cancel.end());
  EXPECT_EQ(cancel, (std::vector<PeerKey>{1, 3}));
  EXPECT_EQ(picker.outstanding_requests(1), 3);
  EXPECT_EQ(picker.outstanding_requests(2), 3);
  EXPECT_EQ(picker.on_block(block(4, 1), 3, cancel), BlockResult::duplicate);
  EXPECT_TRUE(cancel.empty());
  // Peer 3 leaves: its blocks drop to two requesters, so peer 4 may have one.
  picker.abort_peer(3);
  EXPECT_EQ(picker.pick(bits("11111"), false, 1, 4), (std::vector<BlockRequest>{block(4, 0)}));
}

TEST(PiecePickerTest, EndGameBlocksWithFewestRequestersFirst) {
  PiecePicker picker = make_picker("11110", "22222");
  ASSERT_EQ(picker.pick(bits("11111"), false, 4, 1).size(), 4u);
  ASSERT_EQ(picker.pick(bits("11111"), false, 1, 2), (std::vector<BlockRequest>{block(4, 0)}));
  EXPECT_EQ(picker.pick(bits("11111"), false, 3, 3),
            (std::vector<BlockRequest>{block(4, 1), block(4, 2), block(4, 3)}));
}

TEST(PiecePickerTest, AbortRequestFreesTheBlock) {
  PiecePicker picker = make_picker("11110", "22222");
  const auto picked = picker.pick(bits("11111"), false, 4, 1);
  ASSERT_EQ(picked.size(), 4u);
  picker.abort_request(block(4, 1), 1);
  EXPECT_EQ(picker.outstanding_requests(1), 3);
  EXPECT_FALSE(picker.in_endgame());
  EXPECT_EQ(picker.pick(bits("11111"), false, 1, 2), (std::vector<BlockRequest>{block(4, 1)}));
  // Aborting a request the peer never made changes nothing.
  picker.abort_request(block(4, 1), 1);
  picker.abort_request(block(4, 1), 9);
  picker.abort_request({PieceIndex(4), 5, 10}, 2);
  EXPECT_EQ(picker.outstanding_requests(2), 1);
  // With every request gone and nothing received the piece is missing again.
  picker.abort_peer(1);
  picker.abort_request(block(4, 1), 2);
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::missing);
  EXPECT_EQ(picker.outstanding_requests(1), 0);
  EXPECT_EQ(picker.pick(bits("11111"), false, 4, 3), picked);
}

TEST(PiecePickerTest, AbortInEndGameKeepsOtherRequesters) {
  PiecePicker picker = make_picker("11110", "22222");
  ASSERT_EQ(picker.pick(bits("11111"), false, 4, 1).size(), 4u);
  ASSERT_EQ(picker.pick(bits("11111"), false, 4, 2).size(), 4u);
  picker.abort_peer(1);
  EXPECT_TRUE(picker.in_endgame());
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::downloading);
  // Peer 1 may request them again: its earlier requests are gone.
  EXPECT_EQ(picker.pick(bits("11111"), false, 4, 1).size(), 4u);
}

TEST(PiecePickerTest, AbortPeerFreesAllItsRequests) {
  PiecePicker picker = make_picker("1111000", "2222123");
  const auto picked = picker.pick(bits("1111111"), false, 6, 1);
  EXPECT_EQ(pieces_of(picked), (std::vector<int>{4, 5}));
  EXPECT_EQ(picker.requests_of(1), picked);
  picker.abort_peer(1);
  EXPECT_EQ(picker.outstanding_requests(1), 0);
  EXPECT_TRUE(picker.requests_of(1).empty());
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::missing);
  EXPECT_EQ(picker.state(PieceIndex(5)), PieceState::missing);
  EXPECT_EQ(picker.pick(bits("1111111"), false, 6, 2), picked);
  picker.abort_peer(77);  // unknown peer
}

TEST(PiecePickerTest, OnBlockResults) {
  PiecePicker picker = make_picker("11110000", "22221222");
  const auto picked = picker.pick(bits("11111111"), false, 2, 1);
  ASSERT_EQ(picked, (std::vector<BlockRequest>{block(4, 0), block(4, 1)}));
  std::vector<PeerKey> cancel{42};
  EXPECT_EQ(picker.on_block(block(4, 0), 1, cancel), BlockResult::accepted);
  EXPECT_TRUE(cancel.empty());
  EXPECT_EQ(picker.outstanding_requests(1), 1);
  EXPECT_EQ(picker.on_block(block(4, 0), 1, cancel), BlockResult::duplicate);
  // Block 1 arrives from another peer first: accepted, and peer 1 is told to cancel.
  EXPECT_EQ(picker.on_block(block(4, 1), 2, cancel), BlockResult::accepted);
  EXPECT_EQ(cancel, (std::vector<PeerKey>{1}));
  EXPECT_EQ(picker.outstanding_requests(1), 0);
  // A wanted block nobody requested is still good data.
  EXPECT_EQ(receive(picker, block(6, 0), 3), BlockResult::accepted);
  EXPECT_EQ(picker.state(PieceIndex(6)), PieceState::downloading);
  // Not a block of ours: misaligned, wrong length, out of range.
  EXPECT_EQ(receive(picker, {PieceIndex(4), 100, kBlockSize}, 1), BlockResult::unexpected);
  EXPECT_EQ(receive(picker, {PieceIndex(4), 0, 100}, 1), BlockResult::unexpected);
  EXPECT_EQ(receive(picker, block(8, 0), 1), BlockResult::unexpected);
  // A piece we have: duplicate.
  EXPECT_EQ(receive(picker, block(0, 0), 1), BlockResult::duplicate);
  // A skipped piece: unexpected unless requested from that peer before it was skipped.
  picker.set_priority(PieceIndex(7), Priority::skip);
  EXPECT_EQ(receive(picker, block(7, 0), 1), BlockResult::unexpected);
  const auto more = picker.pick(bits("11111111"), false, 1, 4);
  ASSERT_EQ(more.size(), 1u);
  picker.set_priority(more[0].piece, Priority::skip);
  EXPECT_EQ(receive(picker, more[0], 5), BlockResult::unexpected);
  EXPECT_EQ(receive(picker, more[0], 4), BlockResult::accepted);
}

TEST(PiecePickerTest, HashFailureDownloadsThePieceAgain) {
  PiecePicker picker = make_picker("11110", "22222");
  const auto picked = picker.pick(bits("11111"), false, 4, 1);
  ASSERT_EQ(picked.size(), 4u);
  for (const BlockRequest& r : picked) {
    EXPECT_FALSE(picker.all_blocks_received(PieceIndex(4)));
    EXPECT_EQ(receive(picker, r, 1), BlockResult::accepted);
  }
  EXPECT_TRUE(picker.all_blocks_received(PieceIndex(4)));
  EXPECT_FALSE(picker.in_endgame());
  picker.on_hash_failed(PieceIndex(4));
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::missing);
  EXPECT_FALSE(picker.all_blocks_received(PieceIndex(4)));
  EXPECT_EQ(picker.pick(bits("11111"), false, 4, 2), picked);
  for (const BlockRequest& r : picked)
    EXPECT_EQ(receive(picker, r, 2), BlockResult::accepted);
  picker.on_hash_passed(PieceIndex(4));
  EXPECT_EQ(picker.state(PieceIndex(4)), PieceState::have);
  EXPECT_FALSE(picker.all_blocks_received(PieceIndex(4)));
  EXPECT_TRUE(picker.wanted_complete());
  EXPECT_EQ(picker.wanted_bytes_left(), 0);
  EXPECT_EQ(receive(picker, picked[0], 3), BlockResult::duplicate);
}

TEST(PiecePickerTest, LastPieceIsShortWithAShortLastBlock) {
  // Three pieces of 4 blocks; the last has 1 full block and 100 bytes.
  const std::int64_t total = 2 * kPiece + kBlockSize + 100;
  PiecePicker picker(PieceGeometry(total, kPiece), 3);
  EXPECT_EQ(picker.wanted_bytes_left(), total);
  picker.set_sequential(true);
  const auto picked = picker.pick(Bitfield{}, true, 100, 1);
  ASSERT_EQ(picked.size(), 10u);
  EXPECT_EQ(picked[8], block(2, 0));
  EXPECT_EQ(picked[9], block(2, 1, 100));
  std::int64_t bytes = 0;
  for (const BlockRequest& r : picked)
    bytes += r.length;
  EXPECT_EQ(bytes, total);
  EXPECT_EQ(receive(picker, block(2, 1, kBlockSize), 1), BlockResult::unexpected);
  EXPECT_EQ(receive(picker, block(2, 1, 100), 1), BlockResult::accepted);
  EXPECT_EQ(receive(picker, block(2, 0), 1), BlockResult::accepted);
  EXPECT_TRUE(picker.all_blocks_received(PieceIndex(2)));
  picker.on_hash_passed(PieceIndex(2));
  EXPECT_EQ(picker.wanted_bytes_left(), 2 * kPiece);
}

TEST(PiecePickerTest, OnePieceTorrent) {
  PiecePicker picker(PieceGeometry(1000, kBlockSize), 5);
  EXPECT_EQ(picker.geometry().num_pieces(), 1);
  const auto picked = picker.pick(bits("1"), false, 10, 1);
  EXPECT_EQ(picked, (std::vector<BlockRequest>{{PieceIndex(0), 0, 1000}}));
  EXPECT_TRUE(picker.in_endgame());
  EXPECT_EQ(picker.pick(bits("1"), false, 10, 2), picked);
  std::vector<PeerKey> cancel;
  EXPECT_EQ(picker.on_block(picked[0], 2, cancel), BlockResult::accepted);
  EXPECT_EQ(cancel, (std::vector<PeerKey>{1}));
  EXPECT_TRUE(picker.all_blocks_received(PieceIndex(0)));
  EXPECT_FALSE(picker.in_endgame());
  picker.on_hash_passed(PieceIndex(0));
  EXPECT_TRUE(picker.wanted_complete());
  EXPECT_EQ(picker.num_have(), 1);
  EXPECT_TRUE(picker.have_bitfield().all());
  EXPECT_TRUE(picker.pick(bits("1"), false, 10, 1).empty());
}

TEST(PiecePickerTest, HaveAllPeersAreOneCounter) {
  PiecePicker picker = make_picker("11110000", "00001222");
  picker.peer_has_all();
  picker.peer_has_all();
  picker.peer_has_all();
  EXPECT_EQ(picker.availability(PieceIndex(4)), 4);
  EXPECT_EQ(picker.availability(PieceIndex(5)), 5);
  EXPECT_EQ(picker.availability(PieceIndex(0)), 3);
  // Seeds add the same to every piece, so rarest first is unchanged.
  EXPECT_EQ(first_piece(picker, "11111110"), 4);
  picker.peer_lost_all();
  EXPECT_EQ(picker.availability(PieceIndex(4)), 3);
  picker.peer_lost_all();
  picker.peer_lost_all();
  picker.peer_lost_all();
  EXPECT_EQ(picker.availability(PieceIndex(4)), 1);
  EXPECT_EQ(picker.availability(PieceIndex(100)), 0);
}

TEST(PiecePickerTest, WantedCompleteWithSkippedPieces) {
  PiecePicker picker = make_picker("0000", "");
  EXPECT_FALSE(picker.wanted_complete());
  picker.set_priority(PieceIndex(1), Priority::skip);
  picker.set_priority(PieceIndex(2), Priority::skip);
  picker.set_have(PieceIndex(0));
  EXPECT_FALSE(picker.wanted_complete());
  picker.set_have(PieceIndex(3));
  EXPECT_TRUE(picker.wanted_complete());
  EXPECT_TRUE(picker.pick(bits("1111"), false, 10, 1).empty());
  picker.set_priority(PieceIndex(2), Priority::normal);
  EXPECT_FALSE(picker.wanted_complete());
  EXPECT_EQ(picker.wanted_bytes_left(), kPiece);
  // Skipping a piece we have changes nothing.
  picker.set_priority(PieceIndex(0), Priority::skip);
  EXPECT_EQ(picker.wanted_bytes_left(), kPiece);
  picker.set_have(PieceIndex(2));
  EXPECT_TRUE(picker.wanted_complete());
}

TEST(PiecePickerTest, WantedBytesLeft) {
  const std::int64_t total = 3 * kPiece + 500;
  PiecePicker picker(PieceGeometry(total, kPiece), 1);
  EXPECT_EQ(picker.wanted_bytes_left(), total);
  picker.set_priority(PieceIndex(3), Priority::skip);
  EXPECT_EQ(picker.wanted_bytes_left(), 3 * kPiece);
  picker.set_priority(PieceIndex(3), Priority::high);
  picker.set_priority(PieceIndex(3), Priority::low);
  EXPECT_EQ(picker.wanted_bytes_left(), total);
  picker.set_have(PieceIndex(3));
  picker.set_have(PieceIndex(3));
  picker.set_have(PieceIndex(0));
  EXPECT_EQ(picker.wanted_bytes_left(), 2 * kPiece);
  // Received but unverified blocks are still left.
  const auto picked = picker.pick(Bitfield{}, true, 1, 1);
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(receive(picker, picked[0], 1), BlockResult::accepted);
  EXPECT_EQ(picker.wanted_bytes_left(), 2 * kPiece);
}

TEST(PiecePickerTest, SetHaveForgetsOutstandingRequests) {
  PiecePicker picker = make_picker("11110", "22222");
  ASSERT_EQ(picker.pick(bits("11111"), false, 4, 1).size(), 4u);
  picker.set_have(PieceIndex(4));
  EXPECT_EQ(picker.outstanding_requests(1), 0);
  EXPECT_FALSE(picker.in_endgame());
  EXPECT_EQ(receive(picker, block(4, 0), 1), BlockResult::duplicate);
}

TEST(PiecePickerTest, BadInputsAreIgnored) {
  PiecePicker picker = make_picker("0000", "1111");
  EXPECT_TRUE(picker.pick(bits("111"), false, 4, 1).empty());
  EXPECT_TRUE(picker.pick(bits("1111"), false, 0, 1).empty());
  picker.set_have(PieceIndex(4));
  picker.set_priority(PieceIndex(-1), Priority::high);
  picker.peer_has(PieceIndex(9));
  picker.on_hash_failed(PieceIndex(2));
  picker.on_hash_failed(PieceIndex(12));
  EXPECT_EQ(picker.num_have(), 0);
  EXPECT_EQ(picker.priority(PieceIndex(7)), Priority::skip);
  EXPECT_EQ(picker.state(PieceIndex(7)), PieceState::missing);
  EXPECT_FALSE(picker.all_blocks_received(PieceIndex(-3)));
}

// Random churn against a brute-force rarest-first: availability up and down, priorities,
// pieces had, pieces started and given back. Checks the bucketed order never drifts.
TEST(PiecePickerTest, OrderMatchesBruteForceUnderChurn) {
  constexpr int kPieces = 40;
  PiecePicker picker(PieceGeometry(kPieces * kPiece, kPiece), 11);
  std::vector<int> avail(kPieces, 0);
  std::vector<Bitfield> peers;
  std::uint64_t state = 12345;
  const auto next = [&state](int bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state >> 33) % static_cast<std::uint64_t>(bound));
  };
  for (int p = 0; p < 4; ++p)
    picker.set_have(PieceIndex(p));
  for (int step = 0; step < 3000; ++step) {
    const int action = next(10);
    if (action < 3 || peers.empty()) {
      Bitfield b(kPieces);
      for (int i = 0; i < kPieces; ++i) {
        if (next(3) == 0) b.set(PieceIndex(i));
      }
      picker.peer_has_bitfield(b);
      for (int i = 0; i < kPieces; ++i)
        avail[static_cast<std::size_t>(i)] += b.test(PieceIndex(i)) ? 1 : 0;
      peers.push_back(b);
    } else if (action < 5) {
      const auto k = static_cast<std::size_t>(next(static_cast<int>(peers.size())));
      picker.peer_lost_bitfield(peers[k]);
      for (int i = 0; i < kPieces; ++i)
        avail[static_cast<std::size_t>(i)] -= peers[k].test(PieceIndex(i)) ? 1 : 0;
      peers.erase(peers.begin() + static_cast<std::ptrdiff_t>(k));
    } else if (action < 6) {
      constexpr std::array<std::uint8_t, 5> kLevels = {0, 1, 4, 7, 5};
      picker.set_priority(PieceIndex(next(kPieces)),
                          static_cast<Priority>(kLevels[static_cast<std::size_t>(next(5))]));
    } else if (action < 7 && next(8) == 0) {
      picker.set_have(PieceIndex(next(kPieces)));
    } else {
      Bitfield asker(kPieces);
      for (int i = 0; i < kPieces; ++i) {
        if (next(2) == 0) asker.set(PieceIndex(i));
      }
      // Expected: among missing, wanted pieces the asker has, highest priority then lowest
      // availability.
      int best_level = 0;
      int best_avail = 0;
      for (int i = 0; i < kPieces; ++i) {
        const PieceIndex p(i);
        const int level = static_cast<int>(picker.priority(p));
        if (picker.have(p) || level == 0 || !asker.test(p)) continue;
        const int a = avail[static_cast<std::size_t>(i)];
        if (level > best_level || (level == best_level && a < best_avail)) {
          best_level = level;
          best_avail = a;
        }
      }
      const auto picked = picker.pick(asker, false, 1, 1);
      if (best_level == 0) {
        EXPECT_TRUE(picked.empty());
        continue;
      }
      ASSERT_EQ(picked.size(), 1u);
      const PieceIndex got = picked[0].piece;
      EXPECT_EQ(static_cast<int>(picker.priority(got)), best_level) << step;
      EXPECT_EQ(avail[static_cast<std::size_t>(got.get())], best_avail) << step;
      EXPECT_EQ(picker.availability(got), best_avail);
      picker.abort_peer(1);
      EXPECT_EQ(picker.state(got), PieceState::missing);
    }
  }
}

// A random session against a model of the outstanding requests and received blocks: picks,
// arrivals, aborts, hash failures, HAVEs and priority changes in any order, then a finish.
TEST(PiecePickerTest, RandomSessionKeepsInvariants) {
  constexpr int kPieces = 24;
  constexpr int kPeers = 5;
  const PieceGeometry geometry(kPieces * kPiece - 3000, kPiece);
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    PiecePicker picker(geometry, seed);
    std::uint64_t state = seed * 7919 + 1;
    const auto next = [&state](int bound) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<int>((state >> 33) % static_cast<std::uint64_t>(bound));
    };
    std::vector<Bitfield> has;
    for (int k = 0; k < kPeers; ++k) {
      Bitfield b(kPieces);
      for (int i = 0; i < kPieces; ++i) {
        if (next(2) == 0) b.set(PieceIndex(i));
      }
      picker.peer_has_bitfield(b);
      has.push_back(b);
    }
    std::vector<std::vector<BlockRequest>> outstanding(kPeers);
    std::set<BlockRequest> received;
    const auto requesters = [&](const BlockRequest& r) {
      std::vector<PeerKey> out;
      for (int k = 0; k < kPeers; ++k) {
        const auto& o = outstanding[static_cast<std::size_t>(k)];
        if (std::find(o.begin(), o.end(), r) != o.end()) out.push_back(static_cast<PeerKey>(k));
      }
      return out;
    };
    const auto forget = [&](PeerKey k, const BlockRequest& r) {
      auto& o = outstanding[k];
      o.erase(std::find(o.begin(), o.end(), r));
    };
    const auto pick = [&](int k, std::int32_t max, PickOptions options) {
      const auto picked = picker.pick(has[static_cast<std::size_t>(k)], false, max,
                                      static_cast<PeerKey>(k), options);
      EXPECT_LE(picked.size(), static_cast<std::size_t>(max));
      bool duplicated = false;
      for (const BlockRequest& r : picked) {
        EXPECT_TRUE(geometry.is_block(r));
        EXPECT_TRUE(has[static_cast<std::size_t>(k)].test(r.piece));
        EXPECT_FALSE(picker.have(r.piece));
        EXPECT_NE(picker.priority(r.piece), Priority::skip);
        EXPECT_EQ(received.count(r), 0u);
        const auto others = requesters(r);
        EXPECT_EQ(std::count(others.begin(), others.end(), static_cast<PeerKey>(k)), 0);
        EXPECT_LT(others.size(), 3u);
        duplicated = duplicated || !others.empty();
        outstanding[static_cast<std::size_t>(k)].push_back(r);
      }
      EXPECT_TRUE(!duplicated || picker.in_endgame());
    };
    const auto deliver = [&](int k, std::size_t index) {
      const BlockRequest r = outstanding[static_cast<std::size_t>(k)][index];
      auto others = requesters(r);
      others.erase(std::find(others.begin(), others.end(), static_cast<PeerKey>(k)));
      std::vector<PeerKey> cancel;
      ASSERT_EQ(picker.on_block(r, static_cast<PeerKey>(k), cancel), BlockResult::accepted);
      std::sort(cancel.begin(), cancel.end());
      EXPECT_EQ(cancel, others);
      forget(static_cast<PeerKey>(k), r);
      for (const PeerKey o : others)
        forget(o, r);
      received.insert(r);
      if (picker.all_blocks_received(r.piece)) {
        if (next(5) == 0) {
          picker.on_hash_failed(r.piece);
          EXPECT_EQ(picker.state(r.piece), PieceState::missing);
        } else {
          picker.on_hash_passed(r.piece);
        }
        for (auto it = received.begin(); it != received.end();) {
          it = it->piece == r.piece ? received.erase(it) : std::next(it);
        }
      }
    };
    for (int step = 0; step < 2000; ++step) {
      const int k = next(kPeers);
      auto& mine = outstanding[static_cast<std::size_t>(k)];
      const int action = next(20);
      if (action < 7) {
        pick(k, 1 + next(8), PickOptions{.prefer_whole_pieces = next(3) == 0});
      } else if (action < 15) {
        if (!mine.empty())
          deliver(k, static_cast<std::size_t>(next(static_cast<int>(mine.size()))));
      } else if (action < 17) {
        if (!mine.empty()) {
          const BlockRequest r =
              mine[static_cast<std::size_t>(next(static_cast<int>(mine.size())))];
          picker.abort_request(r, static_cast<PeerKey>(k));
          forget(static_cast<PeerKey>(k), r);
        }
      } else if (action < 18) {
        picker.abort_peer(static_cast<PeerKey>(k));
        mine.clear();
      } else if (action < 19) {
        const PieceIndex p(next(kPieces));
        if (!has[static_cast<std::size_t>(k)].test(p)) {
          has[static_cast<std::size_t>(k)].set(p);
          picker.peer_has(p);
        }
      } else {
        picker.set_priority(PieceIndex(next(kPieces)),
                            next(4) == 0 ? Priority::skip : static_cast<Priority>(1 + next(7)));
      }
      for (int j = 0; j < kPeers; ++j) {
        auto expected = outstanding[static_cast<std::size_t>(j)];
        auto actual = picker.requests_of(static_cast<PeerKey>(j));
        std::sort(expected.begin(), expected.end());
        std::sort(actual.begin(), actual.end());
        ASSERT_EQ(actual, expected) << "seed " << seed << " step " << step;
      }
    }
    // Finish: everything wanted, every peer a seed, deliver until nothing is outstanding.
    for (int i = 0; i < kPieces; ++i)
      picker.set_priority(PieceIndex(i), Priority::normal);
    for (auto& b : has)
      b.set_all();
    for (int round = 0; round < 10000 && !picker.wanted_complete(); ++round) {
      const int k = round % kPeers;
      pick(k, 4, {});
      if (!outstanding[static_cast<std::size_t>(k)].empty()) deliver(k, 0);
    }
    EXPECT_TRUE(picker.wanted_complete()) << seed;
    EXPECT_EQ(picker.wanted_bytes_left(), 0);
  }
}

// Downloads a whole torrent from a few peers, one pick per received block, the way a session
// drives the picker. Returns the number of pick() calls.
struct Download {
  std::int64_t picks = 0;
  double seconds = 0;
};

Download simulate(std::int32_t pieces, std::int64_t piece_length, int peers, std::uint64_t seed) {
  PiecePicker picker(PieceGeometry(std::int64_t{pieces} * piece_length, piece_length), seed);
  // Half the peers are seeds, the others have a pseudo-random 3/4 of the pieces.
  std::vector<Bitfield> has;
  std::uint64_t state = seed;
  for (int k = 0; k < peers; ++k) {
    Bitfield b(pieces, k % 2 == 0);
    if (k % 2 == 0) {
      picker.peer_has_all();
    } else {
      for (std::int32_t i = 0; i < pieces; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        if ((state >> 60) < 12) b.set(PieceIndex(i));
      }
      picker.peer_has_bitfield(b);
    }
    has.push_back(b);
  }
  std::vector<std::deque<BlockRequest>> queues(static_cast<std::size_t>(peers));
  std::vector<PeerKey> cancel;
  Download d;
  const auto start = std::chrono::steady_clock::now();
  const auto refill = [&](int k, std::int32_t n) {
    const auto picked =
        picker.pick(has[static_cast<std::size_t>(k)], k % 2 == 0, n, static_cast<PeerKey>(k));
    ++d.picks;
    auto& q = queues[static_cast<std::size_t>(k)];
    q.insert(q.end(), picked.begin(), picked.end());
  };
  for (int k = 0; k < peers; ++k)
    refill(k, 16);
  bool progress = true;
  while (progress) {
    progress = false;
    for (int k = 0; k < peers; ++k) {
      auto& q = queues[static_cast<std::size_t>(k)];
      if (q.empty()) continue;
      progress = true;
      const BlockRequest r = q.front();
      q.pop_front();
      if (picker.on_block(r, static_cast<PeerKey>(k), cancel) == BlockResult::accepted) {
        for (const PeerKey other : cancel) {
          auto& oq = queues[other];
          const auto it = std::find(oq.begin(), oq.end(), r);
          EXPECT_NE(it, oq.end());
          if (it != oq.end()) oq.erase(it);
        }
        if (picker.all_blocks_received(r.piece)) picker.on_hash_passed(r.piece);
      }
      refill(k, 1);
    }
  }
  d.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(picker.wanted_complete());
  EXPECT_EQ(picker.num_have(), pieces);
  return d;
}

TEST(PiecePickerTest, FullDownloadOf1024PiecesOf64Blocks) {
  const Download d = simulate(1024, std::int64_t{64} * kBlockSize, 8, 7);
  EXPECT_GE(d.picks, 1024 * 64);
  std::printf("[   perf   ] 1024 pieces x 64 blocks: %lld picks in %.1f ms\n",
              static_cast<long long>(d.picks), d.seconds * 1e3);
}

TEST(PiecePickerTest, FullDownloadOf100000SingleBlockPieces) {
  // Every pick starts a fresh piece: this is where a scan of all pieces per call would show.
  const Download d = simulate(100000, kBlockSize, 6, 3);
  EXPECT_GE(d.picks, 100000);
  std::printf("[   perf   ] 100000 pieces x 1 block: %lld picks in %.1f ms\n",
              static_cast<long long>(d.picks), d.seconds * 1e3);
}

}  // namespace
}  // namespace lt
