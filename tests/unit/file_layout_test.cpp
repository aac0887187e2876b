#include "core/file_layout.hpp"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(FileLayout, SingleFileGeometry) {
  const FileLayout l({100}, 32);
  EXPECT_EQ(l.num_pieces(), 4);
  EXPECT_EQ(l.piece_size(PieceIndex(0)), 32);
  EXPECT_EQ(l.piece_size(PieceIndex(3)), 4);
  EXPECT_THROW((void)l.piece_size(PieceIndex(4)), std::out_of_range);
  EXPECT_THROW((void)l.piece_size(PieceIndex(-1)), std::out_of_range);
}

TEST(FileLayout, PieceSpansCrossFilesAndSkipEmptyOnes) {
  // Files: a=10, (empty), b=30, c=5; pieces of 16.
  const FileLayout l({10, 0, 30, 5}, 16);
  EXPECT_EQ(l.total_size(), 45);
  EXPECT_EQ(l.num_pieces(), 3);
  EXPECT_EQ(l.piece_spans(PieceIndex(0)),
            (std::vector<FileSpan>{{FileIndex(0), 0, 10}, {FileIndex(2), 0, 6}}));
  EXPECT_EQ(l.piece_spans(PieceIndex(1)), (std::vector<FileSpan>{{FileIndex(2), 6, 16}}));
  EXPECT_EQ(l.piece_spans(PieceIndex(2)),
            (std::vector<FileSpan>{{FileIndex(2), 22, 8}, {FileIndex(3), 0, 5}}));
}

TEST(FileLayout, PiecesForFile) {
  const FileLayout l({10, 0, 30, 5}, 16);
  EXPECT_EQ(l.pieces_for_file(FileIndex(0)), (PieceRange{PieceIndex(0), PieceIndex(1)}));
  EXPECT_TRUE(l.pieces_for_file(FileIndex(1)).empty());
  EXPECT_EQ(l.pieces_for_file(FileIndex(2)), (PieceRange{PieceIndex(0), PieceIndex(3)}));
  EXPECT_EQ(l.pieces_for_file(FileIndex(3)), (PieceRange{PieceIndex(2), PieceIndex(3)}));
}

TEST(FileLayout, FileAtSkipsEmptyFiles) {
  const FileLayout l({10, 0, 0, 30}, 16);
  EXPECT_EQ(l.file_at(9), FileIndex(0));
  EXPECT_EQ(l.file_at(10), FileIndex(3));
  EXPECT_THROW((void)l.file_at(40), std::out_of_range);
}

TEST(FileLayout, RejectsImpossibleInput) {
  EXPECT_THROW(FileLayout({}, 16), std::invalid_argument);
  EXPECT_THROW(FileLayout({0, 0}, 16), std::invalid_argument);
  EXPECT_THROW(FileLayout({-1, 10}, 16), std::invalid_argument);
  EXPECT_THROW(FileLayout({10}, 0), std::invalid_argument);
  EXPECT_THROW(FileLayout({INT64_MAX, 1}, 16), std::invalid_argument);
  EXPECT_THROW(FileLayout({INT64_MAX}, 1), std::invalid_argument);  // > int32 pieces
}

TEST(FileLayout, LargeTorrentOffsetsUse64Bits) {
  const FileLayout l({5'242'880'000}, 1 << 20);
  EXPECT_EQ(l.num_pieces(), 5000);
  EXPECT_EQ(l.piece_offset(PieceIndex(4999)), 4999LL << 20);
  EXPECT_EQ(l.piece_spans(PieceIndex(4999)).at(0).file_offset, 4999LL << 20);
}

}  // namespace
}  // namespace lt
