#pragma once
// Who sent the corrupt data? BitTorrent v1 only hashes whole pieces, so when a piece built from
// several peers' blocks fails, the culprit is unknown. Striking every contributor bans honest
// peers that happened to share pieces with a liar (and then the download stalls), so:
//
// - a piece that fails with a single sender convicts that sender at once;
// - a piece that fails with several senders convicts nobody yet: the digest of every block and
//   its sender is kept; when the piece later passes (re-downloaded), each kept block is compared
//   with the good one, and a sender whose block differed is convicted for sure. (libtorrent's
//   "smart ban" works the same way.)
// - a peer among the senders of the same piece's failures kMaxFailuresPerPiece times is
//   convicted too, so a piece that keeps failing cannot keep a liar around forever. (Counting
//   failures over all pieces instead would convict an honest seeder that finishes a liar's many
//   half-done pieces before any of them could be re-downloaded.)

#include <cstdint>
#include <map>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/sha1.hpp"
#include "core/units.hpp"

namespace lt {

using PeerKey = std::uint32_t;

struct BlockSender {
  PeerKey peer = 0;  // 0: block not received (never happens for a complete piece)
  Sha1Digest digest;
};

class SmartBan {
 public:
  static constexpr int kMaxFailuresPerPiece = 3;

  // A piece failed its hash check; `blocks[i]` is who sent block i and its digest. Returns the
  // peers convicted now.
  [[nodiscard]] std::vector<PeerKey> on_failed(PieceIndex piece,
                                               std::span<const BlockSender> blocks);
  // True when a passing piece's block digests are needed (it failed before).
  [[nodiscard]] bool is_suspect(PieceIndex piece) const { return suspects_.contains(piece.get()); }
  // A piece passed; `good[i]` is the digest of its block i (empty when !is_suspect). Returns the
  // peers whose earlier copy of a block differed.
  [[nodiscard]] std::vector<PeerKey> on_passed(PieceIndex piece, std::span<const Sha1Digest> good);

 private:
  // Per suspect piece: every recorded (block index, sender, digest) from failed attempts.
  struct Recorded {
    std::int32_t block = 0;
    PeerKey peer = 0;
    Sha1Digest digest;
  };
  struct Suspect {
    std::vector<Recorded> blocks;
    std::map<PeerKey, int> failures;  // failed attempts of this piece each peer took part in
  };
  std::unordered_map<std::int32_t, Suspect> suspects_;
};

}  // namespace lt
