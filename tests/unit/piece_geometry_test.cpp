#include "core/piece_geometry.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(PieceGeometry, CountsPiecesAndTheShortLastPiece) {
  const PieceGeometry g(100'000, 32'768);
  EXPECT_EQ(g.num_pieces(), 4);
  EXPECT_EQ(g.piece_size(PieceIndex(0)), 32'768);
  EXPECT_EQ(g.piece_size(PieceIndex(3)), 100'000 - 3 * 32'768);
  EXPECT_EQ(g.piece_offset(PieceIndex(3)), 3 * 32'768);
  EXPECT_EQ(g.blocks_in_piece(PieceIndex(0)), 2);
  EXPECT_EQ(g.blocks_in_piece(PieceIndex(3)), 1);
  EXPECT_EQ(g.max_blocks_per_piece(), 2);
}

TEST(PieceGeometry, LastBlockOfTheLastPieceIsShort) {
  const PieceGeometry g(3 * kBlockSize + 10, 4 * kBlockSize);
  ASSERT_EQ(g.num_pieces(), 1);
  EXPECT_EQ(g.blocks_in_piece(PieceIndex(0)), 4);
  EXPECT_EQ(g.block(PieceIndex(0), 3), (BlockRequest{PieceIndex(0), 3 * kBlockSize, 10}));
  EXPECT_TRUE(g.is_block({PieceIndex(0), 3 * kBlockSize, 10}));
  EXPECT_FALSE(g.is_block({PieceIndex(0), 3 * kBlockSize, kBlockSize}));
}

TEST(PieceGeometry, ExactMultipleHasNoShortPiece) {
  const PieceGeometry g(4 * kBlockSize, 2 * kBlockSize);
  EXPECT_EQ(g.num_pieces(), 2);
  EXPECT_EQ(g.piece_size(PieceIndex(1)), 2 * kBlockSize);
}

TEST(PieceGeometry, IsBlockWantsAlignedFullBlocks) {
  const PieceGeometry g(10 * kBlockSize, 4 * kBlockSize);
  EXPECT_TRUE(g.is_block({PieceIndex(1), kBlockSize, kBlockSize}));
  EXPECT_FALSE(g.is_block({PieceIndex(1), 1, kBlockSize}));               // unaligned
  EXPECT_FALSE(g.is_block({PieceIndex(1), 0, kBlockSize - 1}));           // short
  EXPECT_FALSE(g.is_block({PieceIndex(1), 4 * kBlockSize, kBlockSize}));  // past the piece
  EXPECT_FALSE(g.is_block({PieceIndex(3), 0, kBlockSize}));               // no piece 3
  EXPECT_FALSE(g.is_block({PieceIndex(-1), 0, kBlockSize}));
  EXPECT_TRUE(g.is_block({PieceIndex(2), kBlockSize, kBlockSize}));  // last (short) piece
  EXPECT_FALSE(g.is_block({PieceIndex(2), 2 * kBlockSize, kBlockSize}));
}

TEST(PieceGeometry, ServableAcceptsAnyRangeInsideAPieceUpToABlock) {
  const PieceGeometry g(10 * kBlockSize, 4 * kBlockSize);
  EXPECT_TRUE(g.is_servable({PieceIndex(0), 1, 100}));
  EXPECT_TRUE(g.is_servable({PieceIndex(0), 3 * kBlockSize, kBlockSize}));
  EXPECT_FALSE(g.is_servable({PieceIndex(0), 3 * kBlockSize + 1, kBlockSize}));  // crosses end
  EXPECT_FALSE(g.is_servable({PieceIndex(0), 0, kBlockSize + 1}));               // too long
  EXPECT_FALSE(g.is_servable({PieceIndex(0), 0, 0}));
  EXPECT_FALSE(g.is_servable({PieceIndex(0), -1, 10}));
  EXPECT_TRUE(g.is_servable({PieceIndex(2), kBlockSize, kBlockSize}));  // inside the short piece
  EXPECT_FALSE(g.is_servable({PieceIndex(2), 2 * kBlockSize, 1}));      // past the short piece
}

TEST(PieceGeometry, RefusesNonsense) {
  EXPECT_THROW(PieceGeometry(0, kBlockSize), std::invalid_argument);
  EXPECT_THROW(PieceGeometry(100, 0), std::invalid_argument);
  EXPECT_THROW(PieceGeometry(-1, kBlockSize), std::invalid_argument);
  EXPECT_THROW(PieceGeometry(std::int64_t{1} << 40, 1), std::invalid_argument);
}

}  // namespace
}  // namespace lt
