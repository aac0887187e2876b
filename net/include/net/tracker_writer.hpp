#pragma once
// Writes the tracker's batches to SQLite on a thread of its own, so requests never wait on the
// database. The writer thread is the only user of the connection after load(); batches that
// arrive while one is being written are merged (later values win).

#include <array>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/tracker_store.hpp"

namespace lt::net {

// A peer's identity in a batch: info-hash, family, address, port. Fixed size, so recording an
// announce allocates no key.
using PeerKey = std::array<std::uint8_t, 39>;

struct PeerKeyHash {
  std::size_t operator()(const PeerKey& k) const noexcept;
};

// Peers changed since the last batch, latest state per peer. The whole map moves to the writer
// thread (O(1) on the request thread), which also turns it into rows and frees it.
using DirtyPeers = std::unordered_map<PeerKey, store::StoredPeer, PeerKeyHash>;

[[nodiscard]] PeerKey peer_key(const store::StoredPeer& peer) noexcept;
[[nodiscard]] PeerKey peer_key(const store::StoredPeerKey& peer) noexcept;

struct TrackerBatch {
  std::vector<store::StoredSwarm> swarms;
  DirtyPeers peers;
  std::vector<store::StoredPeerKey> removed_peers;
  std::int64_t expired_before = 0;
};

class TrackerWriter {
 public:
  // Opens the database on the calling thread (so errors reach the caller) and starts the thread.
  explicit TrackerWriter(const std::filesystem::path& path);
  // Writes whatever is pending, then joins.
  ~TrackerWriter();
  TrackerWriter(const TrackerWriter&) = delete;
  TrackerWriter& operator=(const TrackerWriter&) = delete;

  // Only before the first submit(): what the database holds.
  [[nodiscard]] std::vector<store::StoredSwarm> load_swarms();
  [[nodiscard]] std::vector<store::StoredPeer> load_peers();
  [[nodiscard]] const std::optional<std::filesystem::path>& moved_aside() const noexcept {
    return store_.moved_aside();
  }

  void submit(TrackerBatch batch);
  // Blocks until everything submitted so far is written (stop, tests).
  void flush();

 private:
  void run();

  store::TrackerStore store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  TrackerBatch pending_;
  bool has_pending_ = false;
  bool writing_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lt::net
