#pragma once
// Choking decisions for one torrent (BEP 3 tit-for-tat): which interested peers we upload to.
//
// The caller runs run() on a 10 s tick, and only then (the rotations below count calls), with
// every connected peer of the torrent and its current choke state, then applies the decision:
// unchoke exactly the peers in `unchoke` (the optimistic one included), choke every other peer.
// Choker remembers a little per PeerKey between calls (a peer missing from a call is forgotten)
// and is deterministic for a given seed and sequence of inputs.
//
// Leeching (we still download):
//  - Regular slots: the upload_slots - 1 interested, not snubbed peers that send to us fastest
//    (download_rate) are unchoked: we upload to whoever uploads to us.
//  - One optimistic slot lets an unproven peer show what it can do: a random interested peer
//    outside the regular slots, snubbed ones included (it is their only way back). Peers that
//    connected less than kNewPeerAge ago have no rate yet, so they are drawn with weight
//    kNewPeerWeight instead of 1. The optimistic peer is kept for kOptimisticRounds calls (30 s)
//    and replaced early when it leaves, loses interest or earns a regular slot; a replacement is
//    someone else whenever anyone else is eligible.
// Seeding (download rates mean nothing, so neither does snubbed): round robin, where an
// unchoked peer's turn lasts kSeedTurnRounds calls. Each call fills upload_slots from:
//  1. unchoked peers still within their turn, fastest upload_rate first;
//  2. choked peers, longest waiting first: a queue that a peer joins at the back when it is
//     choked or becomes interested, so newcomers cannot starve it;
//  3. unchoked peers whose turn is over, fastest upload_rate first (they keep their slot only
//     while nobody is waiting).
//  With n interested peers, a waiting peer is unchoked within kSeedTurnRounds * ceil(n /
//  upload_slots) calls. There is no optimistic slot: the rotation already gives everyone a turn.
// Always:
//  - Uninterested peers are never unchoked.
//  - upload_slots <= 0 means unlimited: every interested peer is unchoked, none is optimistic.
//  - Ties (equal rates, equal waits) go first to a peer that is unchoked now (less churn), then
//    by a per-peer order derived from the seed, stable across calls so equal peers do not flap.
//  - "Unchoked now" and the turn lengths come from ChokeCandidate::unchoked as reported by the
//    caller, not from past decisions, so a caller that deviates stays consistent.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace lt {

using PeerKey = std::uint32_t;

// One connected peer as the choker sees it. Rates are bytes per second (RateMeter::rate).
struct ChokeCandidate {
  PeerKey peer = 0;
  bool interested = false;   // the peer is interested in us
  double download_rate = 0;  // from them to us
  double upload_rate = 0;    // from us to them
  bool unchoked = false;     // we are currently not choking them
  bool snubbed = false;      // we are interested but they have sent us nothing for a while
  std::chrono::steady_clock::time_point connected_at{};
};

struct ChokeDecision {
  // Every peer to unchoke, best first; the optimistic peer, if any, is last. Every other
  // interested peer gets choked.
  std::vector<PeerKey> unchoke;
  // Which of `unchoke` holds the optimistic slot (for display and logs).
  std::optional<PeerKey> optimistic;
};

class Choker {
 public:
  static constexpr int kOptimisticRounds = 3;
  static constexpr int kSeedTurnRounds = 3;
  static constexpr std::chrono::seconds kNewPeerAge{60};
  static constexpr int kNewPeerWeight = 3;

  // Pass a random seed in production, a fixed one in tests.
  explicit Choker(std::uint64_t seed);

  // One choking round (see the rules above). PeerKeys in `peers` must be unique.
  [[nodiscard]] ChokeDecision run(std::span<const ChokeCandidate> peers, bool seeding,
                                  int upload_slots, std::chrono::steady_clock::time_point now);

 private:
  // What run() remembers about a peer, from the choke states the caller reported.
  struct History {
    PeerKey peer = 0;
    int held_rounds = 0;             // consecutive calls seen unchoked, the latest included
    bool waiting = false;            // seen interested and choked at the latest call
    std::int64_t waiting_since = 0;  // the call at which that wait began
  };

  // Refreshes history_ from `peers` and fills current_ with each peer's entry, in input order.
  void observe(std::span<const ChokeCandidate> peers);
  void choke_leeching(std::span<const ChokeCandidate> peers, int upload_slots,
                      std::chrono::steady_clock::time_point now, ChokeDecision& out);
  void choke_seeding(std::span<const ChokeCandidate> peers, int upload_slots, ChokeDecision& out);
  // Draws the optimistic peer among peers[candidates]; nullopt if there are none.
  [[nodiscard]] std::optional<PeerKey> draw_optimistic(std::span<const ChokeCandidate> peers,
                                                       std::vector<std::size_t> candidates,
                                                       std::chrono::steady_clock::time_point now);

  // Stable per-peer tie-break order for this seed.
  [[nodiscard]] std::uint64_t tie_order(PeerKey peer) const noexcept;
  [[nodiscard]] std::uint64_t next_random() noexcept;
  [[nodiscard]] std::uint64_t uniform(std::uint64_t bound) noexcept;  // [0, bound), bound > 0

  std::uint64_t seed_;
  std::uint64_t rng_;
  std::int64_t round_ = 0;  // calls so far
  std::optional<PeerKey> optimistic_;
  std::int64_t optimistic_since_ = 0;  // the call that chose optimistic_
  std::vector<History> history_;       // sorted by peer
  std::vector<History> current_;       // this call's history, parallel to `peers`
};

}  // namespace lt
