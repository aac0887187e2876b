#include "net/tracker_writer.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace lt::net {
namespace {

PeerKey make_key(const InfoHash& h, const std::array<std::uint8_t, 16>& address, bool v6,
                 std::uint16_t port) noexcept {
  PeerKey k{};
  std::memcpy(k.data(), h.bytes.data(), 20);
  k[20] = v6 ? 6 : 4;
  std::memcpy(k.data() + 21, address.data(), v6 ? 16 : 4);
  k[37] = static_cast<std::uint8_t>(port >> 8);
  k[38] = static_cast<std::uint8_t>(port & 0xff);
  return k;
}

void merge(TrackerBatch& into, TrackerBatch&& from) {
  // Swarm upserts are applied in order, so appending keeps "later wins"; peers are keyed.
  into.swarms.insert(into.swarms.end(), std::make_move_iterator(from.swarms.begin()),
                     std::make_move_iterator(from.swarms.end()));
  if (into.peers.empty()) {
    into.peers.swap(from.peers);
  } else {
    for (auto& [key, peer] : from.peers)
      into.peers.insert_or_assign(key, peer);
  }
  into.removed_peers.insert(into.removed_peers.end(), from.removed_peers.begin(),
                            from.removed_peers.end());
  into.expired_before = std::max(into.expired_before, from.expired_before);
}

}  // namespace

std::size_t PeerKeyHash::operator()(const PeerKey& k) const noexcept {
  // The info-hash bytes are uniformly distributed; mix in the endpoint (FNV-1a over it).
  std::uint64_t h = 0;
  std::memcpy(&h, k.data(), sizeof h);
  for (std::size_t i = 20; i < k.size(); ++i)
    h = (h ^ k[i]) * 0x100000001b3ULL;
  return static_cast<std::size_t>(h);
}

PeerKey peer_key(const store::StoredPeer& p) noexcept {
  return make_key(p.info_hash, p.address, p.v6, p.port);
}

PeerKey peer_key(const store::StoredPeerKey& p) noexcept {
  return make_key(p.info_hash, p.address, p.v6, p.port);
}

TrackerWriter::TrackerWriter(const std::filesystem::path& path) : store_(path) {
  thread_ = std::thread([this] { run(); });
}

TrackerWriter::~TrackerWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::vector<store::StoredSwarm> TrackerWriter::load_swarms() {
  return store_.load_swarms();
}
std::vector<store::StoredPeer> TrackerWriter::load_peers() {
  return store_.load_peers();
}

void TrackerWriter::submit(TrackerBatch batch) {
  {
    std::lock_guard lock(mutex_);
    merge(pending_, std::move(batch));
    has_pending_ = true;
  }
  wake_.notify_one();
}

void TrackerWriter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !has_pending_ && !writing_; });
}

void TrackerWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return has_pending_ || stopping_; });
    if (has_pending_) {
      TrackerBatch batch = std::move(pending_);
      pending_ = {};
      has_pending_ = false;
      writing_ = true;
      lock.unlock();
      try {
        std::vector<store::StoredPeer> peers;
        peers.reserve(batch.peers.size());
        for (const auto& entry : batch.peers)
          peers.push_back(entry.second);
        batch.peers = {};  // free the nodes here, not on the request thread
        store_.save(batch.swarms, peers, batch.removed_peers, batch.expired_before);
      } catch (const std::exception& e) {
        // A failed write (disk full) loses this batch, not the tracker: state is in memory
        // and the next batch carries the current counters again.
        spdlog::error("tracker: cannot write the database: {}", e.what());
      }
      lock.lock();
      writing_ = false;
    }
    if (!has_pending_) idle_.notify_all();
    if (stopping_ && !has_pending_) return;
  }
}

}  // namespace lt::net
