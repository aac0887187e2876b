#include "core/piece_map_bins.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace lt {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Independent of bin_pieces' walk: the overlap of every piece with every bin, computed directly
// on the axis scaled by n, where piece i is [i*b, (i+1)*b) and bin j is [j*n, (j+1)*n).
struct Expected {
  std::vector<std::uint64_t> have, downloading, missing;
  std::vector<std::int32_t> first, last;
  std::vector<std::uint8_t> min_availability;
};

Expected brute_force(const Bytes& state, const Bytes& availability, std::size_t bins) {
  const std::uint64_t n = state.size();
  const std::uint64_t b = std::min<std::uint64_t>(bins, n);
  Expected e;
  e.have.assign(b, 0);
  e.downloading.assign(b, 0);
  e.missing.assign(b, 0);
  e.first.assign(b, -1);
  e.last.assign(b, -1);
  e.min_availability.assign(b, 255);
  for (std::uint64_t j = 0; j < b; ++j) {
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t lo = std::max(i * b, j * n);
      const std::uint64_t hi = std::min((i + 1) * b, (j + 1) * n);
      if (hi <= lo) continue;
      const std::uint64_t overlap = hi - lo;
      if (state[i] == 2) {
        e.have[j] += overlap;
      } else if (state[i] == 1) {
        e.downloading[j] += overlap;
      } else {
        e.missing[j] += overlap;
      }
      if (e.first[j] < 0) e.first[j] = static_cast<std::int32_t>(i);
      e.last[j] = static_cast<std::int32_t>(i);
      if (i < availability.size())
        e.min_availability[j] = std::min(e.min_availability[j], availability[i]);
    }
  }
  return e;
}

void expect_matches_brute_force(const Bytes& state, const Bytes& availability, std::size_t bins) {
  const std::vector<PieceBin> got = bin_pieces(state, availability, bins);
  const Expected want = brute_force(state, availability, bins);
  const auto n = static_cast<double>(state.size());
  ASSERT_EQ(got.size(), want.have.size());
  for (std::size_t j = 0; j < got.size(); ++j) {
    SCOPED_TRACE(testing::Message() << "n=" << state.size() << " bins=" << bins << " bin=" << j);
    // Exact integers divided once: the same float as the rounding of the true fraction.
    EXPECT_EQ(got[j].have, static_cast<float>(static_cast<double>(want.have[j]) / n));
    EXPECT_EQ(got[j].downloading, static_cast<float>(static_cast<double>(want.downloading[j]) / n));
    EXPECT_EQ(got[j].missing, static_cast<float>(static_cast<double>(want.missing[j]) / n));
    EXPECT_NEAR(got[j].have + got[j].downloading + got[j].missing, 1.0F, 1e-6F);
    EXPECT_EQ(got[j].first_piece, want.first[j]);
    EXPECT_EQ(got[j].last_piece, want.last[j]);
    EXPECT_EQ(got[j].min_availability, want.min_availability[j]);
    const PieceRange range = cell_piece_range(state.size(), bins, j);
    EXPECT_EQ(range.first, want.first[j]);
    EXPECT_EQ(range.last, want.last[j]);
  }
}

TEST(PieceMapBins, EmptyInputsGiveNoBins) {
  const Bytes none;
  const Bytes some{2, 1, 0};
  EXPECT_TRUE(bin_pieces(none, none, 10).empty());
  EXPECT_TRUE(bin_pieces(some, some, 0).empty());
  EXPECT_TRUE(bin_pieces(none, none, 0).empty());
}

TEST(PieceMapBins, OneCellPerPieceWhenBinsAtLeastPieces) {
  const Bytes state{2, 1, 0, 7};
  const Bytes availability{3, 0, 9, 1};
  for (const std::size_t bins : {std::size_t{4}, std::size_t{5}, std::size_t{1000}}) {
    const std::vector<PieceBin> got = bin_pieces(state, availability, bins);
    ASSERT_EQ(got.size(), 4U) << bins;
    EXPECT_EQ(got[0].have, 1.0F);
    EXPECT_EQ(got[0].downloading, 0.0F);
    EXPECT_EQ(got[0].missing, 0.0F);
    EXPECT_EQ(got[1].downloading, 1.0F);
    EXPECT_EQ(got[1].have, 0.0F);
    EXPECT_EQ(got[2].missing, 1.0F);
    // An unknown state value counts as missing.
    EXPECT_EQ(got[3].missing, 1.0F);
    EXPECT_EQ(got[3].have + got[3].downloading, 0.0F);
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first_piece, static_cast<std::int32_t>(i));
      EXPECT_EQ(got[i].last_piece, static_cast<std::int32_t>(i));
      EXPECT_EQ(got[i].min_availability, availability[i]);
    }
  }
}

TEST(PieceMapBins, ThreePiecesIntoTwoBinsAreTwoThirdsOfABinEach) {
  // Piece 0 fills 2/3 of bin 0, piece 1 straddles (1/3 in each), piece 2 fills 2/3 of bin 1.
  const Bytes state{2, 0, 1};
  const Bytes availability{5, 2, 9};
  const std::vector<PieceBin> got = bin_pieces(state, availability, 2);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_FLOAT_EQ(got[0].have, 2.0F / 3.0F);
  EXPECT_FLOAT_EQ(got[0].missing, 1.0F / 3.0F);
  EXPECT_EQ(got[0].downloading, 0.0F);
  EXPECT_EQ(got[1].have, 0.0F);
  EXPECT_FLOAT_EQ(got[1].missing, 1.0F / 3.0F);
  EXPECT_FLOAT_EQ(got[1].downloading, 2.0F / 3.0F);
  EXPECT_EQ(got[0].first_piece, 0);
  EXPECT_EQ(got[0].last_piece, 1);
  EXPECT_EQ(got[1].first_piece, 1);
  EXPECT_EQ(got[1].last_piece, 2);
  // Piece 1 (availability 2) touches both bins.
  EXPECT_EQ(got[0].min_availability, 2);
  EXPECT_EQ(got[1].min_availability, 2);
}

TEST(PieceMapBins, AllHaveIsExactlyOneInEveryBin) {
  // 1000 pieces into 7 bins: no bin boundary falls on a piece boundary except the ends.
  const Bytes state(1000, 2);
  const std::vector<PieceBin> got = bin_pieces(state, {}, 7);
  ASSERT_EQ(got.size(), 7U);
  for (const PieceBin& bin : got) {
    EXPECT_EQ(bin.have, 1.0F);
    EXPECT_EQ(bin.downloading, 0.0F);
    EXPECT_EQ(bin.missing, 0.0F);
  }
}

TEST(PieceMapBins, FirstAndLastPieceIncludeStraddlingPieces) {
  // 10 pieces into 4 bins: a piece is 0.4 bins; pieces 2 and 7 straddle a boundary, pieces 4
  // and 5 end and start exactly on one and so touch one bin each.
  const Bytes state(10, 0);
  const std::vector<PieceBin> got = bin_pieces(state, {}, 4);
  ASSERT_EQ(got.size(), 4U);
  const std::int32_t want[4][2] = {{0, 2}, {2, 4}, {5, 7}, {7, 9}};
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(got[j].first_piece, want[j][0]) << j;
    EXPECT_EQ(got[j].last_piece, want[j][1]) << j;
  }
}

TEST(PieceMapBins, MinAvailabilityIsTheRarestTouchingPiece) {
  const Bytes state(8, 0);
  const Bytes availability{7, 7, 7, 0, 200, 255, 30, 40};
  const std::vector<PieceBin> got = bin_pieces(state, availability, 2);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].min_availability, 0);
  EXPECT_EQ(got[1].min_availability, 30);
}

TEST(PieceMapBins, MissingAvailabilityDoesNotLowerTheMinimum) {
  const Bytes state(6, 2);
  const Bytes availability{4, 9};  // only the first two pieces
  const std::vector<PieceBin> got = bin_pieces(state, availability, 3);
  ASSERT_EQ(got.size(), 3U);
  EXPECT_EQ(got[0].min_availability, 4);
  EXPECT_EQ(got[1].min_availability, 255);
  EXPECT_EQ(got[2].min_availability, 255);
}

TEST(PieceMapBins, MatchesBruteForceAndFractionsSumToOne) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> state_of(0, 3);
  std::uniform_int_distribution<int> availability_of(0, 255);
  for (const std::size_t n : {1U, 2U, 3U, 7U, 64U, 97U, 1000U}) {
    Bytes state(n);
    Bytes availability(n);
    for (std::size_t i = 0; i < n; ++i) {
      state[i] = static_cast<std::uint8_t>(state_of(rng));
      availability[i] = static_cast<std::uint8_t>(availability_of(rng));
    }
    for (const std::size_t bins : {1U, 2U, 3U, 5U, 10U, 33U, 96U, 97U, 500U, 2000U})
      expect_matches_brute_force(state, availability, bins);
  }
}

TEST(PieceMapBins, CellPieceRangeOutOfRangeIsEmpty) {
  EXPECT_LT(cell_piece_range(10, 4, 4).last, cell_piece_range(10, 4, 4).first);
  EXPECT_LT(cell_piece_range(0, 4, 0).last, cell_piece_range(0, 4, 0).first);
  EXPECT_LT(cell_piece_range(10, 0, 0).last, cell_piece_range(10, 0, 0).first);
  // bins > n is reduced to n, as in bin_pieces.
  EXPECT_LT(cell_piece_range(3, 100, 3).last, cell_piece_range(3, 100, 3).first);
  EXPECT_EQ(cell_piece_range(3, 100, 2).first, 2);
  EXPECT_EQ(cell_piece_range(3, 100, 2).last, 2);
}

TEST(PieceMapBins, HundredThousandPiecesIntoTenThousandBinsIsFast) {
  constexpr std::size_t kPieces = 100'000;
  constexpr std::size_t kBins = 10'000;
  std::mt19937 rng(7);
  Bytes state(kPieces);
  Bytes availability(kPieces);
  for (std::size_t i = 0; i < kPieces; ++i) {
    state[i] = static_cast<std::uint8_t>(rng() % 3);
    availability[i] = static_cast<std::uint8_t>(rng() % 50);
  }
  constexpr int kRuns = 20;
  double best_ms = 1e9;
  std::size_t checksum = 0;
  for (int run = 0; run < kRuns; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<PieceBin> bins = bin_pieces(state, availability, kBins);
    const auto t1 = std::chrono::steady_clock::now();
    checksum += bins.size();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  EXPECT_EQ(checksum, kRuns * kBins);
  std::printf("[   perf   ] 100000 pieces -> 10000 bins: best of %d %.3f ms\n", kRuns, best_ms);
  // The goal is well under 1 ms in a release build; the bound only catches an accidental
  // O(n * bins), leaving room for unoptimised and sanitizer builds on a busy CI machine.
  EXPECT_LT(best_ms, 50.0);
}

void expect_valid_grid(const PieceGrid& g, std::size_t n, float width, float height,
                       float min_cell) {
  SCOPED_TRACE(testing::Message() << "n=" << n << " " << width << "x" << height
                                  << " min=" << min_cell);
  ASSERT_GT(g.cells, 0U);
  EXPECT_LE(g.cells, n);
  const auto area = static_cast<std::size_t>(g.columns) * static_cast<std::size_t>(g.rows);
  EXPECT_LE(g.cells, area);
  // Either one cell per piece, or the area is full of bins.
  EXPECT_TRUE(g.cells == n || g.cells == area);
  // No wasted row: the last row holds at least one cell.
  EXPECT_GT(g.cells, area - static_cast<std::size_t>(g.columns));
  EXPECT_GE(g.cell, std::max(min_cell, 1.0F));
  EXPECT_LE(static_cast<double>(g.cell) * g.columns, static_cast<double>(width));
  EXPECT_LE(static_cast<double>(g.cell) * g.rows, static_cast<double>(height));
}

TEST(PieceMapBins, LayoutGivesEachPieceTheLargestCellThatFits) {
  // 10 pieces in 100x100: 3 columns x 4 rows of 25 px beats 2x5 (20 px) and 4x3 (25, later).
  const PieceGrid g = layout_piece_grid(10, 100, 100, 4);
  EXPECT_EQ(g.columns, 3);
  EXPECT_EQ(g.rows, 4);
  EXPECT_EQ(g.cells, 10U);
  EXPECT_FLOAT_EQ(g.cell, 25.0F);
  expect_valid_grid(g, 10, 100, 100, 4);

  const PieceGrid one = layout_piece_grid(1, 300, 40, 4);
  EXPECT_EQ(one.columns, 1);
  EXPECT_EQ(one.rows, 1);
  EXPECT_EQ(one.cells, 1U);
  EXPECT_FLOAT_EQ(one.cell, 40.0F);

  // A wide strip: all on one row.
  const PieceGrid strip = layout_piece_grid(20, 1000, 30, 4);
  EXPECT_EQ(strip.rows, 1);
  EXPECT_EQ(strip.columns, 20);
  EXPECT_FLOAT_EQ(strip.cell, 30.0F);
}

TEST(PieceMapBins, LayoutOfHugeCountsFillsTheAreaWithBins) {
  const PieceGrid g = layout_piece_grid(1'000'000, 800, 600, 4);
  EXPECT_EQ(g.columns, 200);
  EXPECT_EQ(g.rows, 150);
  EXPECT_EQ(g.cells, 30'000U);
  EXPECT_FLOAT_EQ(g.cell, 4.0F);
  expect_valid_grid(g, 1'000'000, 800, 600, 4);
  // Those cells are the bins.
  const std::vector<std::uint8_t> state(1'000'000, 2);
  EXPECT_EQ(bin_pieces(state, {}, g.cells).size(), g.cells);

  // Exactly as many pieces as the smallest cells allow: still one cell per piece.
  const PieceGrid full = layout_piece_grid(30'000, 800, 600, 4);
  EXPECT_EQ(full.cells, 30'000U);
  EXPECT_FLOAT_EQ(full.cell, 4.0F);
  // One more: bins.
  const PieceGrid over = layout_piece_grid(30'001, 800, 600, 4);
  EXPECT_EQ(over.cells, 30'000U);
}

TEST(PieceMapBins, LayoutOfNothingIsEmpty) {
  const auto empty = [](const PieceGrid& g) {
    return g.columns == 0 && g.rows == 0 && g.cells == 0 && g.cell == 0.0F;
  };
  EXPECT_TRUE(empty(layout_piece_grid(0, 800, 600, 4)));
  EXPECT_TRUE(empty(layout_piece_grid(100, 0, 600, 4)));
  EXPECT_TRUE(empty(layout_piece_grid(100, 800, 0, 4)));
  EXPECT_TRUE(empty(layout_piece_grid(100, -5, 600, 4)));
  EXPECT_TRUE(empty(layout_piece_grid(100, std::nanf(""), 600, 4)));
  // Not even one min_cell fits.
  EXPECT_TRUE(empty(layout_piece_grid(100, 3, 600, 4)));
  EXPECT_TRUE(empty(layout_piece_grid(100, 800, 3.9F, 4)));
}

TEST(PieceMapBins, LayoutTakesAtLeastOnePixelCells) {
  const PieceGrid g = layout_piece_grid(1'000'000, 100, 50, 0);
  EXPECT_EQ(g.columns, 100);
  EXPECT_EQ(g.rows, 50);
  EXPECT_EQ(g.cells, 5000U);
  EXPECT_FLOAT_EQ(g.cell, 1.0F);
}

TEST(PieceMapBins, LayoutInvariantsHoldAcrossSizes) {
  for (const std::size_t n : {1U, 2U, 5U, 17U, 100U, 1000U, 4321U, 100'000U}) {
    for (const float width : {7.0F, 100.0F, 333.3F, 1920.0F}) {
      for (const float height : {5.0F, 64.0F, 250.7F}) {
        for (const float min_cell : {1.0F, 3.0F, 4.5F}) {
          const PieceGrid g = layout_piece_grid(n, width, height, min_cell);
          expect_valid_grid(g, n, width, height, min_cell);
        }
      }
    }
  }
}

}  // namespace
}  // namespace lt
