#pragma once
// The tracker's in-memory state: swarms keyed by info-hash, their live peers and counters, and
// the announce logic that decides who is handed which peers. Pure and deterministic: the caller
// passes the time (seconds) and a seed, so tests are exact. Not thread-safe: one thread (the
// tracker's) owns a registry.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/sha1.hpp"

namespace lt::tracker {

using PeerId = std::array<std::uint8_t, 20>;

// Where a peer accepts connections. IPv4 lives in the first 4 bytes of address, the other 12
// are zero (the registry normalises them, and maps ::ffff:a.b.c.d to IPv4, so a dual-stack
// listener cannot make one client look like two peers).
struct PeerEndpoint {
  std::array<std::uint8_t, 16> address{};
  bool v6 = false;
  std::uint16_t port = 0;

  [[nodiscard]] static PeerEndpoint from_v4(std::array<std::uint8_t, 4> ip,
                                            std::uint16_t port) noexcept;
  [[nodiscard]] static PeerEndpoint from_v6(const std::array<std::uint8_t, 16>& ip,
                                            std::uint16_t port) noexcept;
  friend auto operator<=>(const PeerEndpoint&, const PeerEndpoint&) = default;
};

struct AnnounceInput {
  enum class Event : std::uint8_t { none, started, completed, stopped };

  InfoHash info_hash;
  PeerId peer_id{};
  PeerEndpoint endpoint;
  std::int64_t left = 0;  // 0 means seeder
  Event event = Event::none;
  int numwant = 50;  // <= 0 asks for no peers; capped at Options::max_numwant
};

enum class AnnounceError : std::uint8_t {
  none,
  not_registered,   // allow-list mode and the info-hash is not registered
  swarm_full,       // a new peer in a swarm that holds max_peers_per_swarm
  too_many_swarms,  // a new info-hash while max_swarms swarms exist
};

[[nodiscard]] std::string_view to_string(AnnounceError error) noexcept;

// One peer handed out by announce. v4 and v6 peers come mixed; the codec splits them.
struct PeerOut {
  PeerEndpoint endpoint;
  PeerId peer_id{};
};

// A swarm's scrape numbers. name points into the registry: valid until its next mutation.
struct SwarmCounts {
  std::int64_t complete = 0;    // seeders
  std::int64_t incomplete = 0;  // leechers
  std::int64_t downloaded = 0;  // event=completed, once per peer
  std::string_view name;
  bool registered = false;
  std::int64_t last_activity = 0;  // `now` of the latest announce (or registration/restore)
};

struct RegistryStats {
  std::size_t swarms = 0;
  std::size_t peers = 0;
  std::size_t seeders = 0;
  std::size_t leechers = 0;
};

// Persistence rows. Snapshots point into the registry (name) and are valid during the callback;
// restore_* copy what they need.
struct SwarmSnapshot {
  InfoHash info_hash;
  std::string_view name;
  bool registered = false;
  std::int64_t downloaded = 0;
  std::int64_t last_activity = 0;
};

struct PeerSnapshot {
  InfoHash info_hash;
  PeerId peer_id{};
  PeerEndpoint endpoint;
  bool seeder = false;
  bool completed = false;  // this peer's completion is already in its swarm's downloaded
  std::int64_t last_seen = 0;
};

class SwarmRegistry {
 public:
  struct Options {
    // Handed to clients by the codec; the registry itself only uses peer_timeout.
    int announce_interval = 1800;
    int min_interval = 900;
    // A peer not seen for more than this many seconds is dropped: two intervals plus a minute
    // of slack, so a client that announces a little late is not dropped between its announces.
    int peer_timeout = 2 * 1800 + 60;
    std::size_t max_peers_per_swarm = 100000;
    std::size_t max_swarms = 1000000;
    // Defence in depth: the codec already caps numwant at 200.
    std::size_t max_numwant = 200;
    // How many departed peers per swarm are remembered as "already completed" (see announce).
    std::size_t completed_memory_per_swarm = 16384;
    bool allow_list_only = false;
  };

  // seed drives peer selection and keys the internal hashes (so hash-flooding needs the seed):
  // pass a random value in production, a fixed one in tests.
  SwarmRegistry(Options options, std::uint64_t seed);
  ~SwarmRegistry();
  SwarmRegistry(SwarmRegistry&&) noexcept;
  SwarmRegistry& operator=(SwarmRegistry&&) noexcept;
  SwarmRegistry(const SwarmRegistry&) = delete;
  SwarmRegistry& operator=(const SwarmRegistry&) = delete;

  [[nodiscard]] const Options& options() const noexcept { return options_; }

  // Applies one announce at time `now` (seconds, non-decreasing; an earlier value is treated as
  // the latest seen so the expiry order holds). On success `out` holds up to numwant peers
  // chosen uniformly at random among the eligible ones (never the asker's endpoint, never
  // port 0; seeders get only leechers) and `counts` the swarm's numbers after this announce.
  // `out` is cleared first and reused, so a caller that keeps it allocates nothing.
  //   stopped: removes the peer, hands out no peers.
  //   completed: adds 1 to downloaded unless this peer (peer id + endpoint) already counted:
  //   a live peer remembers it; a completed peer that stopped or expired is remembered by a
  //   64-bit key in a per-swarm FIFO of completed_memory_per_swarm entries.
  // On error nothing changes and out/counts are empty.
  [[nodiscard]] AnnounceError announce(const AnnounceInput& in, std::int64_t now,
                                       std::vector<PeerOut>& out, SwarmCounts& counts);

  // Drops peers with now - last_seen > peer_timeout, oldest first, at most `limit` of them
  // (so a caller can spread a big expiry over several ticks); empty swarms that are neither
  // registered nor have a downloaded count go with their last peer. O(dropped). Returns the
  // number of peers dropped.
  std::size_t expire(std::int64_t now, std::size_t limit = std::numeric_limits<std::size_t>::max());

  // Marks a swarm registered (allow-list / metadata) and sets its name, creating it if needed.
  // False only when a new swarm would exceed max_swarms.
  [[nodiscard]] bool register_swarm(const InfoHash& info_hash, std::string name,
                                    std::int64_t now = 0);

  [[nodiscard]] std::optional<SwarmCounts> scrape(const InfoHash& info_hash) const;
  // Every swarm, in an unspecified but deterministic order (full scrape, index page).
  void for_each_swarm(
      const std::function<void(const InfoHash&, const SwarmCounts&)>& callback) const;
  [[nodiscard]] RegistryStats stats() const noexcept;

  // Persistence. Peers come oldest first, which is the order restore_peer takes in O(1).
  void snapshot_swarms(const std::function<void(const SwarmSnapshot&)>& callback) const;
  void snapshot_peers(const std::function<void(const PeerSnapshot&)>& callback) const;
  // Creates or overwrites a swarm's registration and counters (a row that is neither registered
  // nor counted and has no peers is not kept). False past max_swarms.
  [[nodiscard]] bool restore_swarm(const SwarmSnapshot& swarm);
  // Re-inserts a live peer with its last-seen time (replacing one at the same endpoint); the
  // caller runs expire() afterwards to drop the ones that went stale while we were down.
  [[nodiscard]] AnnounceError restore_peer(const PeerSnapshot& peer);

 private:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  // 64 bytes. Records live in one slab with stable ids so the global expiry list can link them
  // by 32-bit index instead of pointers.
  struct PeerRecord {
    std::int64_t last_seen = 0;
    std::array<std::uint8_t, 16> address{};
    PeerId peer_id{};
    std::uint16_t port = 0;
    bool v6 = false;
    std::uint8_t seeder : 1 = 0;
    std::uint8_t completed : 1 = 0;
    std::uint8_t pool : 2 = 0;  // kPoolSeeders, kPoolLeechers or kPoolNone (port 0)
    std::uint32_t swarm = kNone;
    std::uint32_t prev = kNone;  // expiry list, oldest at head_
    std::uint32_t next = kNone;  // expiry list; also the record free list
    std::uint32_t pool_pos = 0;  // position in the swarm's seeders/leechers vector
  };

  struct CompletedMemory;

  struct Swarm {
    InfoHash info_hash;
    bool in_use = false;
    bool registered = false;
    std::string name;
    std::int64_t downloaded = 0;
    std::int64_t last_activity = 0;
    std::uint32_t seeders = 0;   // including port-0 ones
    std::uint32_t leechers = 0;  // including port-0 ones
    std::uint32_t next_free = kNone;
    // Open-addressing (linear probing) table of record ids keyed by endpoint: 5-16 bytes per
    // peer instead of ~56 for an unordered_map node.
    std::vector<std::uint32_t> index;
    // Dense vectors of record ids of handout-able peers, for O(1) uniform sampling and O(1)
    // swap-removal. Port-0 peers are counted but sit in neither.
    std::array<std::vector<std::uint32_t>, 2> pools;
    std::unique_ptr<CompletedMemory> completed_memory;  // allocated on first departure

    Swarm();
    ~Swarm();
    Swarm(Swarm&&) noexcept;
    Swarm& operator=(Swarm&&) noexcept;
    [[nodiscard]] std::uint32_t size() const noexcept { return seeders + leechers; }
  };

  struct InfoHashHasher {
    std::uint64_t key = 0;
    std::size_t operator()(const InfoHash& h) const noexcept;
  };

  [[nodiscard]] std::uint32_t find_swarm(const InfoHash& info_hash) const;
  [[nodiscard]] std::uint32_t create_swarm(const InfoHash& info_hash);
  // The peer's record in its swarm (id), or room for a new one: creates the swarm when
  // swarm_id is kNone, refuses past the caps. id stays kNone for a new peer.
  [[nodiscard]] AnnounceError admit(const InfoHash& info_hash, const PeerEndpoint& ep,
                                    std::uint32_t& swarm_id, std::uint32_t& id);
  void drop_swarm_if_idle(std::uint32_t swarm_id);

  [[nodiscard]] std::uint64_t endpoint_hash(const std::array<std::uint8_t, 16>& address, bool v6,
                                            std::uint16_t port) const noexcept;
  [[nodiscard]] std::uint64_t completed_key(const PeerId& peer_id,
                                            const PeerEndpoint& endpoint) const noexcept;
  [[nodiscard]] std::uint32_t find_peer(const Swarm& swarm, const PeerEndpoint& ep) const noexcept;
  void index_insert(Swarm& swarm, std::uint32_t record_id);
  void index_erase(Swarm& swarm, std::uint32_t record_id);
  void index_rehash(Swarm& swarm, std::size_t capacity);

  [[nodiscard]] std::uint32_t insert_peer(std::uint32_t swarm_id, const PeerEndpoint& ep,
                                          const PeerId& peer_id, bool seeder);
  void set_seeder(std::uint32_t record_id, bool seeder);
  void remove_peer(std::uint32_t record_id);
  void pool_remove(Swarm& swarm, std::uint32_t record_id);
  void pool_add(Swarm& swarm, std::uint32_t record_id);

  void list_unlink(std::uint32_t record_id) noexcept;
  void list_push_back(std::uint32_t record_id) noexcept;
  void list_insert_sorted(std::uint32_t record_id) noexcept;

  [[nodiscard]] bool completed_before(const Swarm& swarm, std::uint64_t key) const;
  void remember_completed(Swarm& swarm, std::uint64_t key);

  void pick_peers(const Swarm& swarm, std::uint32_t self_id, bool asker_seeder, std::size_t want,
                  std::vector<PeerOut>& out);
  [[nodiscard]] std::uint64_t next_random() noexcept;
  [[nodiscard]] std::uint32_t uniform(std::uint32_t bound) noexcept;  // [0, bound)
  [[nodiscard]] SwarmCounts counts_of(const Swarm& swarm) const;

  Options options_;
  std::array<std::uint64_t, 4> rng_{};  // xoshiro256** state
  std::uint64_t hash_key_ = 0;
  std::int64_t clock_ = std::numeric_limits<std::int64_t>::min();

  std::vector<Swarm> swarms_;  // slab; ids are stable while a swarm lives
  std::uint32_t free_swarm_ = kNone;
  std::unordered_map<InfoHash, std::uint32_t, InfoHashHasher> swarm_ids_;

  std::vector<PeerRecord> records_;  // slab; ids are stable while a peer lives
  std::uint32_t free_record_ = kNone;
  std::uint32_t head_ = kNone;  // least recently seen
  std::uint32_t tail_ = kNone;  // most recently seen

  std::size_t peers_ = 0;
  std::size_t seeders_ = 0;

  std::vector<std::uint32_t> scratch_;  // pick_peers' chosen-index set, reused
};

}  // namespace lt::tracker

template <>
struct std::hash<lt::tracker::PeerEndpoint> {
  std::size_t operator()(const lt::tracker::PeerEndpoint& ep) const noexcept;
};
