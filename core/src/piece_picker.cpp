#include "core/piece_picker.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "core/mix64.hpp"

namespace lt {
namespace {

// Calls f(piece) for every bit set in both a and b (same size) at or after `from`, in
// increasing order, until f returns false. Eight bytes whose intersection is empty cost one AND.
template <typename F>
void for_each_common(const Bitfield& a, const Bitfield& b, std::int32_t from, F&& f) {
  const std::span<const std::uint8_t> x = a.bytes();
  const std::span<const std::uint8_t> y = b.bytes();
  std::size_t i = static_cast<std::size_t>(from) / 8;
  std::uint8_t bits = 0;
  if (i < x.size()) bits = static_cast<std::uint8_t>(x[i] & y[i] & (0xFFu >> (from & 7)));
  while (i < x.size()) {
    while (bits != 0) {
      const int bit = std::countl_zero(bits);
      if (!f(PieceIndex(static_cast<std::int32_t>(i * 8) + bit))) return;
      bits = static_cast<std::uint8_t>(bits & ~(0x80u >> bit));
    }
    ++i;
    while (i + 8 <= x.size() && (load64(x.data() + i) & load64(y.data() + i)) == 0)
      i += 8;
    if (i < x.size()) bits = static_cast<std::uint8_t>(x[i] & y[i]);
  }
}

std::uint8_t clamp_priority(Priority priority) noexcept {
  return std::min(static_cast<std::uint8_t>(priority), static_cast<std::uint8_t>(Priority::high));
}

}  // namespace

// The peer a pick is for: its pieces, or all of them for a seed.
struct PiecePicker::PeerView {
  const Bitfield& bits;
  bool seed;
  [[nodiscard]] bool has(PieceIndex piece) const noexcept { return seed || bits.test(piece); }
  // For scans: a seed's pieces are every fresh piece.
  [[nodiscard]] const Bitfield& mask(const Bitfield& fresh) const noexcept {
    return seed ? fresh : bits;
  }
};

// --- FreshOrder

PiecePicker::FreshOrder::FreshOrder(std::int32_t num_pieces, std::uint64_t seed)
    : pos_(static_cast<std::size_t>(num_pieces), -1), bits_(num_pieces), rng_(seed) {}

std::int32_t PiecePicker::FreshOrder::bucket_begin(const Level& level, std::int32_t avail) {
  return avail == 0 ? 0 : level.bucket_end[static_cast<std::size_t>(avail - 1)];
}

void PiecePicker::FreshOrder::move(Level& level, std::int32_t from, std::int32_t to) noexcept {
  const PieceIndex piece = level.pieces[static_cast<std::size_t>(from)];
  level.pieces[static_cast<std::size_t>(to)] = piece;
  pos_[at(piece)] = to;
}

void PiecePicker::FreshOrder::swap(Level& level, std::int32_t a, std::int32_t b) noexcept {
  if (a == b) return;
  auto& pa = level.pieces[static_cast<std::size_t>(a)];
  auto& pb = level.pieces[static_cast<std::size_t>(b)];
  std::swap(pa, pb);
  pos_[at(pa)] = a;
  pos_[at(pb)] = b;
}

void PiecePicker::FreshOrder::shuffle(Level& level, std::int32_t at_pos, std::int32_t begin,
                                      std::int32_t end) noexcept {
  if (end - begin > 1) swap(level, at_pos, begin + random_below(end - begin));
}

void PiecePicker::FreshOrder::trim(Level& level) {
  // Empty top buckets only lengthen insert and erase.
  while (!level.bucket_end.empty() &&
         bucket_begin(level, static_cast<std::int32_t>(level.bucket_end.size()) - 1) ==
             level.bucket_end.back()) {
    level.bucket_end.pop_back();
  }
}

std::int32_t PiecePicker::FreshOrder::random_below(std::int64_t bound) noexcept {
  return static_cast<std::int32_t>(splitmix64(rng_) % static_cast<std::uint64_t>(bound));
}

void PiecePicker::FreshOrder::insert(PieceIndex piece, int level_index, std::int32_t avail) {
  Level& level = levels_[static_cast<std::size_t>(level_index)];
  while (static_cast<std::int32_t>(level.bucket_end.size()) <= avail) {
    level.bucket_end.push_back(static_cast<std::int32_t>(level.pieces.size()));
  }
  // Open a hole at the end and walk it down to the end of bucket `avail`: each higher bucket
  // gives its first element to the hole and takes the hole as its new first slot.
  level.pieces.push_back(piece);
  auto hole = static_cast<std::int32_t>(level.pieces.size()) - 1;
  for (auto b = static_cast<std::int32_t>(level.bucket_end.size()) - 1; b > avail; --b) {
    const std::int32_t begin = bucket_begin(level, b);
    if (begin != hole) move(level, begin, hole);
    hole = begin;
    ++level.bucket_end[static_cast<std::size_t>(b)];
  }
  ++level.bucket_end[static_cast<std::size_t>(avail)];
  level.pieces[static_cast<std::size_t>(hole)] = piece;
  pos_[at(piece)] = hole;
  bits_.set(piece);
  first_hint_ = std::min(first_hint_, piece.get());
  shuffle(level, hole, bucket_begin(level, avail),
          level.bucket_end[static_cast<std::size_t>(avail)]);
}

void PiecePicker::FreshOrder::erase(PieceIndex piece, int level_index, std::int32_t avail) {
  Level& level = levels_[static_cast<std::size_t>(level_index)];
  // The reverse of insert: each bucket from `avail` up fills the hole with its last element.
  std::int32_t hole = pos_[at(piece)];
  for (auto b = static_cast<std::size_t>(avail); b < level.bucket_end.size(); ++b) {
    const std::int32_t last = level.bucket_end[b] - 1;
    if (last != hole) move(level, last, hole);
    hole = last;
    --level.bucket_end[b];
  }
  level.pieces.pop_back();
  pos_[at(piece)] = -1;
  bits_.reset(piece);
  trim(level);
}

void PiecePicker::FreshOrder::raise(PieceIndex piece, int level_index, std::int32_t old_avail) {
  Level& level = levels_[static_cast<std::size_t>(level_index)];
  if (static_cast<std::int32_t>(level.bucket_end.size()) <= old_avail + 1) {
    level.bucket_end.push_back(static_cast<std::int32_t>(level.pieces.size()));
  }
  // Swap to the end of its bucket, then move the edge: the piece now opens the next bucket.
  auto& end = level.bucket_end[static_cast<std::size_t>(old_avail)];
  const std::int32_t last = end - 1;
  swap(level, pos_[at(piece)], last);
  --end;
  shuffle(level, last, last, level.bucket_end[static_cast<std::size_t>(old_avail) + 1]);
}

void PiecePicker::FreshOrder::lower(PieceIndex piece, int level_index, std::int32_t old_avail) {
  Level& level = levels_[static_cast<std::size_t>(level_index)];
  auto& end_below = level.bucket_end[static_cast<std::size_t>(old_avail - 1)];
  const std::int32_t first_pos = end_below;
  swap(level, pos_[at(piece)], first_pos);
  ++end_below;
  shuffle(level, first_pos, bucket_begin(level, old_avail - 1), end_below);
  trim(level);
}

int PiecePicker::FreshOrder::top_level() const noexcept {
  for (int l = kTopLevel; l > 0; --l) {
    if (!levels_[static_cast<std::size_t>(l)].pieces.empty()) return l;
  }
  return 0;
}

std::int32_t PiecePicker::FreshOrder::first() {
  first_hint_ = bits_.find_next_set(first_hint_);
  return first_hint_;
}

// --- PiecePicker

PiecePicker::PiecePicker(PieceGeometry geometry, std::uint64_t seed)
    : geometry_(geometry),
      have_(geometry.num_pieces()),
      priority_(static_cast<std::size_t>(geometry.num_pieces()),
                static_cast<std::uint8_t>(Priority::normal)),
      avail_(static_cast<std::size_t>(geometry.num_pieces()), 0),
      partial_slot_(static_cast<std::size_t>(geometry.num_pieces()), -1),
      fresh_(geometry.num_pieces(), mix64(seed ^ 0x243f6a8885a308d3ULL)),
      tiebreak_key_(mix64(seed ^ 0x13198a2e03707344ULL)),
      wanted_missing_(geometry.num_pieces()),
      wanted_bytes_left_(geometry.total_size()) {
  // Inserting one by one into the single bucket shuffles it (inside-out Fisher-Yates).
  for (PieceIndex p(0); p.get() < geometry.num_pieces(); ++p)
    fresh_.insert(p, static_cast<int>(Priority::normal), 0);
}

// --- Our pieces

void PiecePicker::set_have(PieceIndex piece) {
  if (!valid(piece) || have_.test(piece)) return;
  if (fresh_.contains(piece)) fresh_.erase(piece, level(piece), avail_[at(piece)]);
  have_.set(piece);
  if (partial_slot_[at(piece)] >= 0) drop_partial(piece);
  if (level(piece) != 0) {
    --wanted_missing_;
    wanted_bytes_left_ -= geometry_.piece_size(piece);
  }
}

void PiecePicker::set_priority(PieceIndex piece, Priority priority) {
  if (!valid(piece)) return;
  const int old_level = level(piece);
  const int new_level = clamp_priority(priority);
  if (old_level == new_level) return;
  if (fresh_.contains(piece)) fresh_.erase(piece, old_level, avail_[at(piece)]);
  priority_[at(piece)] = static_cast<std::uint8_t>(new_level);
  if (have_.test(piece)) return;
  if (partial_slot_[at(piece)] < 0 && new_level != 0) {
    fresh_.insert(piece, new_level, avail_[at(piece)]);
  }
  if (old_level == 0) {
    ++wanted_missing_;
    wanted_bytes_left_ += geometry_.piece_size(piece);
  } else if (new_level == 0) {
    --wanted_missing_;
    wanted_bytes_left_ -= geometry_.piece_size(piece);
  }
}

Priority PiecePicker::priority(PieceIndex piece) const noexcept {
  return valid(piece) ? static_cast<Priority>(priority_[at(piece)]) : Priority::skip;
}

// --- Availability

void PiecePicker::peer_has_bitfield(const Bitfield& pieces) {
  if (pieces.size() != geometry_.num_pieces()) return;
  for (std::int32_t i = pieces.find_next_set(0); i < pieces.size();
       i = pieces.find_next_set(i + 1)) {
    peer_has(PieceIndex(i));
  }
}

void PiecePicker::peer_lost_bitfield(const Bitfield& pieces) {
  if (pieces.size() != geometry_.num_pieces()) return;
  for (std::int32_t i = pieces.find_next_set(0); i < pieces.size();
       i = pieces.find_next_set(i + 1)) {
    peer_lost(PieceIndex(i));
  }
}

void PiecePicker::peer_has(PieceIndex piece) {
  if (!valid(piece)) return;
  std::int32_t& avail = avail_[at(piece)];
  if (fresh_.contains(piece)) fresh_.raise(piece, level(piece), avail);
  ++avail;
}

void PiecePicker::peer_lost(PieceIndex piece) {
  std::int32_t& avail = avail_[at(piece)];
  if (avail == 0) return;
  if (fresh_.contains(piece)) fresh_.lower(piece, level(piece), avail);
  --avail;
}

std::int32_t PiecePicker::availability(PieceIndex piece) const noexcept {
  return valid(piece) ? avail_[at(piece)] + seeds_ : 0;
}

// --- Picking

std::vector<BlockRequest> PiecePicker::pick(const Bitfield& peer_has, bool peer_is_seed,
                                            std::int32_t max_blocks, PeerKey peer,
                                            PickOptions options) {
  std::vector<BlockRequest> out;
  if (max_blocks <= 0) return out;
  if (!peer_is_seed && peer_has.size() != geometry_.num_pieces()) return out;
  const PeerView view{peer_has, peer_is_seed};
  const auto max = static_cast<std::size_t>(max_blocks);
  if (options.prefer_whole_pieces) {
    pick_partials(view, peer, max, /*unshared_only=*/true, out);
    pick_fresh(view, peer, max, out);
  }
  pick_partials(view, peer, max, /*unshared_only=*/false, out);
  pick_fresh(view, peer, max, out);
  if (out.size() < max && in_endgame()) pick_endgame(view, peer, max, out);
  return out;
}

bool PiecePicker::in_endgame() const noexcept {
  if (fresh_.size() > 0) return false;
  bool outstanding = false;
  for (const Partial& p : partials_) {
    if (level(p.piece) == 0) continue;
    if (p.free > 0) return false;
    if (p.requested > 0) outstanding = true;
  }
  return outstanding;
}

void PiecePicker::pick_partials(const PeerView& view, PeerKey peer, std::size_t max,
                                bool unshared_only, std::vector<BlockRequest>& out) {
  while (out.size() < max) {
    Partial* best = nullptr;
    for (Partial& p : partials_) {
      if (p.free == 0 || level(p.piece) == 0 || !view.has(p.piece)) continue;
      if (unshared_only && shared_with_others(p, peer)) continue;
      if (best == nullptr || partial_before(p.piece, best->piece)) best = &p;
    }
    if (best == nullptr) return;
    take_free_blocks(*best, peer, max, out);
  }
}

void PiecePicker::pick_fresh(const PeerView& view, PeerKey peer, std::size_t max,
                             std::vector<BlockRequest>& out) {
  while (out.size() < max) {
    const std::optional<PieceIndex> piece = choose_fresh(view);
    if (!piece) return;
    take_free_blocks(start_partial(*piece), peer, max, out);
  }
}

void PiecePicker::pick_endgame(const PeerView& view, PeerKey peer, std::size_t max,
                               std::vector<BlockRequest>& out) {
  std::vector<Partial*> candidates;
  for (Partial& p : partials_) {
    if (p.requested > 0 && level(p.piece) != 0 && view.has(p.piece)) candidates.push_back(&p);
  }
  std::sort(candidates.begin(), candidates.end(), [this](const Partial* a, const Partial* b) {
    return partial_before(a->piece, b->piece);
  });
  // Blocks with the fewest requesters first: they are the likeliest to be stuck.
  for (int requesters = 1; requesters < kMaxRequestsPerBlock; ++requesters) {
    for (Partial* p : candidates) {
      for (std::size_t i = 0; i < p->blocks.size(); ++i) {
        const Block& b = p->blocks[i];
        if (b.received || b.num_requesters != requesters) continue;
        const auto end = b.requesters.begin() + b.num_requesters;
        if (std::find(b.requesters.begin(), end, peer) != end) continue;
        add_request(*p, static_cast<std::int32_t>(i), peer, out);
        if (out.size() >= max) return;
      }
    }
  }
}

std::optional<PieceIndex> PiecePicker::choose_fresh(const PeerView& view) {
  if (fresh_.size() == 0) return std::nullopt;
  if (sequential_) return choose_sequential(view);
  const bool random = num_have() < kRandomFirstPieces;
  // A peer with most pieces hits within a few steps of the walk. The walk is cut at about
  // what a scan of (peer AND fresh) costs, so a peer lacking the front of the order costs at
  // most twice the cheaper of the two.
  std::int64_t budget = view.seed ? std::numeric_limits<std::int64_t>::max()
                                  : geometry_.num_pieces() / 64 + view.bits.count() + 16;
  for (int l = kTopLevel; l > 0; --l) {
    const std::vector<PieceIndex>& pieces = fresh_.level(l);
    const std::size_t size = pieces.size();
    if (size == 0) continue;
    const std::size_t start =
        random ? static_cast<std::size_t>(fresh_.random_below(static_cast<std::int64_t>(size))) : 0;
    for (std::size_t k = 0; k < size; ++k) {
      if (budget-- == 0) return scan_fresh(view, random);
      const PieceIndex piece = pieces[(start + k) % size];
      if (view.has(piece)) return piece;
    }
  }
  return std::nullopt;
}

std::optional<PieceIndex> PiecePicker::scan_fresh(const PeerView& view, bool random) {
  std::optional<PieceIndex> best;
  int best_level = 0;
  std::int32_t best_pos = 0;
  std::int64_t seen = 0;
  for_each_common(fresh_.bits(), view.mask(fresh_.bits()), 0, [&](PieceIndex piece) {
    const int l = level(piece);
    const std::int32_t pos = fresh_.position(piece);
    if (l < best_level) return true;
    if (l > best_level) {
      best = piece;
      best_level = l;
      best_pos = pos;
      seen = 1;
    } else if (random) {
      // Reservoir sampling: each candidate of the best level wins with equal probability.
      if (fresh_.random_below(++seen) == 0) best = piece;
    } else if (pos < best_pos) {
      best = piece;
      best_pos = pos;
    }
    return true;
  });
  return best;
}

std::optional<PieceIndex> PiecePicker::choose_sequential(const PeerView& view) {
  const int top = fresh_.top_level();
  // Pieces below first() are had, skipped or started, so the scan usually ends at once.
  const std::int32_t first = fresh_.first();
  std::optional<PieceIndex> best;
  int best_level = 0;
  for_each_common(fresh_.bits(), view.mask(fresh_.bits()), first, [&](PieceIndex piece) {
    const int l = level(piece);
    if (l > best_level) {
      best = piece;
      best_level = l;
    }
    return l != top;
  });
  return best;
}

void PiecePicker::take_free_blocks(Partial& partial, PeerKey peer, std::size_t max,
                                   std::vector<BlockRequest>& out) {
  const auto is_free = [](const Block& b) { return !b.received && b.num_requesters == 0; };
  const auto blocks = static_cast<std::int32_t>(partial.blocks.size());
  while (partial.next_free < blocks &&
         !is_free(partial.blocks[static_cast<std::size_t>(partial.next_free)])) {
    ++partial.next_free;
  }
  for (std::int32_t i = partial.next_free; i < blocks && out.size() < max && partial.free > 0;
       ++i) {
    if (is_free(partial.blocks[static_cast<std::size_t>(i)])) add_request(partial, i, peer, out);
  }
}

bool PiecePicker::partial_before(PieceIndex a, PieceIndex b) const noexcept {
  if (level(a) != level(b)) return level(a) > level(b);
  if (sequential_) return a < b;
  if (avail_[at(a)] != avail_[at(b)]) return avail_[at(a)] < avail_[at(b)];
  // mix64 is a bijection, so distinct pieces never tie.
  const auto key = [this](PieceIndex p) {
    return mix64(tiebreak_key_ ^ static_cast<std::uint64_t>(p.get()));
  };
  return key(a) < key(b);
}

bool PiecePicker::shared_with_others(const Partial& partial, PeerKey peer) noexcept {
  return std::any_of(partial.owners.begin(), partial.owners.end(),
                     [peer](const auto& owner) { return owner.first != peer; });
}

// --- Block events

void PiecePicker::abort_request(const BlockRequest& request, PeerKey peer) {
  if (!geometry_.is_block(request)) return;
  Partial* p = partial(request.piece);
  if (p == nullptr || !remove_requester(*p, request.begin / kBlockSize, peer)) return;
  forget_request(peer, request);
  drop_partial_if_idle(request.piece);
}

void PiecePicker::abort_peer(PeerKey peer) {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  const std::vector<BlockRequest> requests = std::move(it->second);
  peers_.erase(it);
  for (const BlockRequest& r : requests) {
    Partial* p = partial(r.piece);
    if (p == nullptr) continue;
    remove_requester(*p, r.begin / kBlockSize, peer);
    drop_partial_if_idle(r.piece);
  }
}

BlockResult PiecePicker::on_block(const BlockRequest& block, PeerKey from,
                                  std::vector<PeerKey>& cancel_from) {
  cancel_from.clear();
  if (!geometry_.is_block(block)) return BlockResult::unexpected;
  if (have_.test(block.piece)) return BlockResult::duplicate;
  const auto index = static_cast<std::size_t>(block.begin / kBlockSize);
  Partial* p = partial(block.piece);
  if (p != nullptr && p->blocks[index].received) return BlockResult::duplicate;
  bool requested_by_sender = false;
  if (p != nullptr) {
    const Block& b = p->blocks[index];
    const auto end = b.requesters.begin() + b.num_requesters;
    requested_by_sender = std::find(b.requesters.begin(), end, from) != end;
  }
  if (!requested_by_sender && level(block.piece) == 0) return BlockResult::unexpected;
  if (p == nullptr) p = &start_partial(block.piece);

  Block& b = p->blocks[index];
  for (std::uint8_t k = 0; k < b.num_requesters; ++k) {
    const PeerKey requester = b.requesters[k];
    if (requester != from) cancel_from.push_back(requester);
    forget_request(requester, block);
    const auto owner = std::find_if(p->owners.begin(), p->owners.end(),
                                    [requester](const auto& o) { return o.first == requester; });
    if (owner != p->owners.end() && --owner->second == 0) p->owners.erase(owner);
  }
  if (b.num_requesters > 0) {
    --p->requested;
  } else {
    --p->free;
  }
  b.num_requesters = 0;
  b.received = true;
  ++p->received;
  return BlockResult::accepted;
}

bool PiecePicker::all_blocks_received(PieceIndex piece) const noexcept {
  const Partial* p = valid(piece) ? partial(piece) : nullptr;
  return p != nullptr && p->received == static_cast<std::int32_t>(p->blocks.size());
}

void PiecePicker::on_hash_failed(PieceIndex piece) {
  if (!valid(piece) || have_.test(piece) || partial_slot_[at(piece)] < 0) return;
  drop_partial(piece);
}

PieceState PiecePicker::state(PieceIndex piece) const noexcept {
  if (!valid(piece)) return PieceState::missing;
  if (have_.test(piece)) return PieceState::have;
  return partial_slot_[at(piece)] >= 0 ? PieceState::downloading : PieceState::missing;
}

std::int32_t PiecePicker::outstanding_requests(PeerKey peer) const {
  const auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : static_cast<std::int32_t>(it->second.size());
}

std::vector<BlockRequest> PiecePicker::requests_of(PeerKey peer) const {
  const auto it = peers_.find(peer);
  return it == peers_.end() ? std::vector<BlockRequest>{} : it->second;
}

// --- Bookkeeping

PiecePicker::Partial* PiecePicker::partial(PieceIndex piece) noexcept {
  const std::int32_t slot = partial_slot_[at(piece)];
  return slot < 0 ? nullptr : &partials_[static_cast<std::size_t>(slot)];
}

const PiecePicker::Partial* PiecePicker::partial(PieceIndex piece) const noexcept {
  const std::int32_t slot = partial_slot_[at(piece)];
  return slot < 0 ? nullptr : &partials_[static_cast<std::size_t>(slot)];
}

PiecePicker::Partial& PiecePicker::start_partial(PieceIndex piece) {
  if (fresh_.contains(piece)) fresh_.erase(piece, level(piece), avail_[at(piece)]);
  Partial& p = partials_.emplace_back();
  p.piece = piece;
  p.blocks.resize(static_cast<std::size_t>(geometry_.blocks_in_piece(piece)));
  p.free = static_cast<std::int32_t>(p.blocks.size());
  partial_slot_[at(piece)] = static_cast<std::int32_t>(partials_.size()) - 1;
  return p;
}

void PiecePicker::drop_partial(PieceIndex piece) {
  const auto slot = static_cast<std::size_t>(partial_slot_[at(piece)]);
  const Partial& p = partials_[slot];
  for (std::size_t i = 0; i < p.blocks.size(); ++i) {
    const Block& b = p.blocks[i];
    for (std::uint8_t k = 0; k < b.num_requesters; ++k) {
      forget_request(b.requesters[k], geometry_.block(piece, static_cast<std::int32_t>(i)));
    }
  }
  if (slot + 1 != partials_.size()) {
    partials_[slot] = std::move(partials_.back());
    partial_slot_[at(partials_[slot].piece)] = static_cast<std::int32_t>(slot);
  }
  partials_.pop_back();
  partial_slot_[at(piece)] = -1;
  if (!have_.test(piece) && level(piece) != 0)
    fresh_.insert(piece, level(piece), avail_[at(piece)]);
}

void PiecePicker::drop_partial_if_idle(PieceIndex piece) {
  const Partial* p = partial(piece);
  if (p != nullptr && p->requested == 0 && p->received == 0) drop_partial(piece);
}

void PiecePicker::add_request(Partial& partial, std::int32_t block, PeerKey peer,
                              std::vector<BlockRequest>& out) {
  Block& b = partial.blocks[static_cast<std::size_t>(block)];
  if (b.num_requesters == 0) {
    --partial.free;
    ++partial.requested;
  }
  b.requesters[b.num_requesters++] = peer;
  const auto owner = std::find_if(partial.owners.begin(), partial.owners.end(),
                                  [peer](const auto& o) { return o.first == peer; });
  if (owner == partial.owners.end()) {
    partial.owners.emplace_back(peer, 1);
  } else {
    ++owner->second;
  }
  const BlockRequest request = geometry_.block(partial.piece, block);
  peers_[peer].push_back(request);
  out.push_back(request);
}

bool PiecePicker::remove_requester(Partial& partial, std::int32_t block, PeerKey peer) {
  Block& b = partial.blocks[static_cast<std::size_t>(block)];
  const auto end = b.requesters.begin() + b.num_requesters;
  const auto it = std::find(b.requesters.begin(), end, peer);
  if (it == end) return false;
  std::copy(it + 1, end, it);
  --b.num_requesters;
  const auto owner = std::find_if(partial.owners.begin(), partial.owners.end(),
                                  [peer](const auto& o) { return o.first == peer; });
  if (owner != partial.owners.end() && --owner->second == 0) partial.owners.erase(owner);
  if (b.num_requesters == 0 && !b.received) {
    --partial.requested;
    ++partial.free;
    partial.next_free = std::min(partial.next_free, block);
  }
  return true;
}

void PiecePicker::forget_request(PeerKey peer, const BlockRequest& request) {
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  std::vector<BlockRequest>& list = it->second;
  // Answers usually come in request order, so this finds the front.
  const auto found = std::find(list.begin(), list.end(), request);
  if (found != list.end()) list.erase(found);
  if (list.empty()) peers_.erase(it);
}

}  // namespace lt
