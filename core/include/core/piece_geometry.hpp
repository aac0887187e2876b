#pragma once
// Piece and block geometry of a torrent: how many pieces, how long each is, how each piece
// splits into 16 KiB blocks (the last block of the last piece may be shorter), and whether a
// (piece, begin, length) triple names a real block. Shared by the wire codec's validation, the
// piece picker and the storage.

#include <cstdint>
#include <stdexcept>

#include "core/units.hpp"

namespace lt {

// One block as the wire protocol names it (request, piece, cancel, reject).
struct BlockRequest {
  PieceIndex piece;
  std::int32_t begin = 0;
  std::int32_t length = 0;
  friend constexpr auto operator<=>(const BlockRequest&, const BlockRequest&) = default;
};

class PieceGeometry {
 public:
  constexpr PieceGeometry() = default;
  // piece_length must be positive and a multiple of kBlockSize or a power of two, total_size
  // positive. Throws std::invalid_argument otherwise.
  constexpr PieceGeometry(std::int64_t total_size, std::int64_t piece_length)
      : total_size_(total_size), piece_length_(piece_length) {
    if (piece_length <= 0 || total_size <= 0) throw std::invalid_argument("bad piece geometry");
    const std::int64_t pieces = (total_size + piece_length - 1) / piece_length;
    if (pieces > INT32_MAX) throw std::invalid_argument("too many pieces");
    num_pieces_ = static_cast<std::int32_t>(pieces);
  }

  [[nodiscard]] constexpr std::int64_t total_size() const noexcept { return total_size_; }
  [[nodiscard]] constexpr std::int64_t piece_length() const noexcept { return piece_length_; }
  [[nodiscard]] constexpr std::int32_t num_pieces() const noexcept { return num_pieces_; }

  [[nodiscard]] constexpr bool valid_piece(PieceIndex p) const noexcept {
    return p.get() >= 0 && p.get() < num_pieces_;
  }
  // Requires valid_piece(p).
  [[nodiscard]] constexpr std::int32_t piece_size(PieceIndex p) const noexcept {
    const std::int64_t offset = std::int64_t{p.get()} * piece_length_;
    const std::int64_t rest = total_size_ - offset;
    return static_cast<std::int32_t>(rest < piece_length_ ? rest : piece_length_);
  }
  [[nodiscard]] constexpr std::int64_t piece_offset(PieceIndex p) const noexcept {
    return std::int64_t{p.get()} * piece_length_;
  }
  // Blocks in a piece: ceil(piece_size / kBlockSize). Requires valid_piece(p).
  [[nodiscard]] constexpr std::int32_t blocks_in_piece(PieceIndex p) const noexcept {
    return (piece_size(p) + kBlockSize - 1) / kBlockSize;
  }
  // Blocks in a full-length piece (the most any piece has).
  [[nodiscard]] constexpr std::int32_t max_blocks_per_piece() const noexcept {
    return static_cast<std::int32_t>((piece_length_ + kBlockSize - 1) / kBlockSize);
  }
  // The request for block `block` of piece `p`. Requires valid_piece(p) and
  // 0 <= block < blocks_in_piece(p).
  [[nodiscard]] constexpr BlockRequest block(PieceIndex p, std::int32_t block) const noexcept {
    const std::int32_t begin = block * kBlockSize;
    const std::int32_t rest = piece_size(p) - begin;
    return {p, begin, rest < kBlockSize ? rest : kBlockSize};
  }
  // True when r is exactly one of our blocks: aligned to kBlockSize, the block's full length.
  // This is what we accept as a `piece` message in answer to our requests.
  [[nodiscard]] constexpr bool is_block(const BlockRequest& r) const noexcept {
    if (!valid_piece(r.piece) || r.begin < 0 || r.begin % kBlockSize != 0) return false;
    if (r.begin >= piece_size(r.piece)) return false;
    return block(r.piece, r.begin / kBlockSize).length == r.length;
  }
  // True when r lies inside its piece with 0 < length <= kBlockSize, aligned or not: what we
  // serve to other peers (BEP 3 lets a requester choose any range; clients use 16 KiB).
  [[nodiscard]] constexpr bool is_servable(const BlockRequest& r) const noexcept {
    if (!valid_piece(r.piece) || r.begin < 0 || r.length <= 0 || r.length > kBlockSize) {
      return false;
    }
    return std::int64_t{r.begin} + r.length <= piece_size(r.piece);
  }

 private:
  std::int64_t total_size_ = 0;
  std::int64_t piece_length_ = 0;
  std::int32_t num_pieces_ = 0;
};

}  // namespace lt
