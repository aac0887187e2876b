#pragma once
// Decides which blocks to request from which peer, and tracks every block from request to
// hash check. Pure and deterministic: ties are broken by a PRNG seeded by the caller, so tests
// are exact. Not thread-safe: the network thread owns a torrent's picker.
//
// Pick order for one peer, among pieces it has:
//   1. partial pieces (a block requested or received): finish what was started;
//   2. higher priority first;
//   3. fewer than 4 pieces had: random (something to trade quickly); otherwise rarest first,
//      ties in a seeded random order; in sequential mode lowest index first instead;
//   4. blocks of a piece in order.
// A prefer_whole_pieces (fast) peer instead continues pieces nobody else is requesting, then
// takes fresh pieces, and only then joins other peers' pieces, so a fast peer is not slowed down
// by sharing pieces with slow ones and a bad piece usually has one sender.
// End game: once no wanted block is free, pick() hands out blocks already requested from
// others, at most kMaxRequestsPerBlock peers per block at once, never twice to the same peer.
//
// Complexity (n pieces, D partial pieces, B distinct availability values):
//   - availability change (peer_has, per bit of a bitfield): O(1). Pieces nobody has started
//     live in per-priority arrays sorted into availability buckets; a change of one swaps the
//     piece to the bucket edge, then with a random member of its new bucket. There is no rebuild.
//     have-all peers are one counter, so they cost O(1) and do not reorder anything.
//   - a piece starting, finishing, falling back (abort, hash failure) or changing priority:
//     O(B) to shift bucket edges.
//   - pick(): O(D) per piece it takes blocks from, plus, when a fresh piece is needed, a walk
//     of the order. The walk stops at the first piece the peer has; it is cut after about
//     n/64 + peer.count() steps, then a word-wise scan of (peer AND fresh) decides, so a peer
//     that lacks the front of the order costs at most twice the cheaper of the two.
//     Sequential mode scans (peer AND fresh) word-wise from the lowest fresh piece and stops
//     at the first piece of the highest wanted priority.
//   - on_block / abort_request: O(1) plus finding the request in the peer's list, which is O(1)
//     when answers come in request order.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bitfield.hpp"
#include "core/piece_geometry.hpp"
#include "core/units.hpp"

namespace lt {

// Identifies a peer connection; chosen by the caller, opaque to the picker.
using PeerKey = std::uint32_t;

// Per-piece download priority. The caller maps file priorities onto pieces: a piece spanning
// several files gets the highest of theirs. Values between the named ones are valid levels.
enum class Priority : std::uint8_t { skip = 0, low = 1, normal = 4, high = 7 };

// downloading = at least one block requested or received, not yet passed its hash check.
enum class PieceState : std::uint8_t { missing, downloading, have };

// What an arrived block was: accepted = the first copy; duplicate = already received (end game
// race, or a piece we have); unexpected = not a block of ours, or never requested from this
// peer and not wanted (a skipped piece) - the caller may count it against the peer.
enum class BlockResult : std::uint8_t { accepted, duplicate, unexpected };

struct PickOptions {
  // A fast peer: take fresh whole pieces for itself rather than join pieces others download.
  bool prefer_whole_pieces = false;
};

class PiecePicker {
 public:
  // How many peers may have one block requested at the same time (end game).
  static constexpr int kMaxRequestsPerBlock = 3;
  // Below this many pieces had, fresh pieces are picked at random instead of rarest first.
  static constexpr std::int32_t kRandomFirstPieces = 4;

  // Starts with no piece had, every piece at normal priority and no availability.
  PiecePicker(PieceGeometry geometry, std::uint64_t seed);

  [[nodiscard]] const PieceGeometry& geometry() const noexcept { return geometry_; }

  // --- Our pieces. Out-of-range indices are ignored (or read as missing / skip / 0).

  // A piece we have (hash passed, or found on disk by a resume check). Any outstanding requests
  // in it are forgotten; their blocks later arrive as duplicate.
  void set_have(PieceIndex piece);
  [[nodiscard]] bool have(PieceIndex piece) const noexcept { return have_.test(piece); }
  [[nodiscard]] const Bitfield& have_bitfield() const noexcept { return have_; }
  [[nodiscard]] std::int32_t num_have() const noexcept { return have_.count(); }

  // Priorities above high are stored as high. Skipping a piece being downloaded keeps its
  // outstanding requests (the caller may cancel them with requests_of) and received blocks.
  void set_priority(PieceIndex piece, Priority priority);
  [[nodiscard]] Priority priority(PieceIndex piece) const noexcept;
  // Every piece that is not skipped is had.
  [[nodiscard]] bool wanted_complete() const noexcept { return wanted_missing_ == 0; }
  // Bytes of pieces not skipped and not had. Counts whole pieces: received but unverified
  // blocks are still left (this is what a tracker's `left` means).
  [[nodiscard]] std::int64_t wanted_bytes_left() const noexcept { return wanted_bytes_left_; }
  void set_sequential(bool sequential) noexcept { sequential_ = sequential; }
  [[nodiscard]] bool sequential() const noexcept { return sequential_; }

  // --- Availability. Each peer's pieces are counted once: the caller adds a peer's bitfield
  // when it arrives, each `have` for a piece the peer did not have yet, and removes the
  // peer's current bitfield when it disconnects. Bitfields of another size are ignored.

  void peer_has_bitfield(const Bitfield& pieces);
  void peer_lost_bitfield(const Bitfield& pieces);
  void peer_has(PieceIndex piece);
  // have-all peers and seeders: one counter, not per piece.
  void peer_has_all() noexcept { ++seeds_; }
  void peer_lost_all() noexcept {
    if (seeds_ > 0) --seeds_;
  }
  [[nodiscard]] std::int32_t availability(PieceIndex piece) const noexcept;

  // --- Picking.

  // Up to max_blocks new requests for `peer`, among the pieces in peer_has (all pieces when
  // peer_is_seed; peer_has is then not read), and records them as requested by `peer`. Never
  // returns a block this peer already has outstanding, a received block, a piece we have or a
  // skipped piece. Empty when peer_has has the wrong size and the peer is not a seed.
  [[nodiscard]] std::vector<BlockRequest> pick(const Bitfield& peer_has, bool peer_is_seed,
                                               std::int32_t max_blocks, PeerKey peer,
                                               PickOptions options = {});
  // No wanted block is free, and some are requested but not received.
  [[nodiscard]] bool in_endgame() const noexcept;

  // --- Block events.

  // The request will not be answered (choke without the fast extension, reject, timeout): the
  // block becomes free again unless other peers still have it requested. Unknown requests are
  // ignored.
  void abort_request(const BlockRequest& request, PeerKey peer);
  // abort_request for every outstanding request of the peer (disconnect, choke).
  void abort_peer(PeerKey peer);
  // A block arrived from `from`. On accepted, cancel_from (cleared first) receives the other
  // peers that had the block requested: the caller sends them cancel. Their requests are
  // forgotten here. A wanted block nobody requested from `from` is still accepted: the data is
  // good until the hash check says otherwise.
  [[nodiscard]] BlockResult on_block(const BlockRequest& block, PeerKey from,
                                     std::vector<PeerKey>& cancel_from);
  // Every block of the piece arrived and it is not had yet: the caller hashes it now.
  [[nodiscard]] bool all_blocks_received(PieceIndex piece) const noexcept;
  // The piece becomes had.
  void on_hash_passed(PieceIndex piece) { set_have(piece); }
  // Every block of the piece becomes free again (outstanding requests in it are forgotten), so
  // it is downloaded anew, in the same order as a fresh piece.
  void on_hash_failed(PieceIndex piece);

  [[nodiscard]] PieceState state(PieceIndex piece) const noexcept;
  [[nodiscard]] std::int32_t outstanding_requests(PeerKey peer) const;
  // In the order they were made (for cancel on choke and the like).
  [[nodiscard]] std::vector<BlockRequest> requests_of(PeerKey peer) const;

 private:
  static constexpr int kTopLevel = static_cast<int>(Priority::high);

  struct PeerView;

  struct Block {
    std::array<PeerKey, kMaxRequestsPerBlock> requesters{};
    std::uint8_t num_requesters = 0;
    bool received = false;
  };

  // A piece with a block requested or received. Few at a time (about one or two per peer), so
  // a linear scan of them per pick is cheap.
  struct Partial {
    PieceIndex piece;
    std::vector<Block> blocks;
    std::int32_t free = 0;       // neither requested nor received
    std::int32_t requested = 0;  // requested by at least one peer, not received
    std::int32_t received = 0;
    std::int32_t next_free = 0;  // no free block below this index
    // Outstanding requests per peer in this piece: tells whether others are downloading it.
    std::vector<std::pair<PeerKey, std::int32_t>> owners;
  };

  // Pieces nobody has started (not had, not skipped, no block requested or received): per
  // priority level an array sorted by availability into buckets, random inside a bucket, with
  // each piece's position; plus a bitfield of them for word-wise scans.
  class FreshOrder {
   public:
    FreshOrder(std::int32_t num_pieces, std::uint64_t seed);
    void insert(PieceIndex piece, int level, std::int32_t avail);
    void erase(PieceIndex piece, int level, std::int32_t avail);
    void raise(PieceIndex piece, int level, std::int32_t old_avail);  // availability + 1
    void lower(PieceIndex piece, int level, std::int32_t old_avail);  // availability - 1
    [[nodiscard]] bool contains(PieceIndex piece) const noexcept { return position(piece) >= 0; }
    // Position in its level's array, -1 when not fresh.
    [[nodiscard]] std::int32_t position(PieceIndex piece) const noexcept {
      return pos_[static_cast<std::size_t>(piece.get())];
    }
    [[nodiscard]] const std::vector<PieceIndex>& level(int level) const noexcept {
      return levels_[static_cast<std::size_t>(level)].pieces;
    }
    [[nodiscard]] const Bitfield& bits() const noexcept { return bits_; }
    [[nodiscard]] std::int32_t size() const noexcept { return bits_.count(); }
    // Highest level with a fresh piece, 0 when there is none.
    [[nodiscard]] int top_level() const noexcept;
    // The lowest fresh index, or the number of pieces when there is none.
    [[nodiscard]] std::int32_t first();
    // Uniform enough in [0, bound) for bound > 0; drives every random choice of the picker.
    [[nodiscard]] std::int32_t random_below(std::int64_t bound) noexcept;

   private:
    struct Level {
      std::vector<PieceIndex> pieces;
      // bucket_end[a]: one past the last position of availability a; back() == pieces.size().
      std::vector<std::int32_t> bucket_end;
    };
    [[nodiscard]] static std::int32_t bucket_begin(const Level& level, std::int32_t avail);
    void move(Level& level, std::int32_t from, std::int32_t to) noexcept;
    void swap(Level& level, std::int32_t a, std::int32_t b) noexcept;
    // Swaps the piece at `at` with a random member of [begin, end).
    void shuffle(Level& level, std::int32_t at, std::int32_t begin, std::int32_t end) noexcept;
    static void trim(Level& level);

    std::array<Level, kTopLevel + 1> levels_;
    std::vector<std::int32_t> pos_;
    Bitfield bits_;
    std::int32_t first_hint_ = 0;  // no fresh piece below this
    std::uint64_t rng_;
  };

  [[nodiscard]] bool valid(PieceIndex piece) const noexcept { return geometry_.valid_piece(piece); }
  [[nodiscard]] static std::size_t at(PieceIndex piece) noexcept {
    return static_cast<std::size_t>(piece.get());
  }
  [[nodiscard]] int level(PieceIndex piece) const noexcept { return priority_[at(piece)]; }
  [[nodiscard]] Partial* partial(PieceIndex piece) noexcept;
  [[nodiscard]] const Partial* partial(PieceIndex piece) const noexcept;
  // Sort key of partial pieces: priority, then lowest index (sequential) or rarest.
  [[nodiscard]] bool partial_before(PieceIndex a, PieceIndex b) const noexcept;
  [[nodiscard]] static bool shared_with_others(const Partial& partial, PeerKey peer) noexcept;

  void pick_partials(const PeerView& view, PeerKey peer, std::size_t max, bool unshared_only,
                     std::vector<BlockRequest>& out);
  void pick_fresh(const PeerView& view, PeerKey peer, std::size_t max,
                  std::vector<BlockRequest>& out);
  void pick_endgame(const PeerView& view, PeerKey peer, std::size_t max,
                    std::vector<BlockRequest>& out);
  [[nodiscard]] std::optional<PieceIndex> choose_fresh(const PeerView& view);
  [[nodiscard]] std::optional<PieceIndex> scan_fresh(const PeerView& view, bool random);
  [[nodiscard]] std::optional<PieceIndex> choose_sequential(const PeerView& view);
  void take_free_blocks(Partial& partial, PeerKey peer, std::size_t max,
                        std::vector<BlockRequest>& out);

  Partial& start_partial(PieceIndex piece);
  // Drops a partial piece, forgetting its requests; it becomes fresh again if still wanted.
  void drop_partial(PieceIndex piece);
  void drop_partial_if_idle(PieceIndex piece);
  void add_request(Partial& partial, std::int32_t block, PeerKey peer,
                   std::vector<BlockRequest>& out);
  // Removes `peer` from the block's requesters (not from peers_); false if it was not one.
  bool remove_requester(Partial& partial, std::int32_t block, PeerKey peer);
  void forget_request(PeerKey peer, const BlockRequest& request);
  void peer_lost(PieceIndex piece);

  PieceGeometry geometry_;
  Bitfield have_;
  std::vector<std::uint8_t> priority_;      // Priority values, per piece
  std::vector<std::int32_t> avail_;         // peers with the piece, have-all peers excluded
  std::vector<std::int32_t> partial_slot_;  // index into partials_, -1 when none
  std::vector<Partial> partials_;
  FreshOrder fresh_;
  std::unordered_map<PeerKey, std::vector<BlockRequest>> peers_;  // outstanding requests
  std::uint64_t tiebreak_key_;
  std::int32_t seeds_ = 0;
  std::int32_t wanted_missing_ = 0;
  std::int64_t wanted_bytes_left_ = 0;
  bool sequential_ = false;
};

}  // namespace lt
