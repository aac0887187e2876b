#include "core/choker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/mix64.hpp"

namespace lt {
namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// A NaN would break the sort's strict weak ordering; a rate is never meaningfully NaN.
double sane(double rate) noexcept {
  return std::isnan(rate) ? 0.0 : rate;
}

}  // namespace

Choker::Choker(std::uint64_t seed) : seed_(seed), rng_(seed) {}

std::uint64_t Choker::tie_order(PeerKey peer) const noexcept {
  return mix64(mix64(seed_) ^ (static_cast<std::uint64_t>(peer) * kGolden));
}

std::uint64_t Choker::next_random() noexcept {
  rng_ += kGolden;
  return mix64(rng_);
}

std::uint64_t Choker::uniform(std::uint64_t bound) noexcept {
  // Rejects the low values that would make `% bound` favour small results.
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next_random();
    if (r >= threshold) return r % bound;
  }
}

void Choker::observe(std::span<const ChokeCandidate> peers) {
  current_.clear();
  current_.reserve(peers.size());
  for (const ChokeCandidate& c : peers) {
    const auto it = std::lower_bound(history_.begin(), history_.end(), c.peer,
                                     [](const History& h, PeerKey k) { return h.peer < k; });
    const History* old = it != history_.end() && it->peer == c.peer ? &*it : nullptr;
    History h;
    h.peer = c.peer;
    if (c.unchoked) {
      const int held = old != nullptr ? old->held_rounds : 0;
      h.held_rounds = held < std::numeric_limits<int>::max() ? held + 1 : held;
    }
    h.waiting = c.interested && !c.unchoked;
    if (h.waiting) h.waiting_since = old != nullptr && old->waiting ? old->waiting_since : round_;
    current_.push_back(h);
  }
  history_ = current_;
  std::sort(history_.begin(), history_.end(),
            [](const History& a, const History& b) { return a.peer < b.peer; });
}

ChokeDecision Choker::run(std::span<const ChokeCandidate> peers, bool seeding, int upload_slots,
                          std::chrono::steady_clock::time_point now) {
  observe(peers);
  ChokeDecision out;
  if (upload_slots <= 0) {
    for (const ChokeCandidate& c : peers) {
      if (c.interested) out.unchoke.push_back(c.peer);
    }
    optimistic_.reset();
  } else if (seeding) {
    choke_seeding(peers, upload_slots, out);
    optimistic_.reset();
  } else {
    choke_leeching(peers, upload_slots, now, out);
  }
  ++round_;
  return out;
}

void Choker::choke_leeching(std::span<const ChokeCandidate> peers, int upload_slots,
                            std::chrono::steady_clock::time_point now, ChokeDecision& out) {
  std::vector<std::size_t> ranked;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].interested && !peers[i].snubbed) ranked.push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    const ChokeCandidate& x = peers[a];
    const ChokeCandidate& y = peers[b];
    const double rx = sane(x.download_rate);
    const double ry = sane(y.download_rate);
    if (rx != ry) return rx > ry;
    if (x.unchoked != y.unchoked) return x.unchoked;
    return tie_order(x.peer) < tie_order(y.peer);
  });
  const auto regular = std::min(ranked.size(), static_cast<std::size_t>(upload_slots - 1));
  std::vector<bool> taken(peers.size(), false);
  for (std::size_t r = 0; r < regular; ++r) {
    taken[ranked[r]] = true;
    out.unchoke.push_back(peers[ranked[r]].peer);
  }

  std::vector<std::size_t> candidates;
  bool keep = false;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (!peers[i].interested || taken[i]) continue;
    candidates.push_back(i);
    keep = keep || (optimistic_ == peers[i].peer && round_ - optimistic_since_ < kOptimisticRounds);
  }
  if (!keep) {
    optimistic_ = draw_optimistic(peers, std::move(candidates), now);
    optimistic_since_ = round_;
  }
  out.optimistic = optimistic_;
  if (optimistic_) out.unchoke.push_back(*optimistic_);
}

std::optional<PeerKey> Choker::draw_optimistic(std::span<const ChokeCandidate> peers,
                                               std::vector<std::size_t> candidates,
                                               std::chrono::steady_clock::time_point now) {
  // The outgoing optimistic peer sits this draw out unless it is the only one eligible.
  if (optimistic_ && candidates.size() > 1) {
    std::erase_if(candidates, [&](std::size_t i) { return peers[i].peer == *optimistic_; });
  }
  if (candidates.empty()) return std::nullopt;
  // Key order, not input order, so the same set of peers draws the same way.
  std::sort(candidates.begin(), candidates.end(),
            [&](std::size_t a, std::size_t b) { return peers[a].peer < peers[b].peer; });
  const auto weight = [&](std::size_t i) -> std::uint64_t {
    return now - peers[i].connected_at < kNewPeerAge ? kNewPeerWeight : 1;
  };
  std::uint64_t total = 0;
  for (std::size_t i : candidates)
    total += weight(i);
  std::uint64_t pick = uniform(total);
  for (std::size_t i : candidates) {
    if (pick < weight(i)) return peers[i].peer;
    pick -= weight(i);
  }
  return std::nullopt;  // unreachable: pick < total
}

void Choker::choke_seeding(std::span<const ChokeCandidate> peers, int upload_slots,
                           ChokeDecision& out) {
  // 0: unchoked within its turn, 1: waiting, 2: unchoked with its turn over.
  const auto group = [&](std::size_t i) {
    if (!peers[i].unchoked) return 1;
    return current_[i].held_rounds < kSeedTurnRounds ? 0 : 2;
  };
  std::vector<std::size_t> ranked;
  for (std::size_t i = 0; i < peers.size(); ++i) {
    if (peers[i].interested) ranked.push_back(i);
  }
  std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
    const int ga = group(a);
    const int gb = group(b);
    if (ga != gb) return ga < gb;
    if (ga == 1) {
      if (current_[a].waiting_since != current_[b].waiting_since) {
        return current_[a].waiting_since < current_[b].waiting_since;
      }
    } else {
      const double ra = sane(peers[a].upload_rate);
      const double rb = sane(peers[b].upload_rate);
      if (ra != rb) return ra > rb;
    }
    return tie_order(peers[a].peer) < tie_order(peers[b].peer);
  });
  const auto slots = std::min(ranked.size(), static_cast<std::size_t>(upload_slots));
  for (std::size_t r = 0; r < slots; ++r)
    out.unchoke.push_back(peers[ranked[r]].peer);
}

}  // namespace lt
