#include "core/smart_ban.hpp"

#include <algorithm>

namespace lt {
namespace {

void add_unique(std::vector<PeerKey>& peers, PeerKey peer) {
  if (peer != 0 && std::find(peers.begin(), peers.end(), peer) == peers.end()) {
    peers.push_back(peer);
  }
}

}  // namespace

std::vector<PeerKey> SmartBan::on_failed(PieceIndex piece, std::span<const BlockSender> blocks) {
  std::vector<PeerKey> senders;
  for (const BlockSender& b : blocks)
    add_unique(senders, b.peer);
  std::vector<PeerKey> convicted;
  if (senders.size() == 1) {
    convicted.push_back(senders.front());
    return convicted;
  }
  Suspect& suspect = suspects_[piece.get()];
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].peer == 0) continue;
    suspect.blocks.push_back({static_cast<std::int32_t>(i), blocks[i].peer, blocks[i].digest});
  }
  for (const PeerKey peer : senders) {
    if (++suspect.failures[peer] == kMaxFailuresPerPiece) convicted.push_back(peer);
  }
  return convicted;
}

std::vector<PeerKey> SmartBan::on_passed(PieceIndex piece, std::span<const Sha1Digest> good) {
  std::vector<PeerKey> convicted;
  const auto it = suspects_.find(piece.get());
  if (it == suspects_.end()) return convicted;
  for (const Recorded& r : it->second.blocks) {
    const auto block = static_cast<std::size_t>(r.block);
    if (block < good.size() && good[block] != r.digest) add_unique(convicted, r.peer);
  }
  suspects_.erase(it);
  return convicted;
}

}  // namespace lt
