#include "core/swarm_registry.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <deque>
#include <unordered_set>
#include <utility>

#include "core/mix64.hpp"

namespace lt::tracker {
namespace {

constexpr std::uint8_t kPoolSeeders = 0;
constexpr std::uint8_t kPoolLeechers = 1;
constexpr std::uint8_t kPoolNone = 2;

using lt::load32;
using lt::load64;
using lt::mix64;
using lt::splitmix64;

// Zeroes the unused bytes of an IPv4 address and turns ::ffff:a.b.c.d into a.b.c.d, so equal
// peers compare and hash equal.
PeerEndpoint normalize(PeerEndpoint ep) noexcept {
  if (ep.v6) {
    static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                   0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), ep.address.begin())) {
      std::array<std::uint8_t, 4> v4{};
      std::copy_n(ep.address.begin() + 12, 4, v4.begin());
      return PeerEndpoint::from_v4(v4, ep.port);
    }
    return ep;
  }
  std::fill(ep.address.begin() + 4, ep.address.end(), std::uint8_t{0});
  return ep;
}

}  // namespace

// Departed peers whose completion already counted, keyed by a keyed 64-bit hash of peer id and
// endpoint (a false match needs a 2^-64 collision). FIFO so memory stays bounded.
struct SwarmRegistry::CompletedMemory {
  std::unordered_set<std::uint64_t> keys;
  std::deque<std::uint64_t> order;
};

SwarmRegistry::Swarm::Swarm() = default;
SwarmRegistry::Swarm::~Swarm() = default;
SwarmRegistry::Swarm::Swarm(Swarm&&) noexcept = default;
SwarmRegistry::Swarm& SwarmRegistry::Swarm::operator=(Swarm&&) noexcept = default;

PeerEndpoint PeerEndpoint::from_v4(std::array<std::uint8_t, 4> ip, std::uint16_t port) noexcept {
  PeerEndpoint ep;
  std::copy(ip.begin(), ip.end(), ep.address.begin());
  ep.v6 = false;
  ep.port = port;
  return ep;
}

PeerEndpoint PeerEndpoint::from_v6(const std::array<std::uint8_t, 16>& ip,
                                   std::uint16_t port) noexcept {
  PeerEndpoint ep;
  ep.address = ip;
  ep.v6 = true;
  ep.port = port;
  return ep;
}

std::string_view to_string(AnnounceError error) noexcept {
  switch (error) {
    case AnnounceError::none:
      return "ok";
    case AnnounceError::not_registered:
      return "torrent not registered with this tracker";
    case AnnounceError::swarm_full:
      return "swarm is full";
    case AnnounceError::too_many_swarms:
      return "tracker is tracking too many torrents";
  }
  return "unknown error";
}

SwarmRegistry::SwarmRegistry(Options options, std::uint64_t seed)
    : options_(options),
      hash_key_(mix64(seed ^ 0x6a09e667f3bcc908ULL)),  // independent of the PRNG stream
      swarm_ids_(16, InfoHashHasher{hash_key_}) {
  static_assert(sizeof(PeerRecord) == 64, "keep peer records to one cache line");
  std::uint64_t s = seed;
  for (auto& word : rng_)
    word = splitmix64(s);
  // Ids are 32-bit with kNone reserved; a per-swarm cap past that could not be indexed.
  options_.max_peers_per_swarm =
      std::min<std::size_t>(options_.max_peers_per_swarm, std::size_t{kNone} / 4);
}

SwarmRegistry::~SwarmRegistry() = default;
SwarmRegistry::SwarmRegistry(SwarmRegistry&&) noexcept = default;
SwarmRegistry& SwarmRegistry::operator=(SwarmRegistry&&) noexcept = default;

std::size_t SwarmRegistry::InfoHashHasher::operator()(const InfoHash& h) const noexcept {
  // Info-hashes are attacker-chosen bytes (any 20 bytes announce), so the bucket index must
  // depend on a secret key and on every byte.
  std::uint64_t x = mix64(key ^ load64(h.bytes.data()));
  x = mix64(x ^ load64(h.bytes.data() + 8));
  x = mix64(x ^ load32(h.bytes.data() + 16));
  return static_cast<std::size_t>(x);
}

std::uint64_t SwarmRegistry::endpoint_hash(const std::array<std::uint8_t, 16>& address, bool v6,
                                           std::uint16_t port) const noexcept {
  std::uint64_t x = mix64(hash_key_ ^ load64(address.data()));
  x = mix64(x ^ load64(address.data() + 8));
  return mix64(x ^ (std::uint64_t{port} | (std::uint64_t{v6} << 16)));
}

std::uint64_t SwarmRegistry::completed_key(const PeerId& peer_id,
                                           const PeerEndpoint& ep) const noexcept {
  std::uint64_t x = endpoint_hash(ep.address, ep.v6, ep.port);
  x = mix64(x ^ load64(peer_id.data()));
  x = mix64(x ^ load64(peer_id.data() + 8));
  return mix64(x ^ load32(peer_id.data() + 16));
}

// ---- swarms -------------------------------------------------------------------------------

std::uint32_t SwarmRegistry::find_swarm(const InfoHash& info_hash) const {
  const auto it = swarm_ids_.find(info_hash);
  return it == swarm_ids_.end() ? kNone : it->second;
}

std::uint32_t SwarmRegistry::create_swarm(const InfoHash& info_hash) {
  std::uint32_t id = free_swarm_;
  if (id != kNone) {
    free_swarm_ = swarms_[id].next_free;
  } else {
    id = static_cast<std::uint32_t>(swarms_.size());
    swarms_.emplace_back();
  }
  Swarm& s = swarms_[id];
  s.info_hash = info_hash;
  s.in_use = true;
  s.next_free = kNone;
  swarm_ids_.emplace(info_hash, id);
  return id;
}

void SwarmRegistry::drop_swarm_if_idle(std::uint32_t swarm_id) {
  Swarm& s = swarms_[swarm_id];
  if (s.size() != 0 || s.registered || s.downloaded != 0) return;
  swarm_ids_.erase(s.info_hash);
  s = Swarm{};  // releases its index, pools and name
  s.next_free = free_swarm_;
  free_swarm_ = swarm_id;
}

SwarmCounts SwarmRegistry::counts_of(const Swarm& s) const {
  SwarmCounts c;
  c.complete = s.seeders;
  c.incomplete = s.leechers;
  c.downloaded = s.downloaded;
  c.name = s.name;
  c.registered = s.registered;
  c.last_activity = s.last_activity;
  return c;
}

// ---- per-swarm endpoint index -------------------------------------------------------------

std::uint32_t SwarmRegistry::find_peer(const Swarm& s, const PeerEndpoint& ep) const noexcept {
  if (s.index.empty()) return kNone;
  const std::size_t mask = s.index.size() - 1;
  std::size_t i = endpoint_hash(ep.address, ep.v6, ep.port) & mask;
  while (true) {
    const std::uint32_t id = s.index[i];
    if (id == kNone) return kNone;
    const PeerRecord& r = records_[id];
    if (r.port == ep.port && r.v6 == ep.v6 && r.address == ep.address) return id;
    i = (i + 1) & mask;
  }
}

void SwarmRegistry::index_rehash(Swarm& s, std::size_t capacity) {
  std::vector<std::uint32_t> old(capacity, kNone);
  old.swap(s.index);
  const std::size_t mask = capacity - 1;
  for (const std::uint32_t id : old) {
    if (id == kNone) continue;
    const PeerRecord& r = records_[id];
    std::size_t i = endpoint_hash(r.address, r.v6, r.port) & mask;
    while (s.index[i] != kNone)
      i = (i + 1) & mask;
    s.index[i] = id;
  }
}

void SwarmRegistry::index_insert(Swarm& s, std::uint32_t record_id) {
  // size() already counts the new peer. Grow past 3/4 load: linear probing stays short.
  const std::size_t need = std::size_t{s.size()};
  if (s.index.empty() || need * 4 > s.index.size() * 3) {
    index_rehash(s, std::max<std::size_t>(8, std::bit_ceil(need * 2)));
  }
  const std::size_t mask = s.index.size() - 1;
  const PeerRecord& r = records_[record_id];
  std::size_t i = endpoint_hash(r.address, r.v6, r.port) & mask;
  while (s.index[i] != kNone)
    i = (i + 1) & mask;
  s.index[i] = record_id;
}

void SwarmRegistry::index_erase(Swarm& s, std::uint32_t record_id) {
  const std::size_t mask = s.index.size() - 1;
  const PeerRecord& r = records_[record_id];
  std::size_t i = endpoint_hash(r.address, r.v6, r.port) & mask;
  while (s.index[i] != record_id)
    i = (i + 1) & mask;
  // Backward-shift deletion: no tombstones, so lookups never slow down with churn.
  std::size_t j = i;
  while (true) {
    j = (j + 1) & mask;
    const std::uint32_t id = s.index[j];
    if (id == kNone) break;
    const PeerRecord& o = records_[id];
    const std::size_t home = endpoint_hash(o.address, o.v6, o.port) & mask;
    // Entry j may fill hole i unless its home lies cyclically in (i, j].
    const bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!stays) {
      s.index[i] = id;
      i = j;
    }
  }
  s.index[i] = kNone;
  // Shrink a table that a departed crowd left mostly empty (size() is already decremented).
  const std::size_t live = s.size();
  if (s.index.size() > 64 && live * 8 < s.index.size()) {
    index_rehash(s, std::max<std::size_t>(8, std::bit_ceil(live * 2 + 1)));
  }
}

// ---- handout pools ------------------------------------------------------------------------

void SwarmRegistry::pool_add(Swarm& s, std::uint32_t record_id) {
  PeerRecord& r = records_[record_id];
  if (r.port == 0) {
    r.pool = kPoolNone;  // counted, never handed out
    return;
  }
  r.pool = r.seeder ? kPoolSeeders : kPoolLeechers;
  auto& pool = s.pools[r.pool];
  r.pool_pos = static_cast<std::uint32_t>(pool.size());
  pool.push_back(record_id);
}

void SwarmRegistry::pool_remove(Swarm& s, std::uint32_t record_id) {
  PeerRecord& r = records_[record_id];
  if (r.pool == kPoolNone) return;
  auto& pool = s.pools[r.pool];
  const std::uint32_t last = pool.back();
  pool[r.pool_pos] = last;
  records_[last].pool_pos = r.pool_pos;
  pool.pop_back();
  r.pool = kPoolNone;
}

// ---- expiry list (global, ordered by last_seen) --------------------------------------------

void SwarmRegistry::list_unlink(std::uint32_t id) noexcept {
  PeerRecord& r = records_[id];
  if (r.prev != kNone) {
    records_[r.prev].next = r.next;
  } else {
    head_ = r.next;
  }
  if (r.next != kNone) {
    records_[r.next].prev = r.prev;
  } else {
    tail_ = r.prev;
  }
  r.prev = r.next = kNone;
}

void SwarmRegistry::list_push_back(std::uint32_t id) noexcept {
  PeerRecord& r = records_[id];
  r.prev = tail_;
  r.next = kNone;
  if (tail_ != kNone) {
    records_[tail_].next = id;
  } else {
    head_ = id;
  }
  tail_ = id;
}

void SwarmRegistry::list_insert_sorted(std::uint32_t id) noexcept {
  // Walks back from the tail: O(1) for restores that come oldest first, as snapshot_peers gives.
  const std::int64_t t = records_[id].last_seen;
  std::uint32_t after = tail_;
  while (after != kNone && records_[after].last_seen > t)
    after = records_[after].prev;
  if (after == tail_) {
    list_push_back(id);
    return;
  }
  PeerRecord& r = records_[id];
  const std::uint32_t before = after == kNone ? head_ : records_[after].next;
  r.prev = after;
  r.next = before;
  records_[before].prev = id;
  if (after != kNone) {
    records_[after].next = id;
  } else {
    head_ = id;
  }
}

// ---- peers --------------------------------------------------------------------------------

std::uint32_t SwarmRegistry::insert_peer(std::uint32_t swarm_id, const PeerEndpoint& ep,
                                         const PeerId& peer_id, bool seeder) {
  std::uint32_t id = free_record_;
  if (id != kNone) {
    free_record_ = records_[id].next;
  } else {
    id = static_cast<std::uint32_t>(records_.size());
    records_.emplace_back();
  }
  PeerRecord& r = records_[id];
  r = PeerRecord{};
  r.address = ep.address;
  r.v6 = ep.v6;
  r.port = ep.port;
  r.peer_id = peer_id;
  r.seeder = seeder ? 1 : 0;
  r.swarm = swarm_id;
  Swarm& s = swarms_[swarm_id];
  if (seeder) {
    ++s.seeders;
    ++seeders_;
  } else {
    ++s.leechers;
  }
  ++peers_;
  index_insert(s, id);
  pool_add(s, id);
  return id;
}

void SwarmRegistry::set_seeder(std::uint32_t id, bool seeder) {
  PeerRecord& r = records_[id];
  if ((r.seeder != 0) == seeder) return;
  Swarm& s = swarms_[r.swarm];
  pool_remove(s, id);
  if (seeder) {
    --s.leechers;
    ++s.seeders;
    ++seeders_;
  } else {
    --s.seeders;
    ++s.leechers;
    --seeders_;
  }
  r.seeder = seeder ? 1 : 0;
  pool_add(s, id);
}

void SwarmRegistry::remove_peer(std::uint32_t id) {
  PeerRecord& r = records_[id];
  const std::uint32_t swarm_id = r.swarm;
  Swarm& s = swarms_[swarm_id];
  if (r.completed) {
    remember_completed(s, completed_key(r.peer_id, PeerEndpoint{r.address, r.v6, r.port}));
  }
  pool_remove(s, id);
  if (r.seeder) {
    --s.seeders;
    --seeders_;
  } else {
    --s.leechers;
  }
  --peers_;
  index_erase(s, id);
  list_unlink(id);
  r.swarm = kNone;
  r.next = free_record_;
  free_record_ = id;
  drop_swarm_if_idle(swarm_id);
}

bool SwarmRegistry::completed_before(const Swarm& s, std::uint64_t key) const {
  return s.completed_memory && s.completed_memory->keys.contains(key);
}

void SwarmRegistry::remember_completed(Swarm& s, std::uint64_t key) {
  if (options_.completed_memory_per_swarm == 0) return;
  if (!s.completed_memory) s.completed_memory = std::make_unique<CompletedMemory>();
  CompletedMemory& m = *s.completed_memory;
  if (!m.keys.insert(key).second) return;
  m.order.push_back(key);
  if (m.order.size() > options_.completed_memory_per_swarm) {
    m.keys.erase(m.order.front());
    m.order.pop_front();
  }
}

// ---- random selection ---------------------------------------------------------------------

std::uint64_t SwarmRegistry::next_random() noexcept {
  // xoshiro256**: fast, small state, good statistical quality; not cryptographic, which a peer
  // list does not need.
  const std::uint64_t result = std::rotl(rng_[1] * 5, 7) * 9;
  const std::uint64_t t = rng_[1] << 17;
  rng_[2] ^= rng_[0];
  rng_[3] ^= rng_[1];
  rng_[1] ^= rng_[2];
  rng_[0] ^= rng_[3];
  rng_[2] ^= t;
  rng_[3] = std::rotl(rng_[3], 45);
  return result;
}

std::uint32_t SwarmRegistry::uniform(std::uint32_t bound) noexcept {
  // Lemire's multiply-shift with rejection: unbiased, usually no division.
  std::uint64_t m = (next_random() >> 32) * bound;
  auto low = static_cast<std::uint32_t>(m);
  if (low < bound) {
    const std::uint32_t threshold = (0u - bound) % bound;
    while (low < threshold) {
      m = (next_random() >> 32) * bound;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

void SwarmRegistry::pick_peers(const Swarm& s, std::uint32_t self_id, bool asker_seeder,
                               std::size_t want, std::vector<PeerOut>& out) {
  // The eligible peers form one virtual array: leechers, then (for a leecher) seeders, with the
  // asker's own slot cut out. Robert Floyd's algorithm draws a uniform k-subset of it in O(k)
  // draws whatever the swarm size, so a 100,000-peer swarm costs what a 60-peer one does, and
  // no peer is favoured by its position (unlike a random start offset and a walk, which hands
  // out neighbours together).
  const auto& leechers = s.pools[kPoolLeechers];
  const auto& seeders = s.pools[kPoolSeeders];
  const auto num_leechers = static_cast<std::uint32_t>(leechers.size());
  const auto num_seeders = asker_seeder ? 0u : static_cast<std::uint32_t>(seeders.size());
  std::uint32_t n = num_leechers + num_seeders;
  std::uint32_t self_slot = kNone;
  if (self_id != kNone) {
    const PeerRecord& me = records_[self_id];
    if (me.pool == kPoolLeechers) {
      self_slot = me.pool_pos;
    } else if (me.pool == kPoolSeeders && !asker_seeder) {
      self_slot = num_leechers + me.pool_pos;
    }
  }
  if (self_slot != kNone) --n;
  const auto k = static_cast<std::uint32_t>(std::min<std::size_t>(want, n));
  if (k == 0) return;

  const auto emit = [&](std::uint32_t slot) {
    if (self_slot != kNone && slot >= self_slot) ++slot;
    const std::uint32_t id = slot < num_leechers ? leechers[slot] : seeders[slot - num_leechers];
    const PeerRecord& r = records_[id];
    out.push_back(PeerOut{PeerEndpoint{r.address, r.v6, r.port}, r.peer_id});
  };

  if (k == n) {
    for (std::uint32_t slot = 0; slot < n; ++slot)
      emit(slot);
  } else {
    // Small open-addressing set of chosen slots, at most half full.
    const std::size_t cap = std::max<std::size_t>(16, std::bit_ceil(std::size_t{k} * 2));
    scratch_.assign(cap, kNone);
    const std::size_t mask = cap - 1;
    const auto insert_if_new = [&](std::uint32_t v) {
      std::size_t i = (std::size_t{v} * 0x9e3779b1u) & mask;
      while (scratch_[i] != kNone) {
        if (scratch_[i] == v) return false;
        i = (i + 1) & mask;
      }
      scratch_[i] = v;
      return true;
    };
    for (std::uint32_t j = n - k; j < n; ++j) {
      const std::uint32_t t = uniform(j + 1);
      const std::uint32_t chosen = insert_if_new(t) ? t : j;
      if (chosen == j) (void)insert_if_new(j);
      emit(chosen);
    }
  }
  // Floyd's output order is not uniform (late slots come late); shuffle so clients that use
  // only the first few peers still get a fair draw.
  for (std::size_t i = out.size(); i > 1; --i) {
    std::swap(out[i - 1], out[uniform(static_cast<std::uint32_t>(i))]);
  }
}

// ---- public API ---------------------------------------------------------------------------

AnnounceError SwarmRegistry::announce(const AnnounceInput& in, std::int64_t now,
                                      std::vector<PeerOut>& out, SwarmCounts& counts) {
  out.clear();
  counts = SwarmCounts{};
  now = std::max(now, clock_);
  clock_ = now;
  const PeerEndpoint ep = normalize(in.endpoint);

  std::uint32_t swarm_id = find_swarm(in.info_hash);
  if (options_.allow_list_only && (swarm_id == kNone || !swarms_[swarm_id].registered)) {
    return AnnounceError::not_registered;
  }

  if (in.event == AnnounceInput::Event::stopped) {
    if (swarm_id == kNone) return AnnounceError::none;
    swarms_[swarm_id].last_activity = now;
    const std::uint32_t id = find_peer(swarms_[swarm_id], ep);
    if (id != kNone) remove_peer(id);  // may drop the swarm
    if (swarms_[swarm_id].in_use) counts = counts_of(swarms_[swarm_id]);
    return AnnounceError::none;
  }

  const bool seeder = in.left == 0;
  std::uint32_t id = kNone;
  if (const AnnounceError e = admit(in.info_hash, ep, swarm_id, id); e != AnnounceError::none) {
    return e;
  }

  if (id == kNone) {
    id = insert_peer(swarm_id, ep, in.peer_id, seeder);
  } else {
    PeerRecord& r = records_[id];
    if (r.peer_id != in.peer_id) {
      // Same ip:port, new peer id: a restarted client, i.e. a new peer for the once-per-peer
      // completed count.
      r.peer_id = in.peer_id;
      r.completed = 0;
    }
    set_seeder(id, seeder);
    list_unlink(id);
  }
  records_[id].last_seen = now;
  list_push_back(id);

  Swarm& s = swarms_[swarm_id];
  s.last_activity = now;
  if (in.event == AnnounceInput::Event::completed && !records_[id].completed) {
    PeerRecord& r = records_[id];
    r.completed = 1;
    if (!completed_before(s, completed_key(r.peer_id, ep))) ++s.downloaded;
  }

  const std::size_t want =
      in.numwant <= 0
          ? 0
          : std::min<std::size_t>(static_cast<std::size_t>(in.numwant), options_.max_numwant);
  pick_peers(s, id, seeder, want, out);
  counts = counts_of(s);
  return AnnounceError::none;
}

std::size_t SwarmRegistry::expire(std::int64_t now, std::size_t limit) {
  std::size_t dropped = 0;
  while (dropped < limit && head_ != kNone &&
         records_[head_].last_seen < now - std::int64_t{options_.peer_timeout}) {
    remove_peer(head_);
    ++dropped;
  }
  return dropped;
}

bool SwarmRegistry::register_swarm(const InfoHash& info_hash, std::string name, std::int64_t now) {
  std::uint32_t id = find_swarm(info_hash);
  if (id == kNone) {
    if (swarm_ids_.size() >= options_.max_swarms) return false;
    id = create_swarm(info_hash);
    swarms_[id].last_activity = now;
  }
  Swarm& s = swarms_[id];
  s.registered = true;
  s.name = std::move(name);
  return true;
}

std::optional<SwarmCounts> SwarmRegistry::scrape(const InfoHash& info_hash) const {
  const std::uint32_t id = find_swarm(info_hash);
  if (id == kNone) return std::nullopt;
  return counts_of(swarms_[id]);
}

void SwarmRegistry::for_each_swarm(
    const std::function<void(const InfoHash&, const SwarmCounts&)>& callback) const {
  for (const Swarm& s : swarms_) {
    if (s.in_use) callback(s.info_hash, counts_of(s));
  }
}

RegistryStats SwarmRegistry::stats() const noexcept {
  return RegistryStats{swarm_ids_.size(), peers_, seeders_, peers_ - seeders_};
}

void SwarmRegistry::snapshot_swarms(
    const std::function<void(const SwarmSnapshot&)>& callback) const {
  for (const Swarm& s : swarms_) {
    if (!s.in_use) continue;
    callback(SwarmSnapshot{s.info_hash, s.name, s.registered, s.downloaded, s.last_activity});
  }
}

void SwarmRegistry::snapshot_peers(const std::function<void(const PeerSnapshot&)>& callback) const {
  for (std::uint32_t id = head_; id != kNone; id = records_[id].next) {
    const PeerRecord& r = records_[id];
    callback(PeerSnapshot{swarms_[r.swarm].info_hash, r.peer_id,
                          PeerEndpoint{r.address, r.v6, r.port}, r.seeder != 0, r.completed != 0,
                          r.last_seen});
  }
}

bool SwarmRegistry::restore_swarm(const SwarmSnapshot& snap) {
  std::uint32_t id = find_swarm(snap.info_hash);
  if (id == kNone) {
    if (swarm_ids_.size() >= options_.max_swarms) return false;
    id = create_swarm(snap.info_hash);
  }
  Swarm& s = swarms_[id];
  s.registered = snap.registered;
  s.name = std::string(snap.name);
  s.downloaded = snap.downloaded;
  s.last_activity = snap.last_activity;
  drop_swarm_if_idle(id);  // a row with nothing to keep is not worth a swarm
  return true;
}

AnnounceError SwarmRegistry::admit(const InfoHash& info_hash, const PeerEndpoint& ep,
                                   std::uint32_t& swarm_id, std::uint32_t& id) {
  if (swarm_id != kNone) {
    id = find_peer(swarms_[swarm_id], ep);
    if (id == kNone && swarms_[swarm_id].size() >= options_.max_peers_per_swarm) {
      return AnnounceError::swarm_full;
    }
    return AnnounceError::none;
  }
  if (swarm_ids_.size() >= options_.max_swarms) return AnnounceError::too_many_swarms;
  if (options_.max_peers_per_swarm == 0) return AnnounceError::swarm_full;
  swarm_id = create_swarm(info_hash);
  return AnnounceError::none;
}

AnnounceError SwarmRegistry::restore_peer(const PeerSnapshot& snap) {
  const PeerEndpoint ep = normalize(snap.endpoint);
  std::uint32_t swarm_id = find_swarm(snap.info_hash);
  if (options_.allow_list_only && (swarm_id == kNone || !swarms_[swarm_id].registered)) {
    return AnnounceError::not_registered;
  }
  std::uint32_t id = kNone;
  if (const AnnounceError e = admit(snap.info_hash, ep, swarm_id, id); e != AnnounceError::none) {
    return e;
  }
  if (id == kNone) {
    id = insert_peer(swarm_id, ep, snap.peer_id, snap.seeder);
  } else {
    records_[id].peer_id = snap.peer_id;
    set_seeder(id, snap.seeder);
    list_unlink(id);
  }
  PeerRecord& r = records_[id];
  r.completed = snap.completed ? 1 : 0;
  r.last_seen = snap.last_seen;
  list_insert_sorted(id);
  Swarm& s = swarms_[swarm_id];
  s.last_activity = std::max(s.last_activity, snap.last_seen);
  clock_ = std::max(clock_, snap.last_seen);
  return AnnounceError::none;
}

}  // namespace lt::tracker

std::size_t std::hash<lt::tracker::PeerEndpoint>::operator()(
    const lt::tracker::PeerEndpoint& ep) const noexcept {
  // Unkeyed, for callers' own containers; the registry uses its keyed endpoint_hash.
  std::uint64_t x = lt::tracker::mix64(lt::tracker::load64(ep.address.data()));
  x = lt::tracker::mix64(x ^ lt::tracker::load64(ep.address.data() + 8));
  return static_cast<std::size_t>(
      lt::tracker::mix64(x ^ (std::uint64_t{ep.port} | (std::uint64_t{ep.v6} << 16))));
}
