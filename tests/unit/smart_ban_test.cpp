#include "core/smart_ban.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

Sha1Digest d(std::uint8_t v) {
  Sha1Digest digest;
  digest.bytes.fill(v);
  return digest;
}

TEST(SmartBan, ASoleSenderIsConvictedAtOnce) {
  SmartBan ban;
  const std::vector<BlockSender> blocks = {{7, d(1)}, {7, d(2)}};
  EXPECT_EQ(ban.on_failed(PieceIndex(0), blocks), (std::vector<PeerKey>{7}));
  EXPECT_FALSE(ban.is_suspect(PieceIndex(0)));
}

TEST(SmartBan, SharedFailureConvictsNobodyUntilThePiecePasses) {
  SmartBan ban;
  // Peer 1 (liar) sent block 0, peer 2 (honest) blocks 1 and 2.
  const std::vector<BlockSender> failed = {{1, d(9)}, {2, d(2)}, {2, d(3)}};
  EXPECT_TRUE(ban.on_failed(PieceIndex(4), failed).empty());
  EXPECT_TRUE(ban.is_suspect(PieceIndex(4)));
  const std::vector<Sha1Digest> good = {d(1), d(2), d(3)};
  EXPECT_EQ(ban.on_passed(PieceIndex(4), good), (std::vector<PeerKey>{1}));
  EXPECT_FALSE(ban.is_suspect(PieceIndex(4)));
}

TEST(SmartBan, TheHonestPeerIsNeverConvictedHoweverOftenItSharesAFailure) {
  SmartBan ban;
  for (std::int32_t p = 0; p < 50; ++p) {
    const std::vector<BlockSender> failed = {{1, d(9)}, {2, d(2)}};
    auto now = ban.on_failed(PieceIndex(p), failed);
    EXPECT_EQ(std::count(now.begin(), now.end(), PeerKey{2}), 0);
    const std::vector<Sha1Digest> good = {d(1), d(2)};
    EXPECT_EQ(ban.on_passed(PieceIndex(p), good), (std::vector<PeerKey>{1}));
  }
}

TEST(SmartBan, APieceThatKeepsFailingConvictsItsRepeatSenders) {
  SmartBan ban;
  std::vector<PeerKey> convicted;
  for (int attempt = 0; attempt < SmartBan::kMaxFailuresPerPiece; ++attempt) {
    // Peer 1 is in every attempt; peers 2, 3, 4 once each.
    const std::vector<BlockSender> failed = {{1, d(9)}, {static_cast<PeerKey>(2 + attempt), d(2)}};
    convicted = ban.on_failed(PieceIndex(5), failed);
  }
  EXPECT_EQ(convicted, (std::vector<PeerKey>{1}));
}

// A liar leaves a bad block in many half-done pieces; an honest seeder finishes them all (each
// fails once) before any is re-downloaded: the seeder must not be convicted.
TEST(SmartBan, ManyDifferentFailedPiecesDoNotConvictTheHonestCoSender) {
  SmartBan ban;
  for (std::int32_t p = 0; p < 100; ++p) {
    const std::vector<BlockSender> failed = {{1, d(9)}, {2, d(2)}};
    EXPECT_TRUE(ban.on_failed(PieceIndex(p), failed).empty());
  }
  const std::vector<Sha1Digest> good = {d(1), d(2)};
  EXPECT_EQ(ban.on_passed(PieceIndex(0), good), (std::vector<PeerKey>{1}));
}

TEST(SmartBan, RepeatedFailuresOfOnePieceAreAllCompared) {
  SmartBan ban;
  (void)ban.on_failed(PieceIndex(3), std::vector<BlockSender>{{1, d(9)}, {2, d(2)}});
  (void)ban.on_failed(PieceIndex(3), std::vector<BlockSender>{{3, d(1)}, {4, d(8)}});
  const std::vector<Sha1Digest> good = {d(1), d(2)};
  EXPECT_EQ(ban.on_passed(PieceIndex(3), good), (std::vector<PeerKey>{1, 4}));
}

TEST(SmartBan, PassWithoutAFailureIsANoOp) {
  SmartBan ban;
  EXPECT_TRUE(ban.on_passed(PieceIndex(1), std::vector<Sha1Digest>{d(1)}).empty());
}

}  // namespace
}  // namespace lt
