#pragma once
// The piece map's aggregation: folds a PieceSnapshot (one state byte and one availability byte
// per piece) into the cells the GUI draws, and lays those cells out in the space it has. Pure,
// so the exact arithmetic is unit tested; the ImGui drawing lives in gui/ and only reads bins.
//
// Decisions:
//   - Area-weighted bins, not "worst piece wins" or sampling: a bin shows the share of its area
//     each state covers, so a torrent that is 40% done looks 40% done at any zoom, and a lone
//     downloading piece among 10 still shows as a thin sliver rather than vanishing or flooding
//     its bin.
//   - Exact: piece i covers [i*bins, (i+1)*bins) and bin j covers [j*n, (j+1)*n) on an axis
//     scaled by n, so every overlap is an integer; floats appear only in the final fractions.
//   - One pass, O(n + bins), with no division per piece or bin and no branch on a piece's
//     state: the map is rebuilt at the snapshot rate (~2 Hz) for torrents of 100,000+ pieces,
//     on the GUI thread (100,000 pieces into 10,000 bins: ~0.1 ms at -O2).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lt {

struct PieceBin {
  float have = 0;         // fraction (0..1) of this bin's area covered by pieces we have
  float downloading = 0;  // ... by pieces in flight
  float missing = 0;      // ... by missing pieces (the three sum to 1 for a non-empty bin)
  std::uint8_t min_availability = 255;  // rarest piece touching the bin (availability strip)
  std::int32_t first_piece = 0;         // pieces touching this bin: [first_piece, last_piece]
  std::int32_t last_piece = -1;
};

// Piece i covers the interval [i*bins/n, (i+1)*bins/n) of the bin axis, n = state.size(); a
// bin's fractions are the lengths covered per state divided by the bin's length (1). When
// bins >= n, bins is reduced to n: one cell per piece. bins == 0 or n == 0 gives an empty
// vector. State values other than 0 missing / 1 downloading / 2 have count as missing.
// `availability` is read for the pieces it covers; pieces past its end (an engine that sent
// none) do not lower min_availability.
[[nodiscard]] std::vector<PieceBin> bin_pieces(std::span<const std::uint8_t> state,
                                               std::span<const std::uint8_t> availability,
                                               std::size_t bins);

struct PieceGrid {
  int columns = 0;
  int rows = 0;
  std::size_t cells = 0;  // cells to draw, row by row; the last row may be partial
  float cell = 0;         // side of a square cell, in pixels
};

// The grid that fits `num_pieces` into width x height (pixels) with square cells no smaller
// than min_cell (taken as at least 1 pixel): one cell per piece, as large as fits, when every
// piece fits; else as many min_cell-ish cells as fit, each then a bin (pass `cells` to
// bin_pieces). All zeros when there is nothing to draw or not even one cell fits.
[[nodiscard]] PieceGrid layout_piece_grid(std::size_t num_pieces, float width, float height,
                                          float min_cell);

struct PieceRange {
  std::int32_t first = 0;
  std::int32_t last = -1;  // inclusive; last < first: no pieces
};

// Which pieces cell `cell` of `bins` cells shows (for hover text), by the same arithmetic as
// bin_pieces, so it matches that bin's first_piece and last_piece. Empty when out of range.
[[nodiscard]] PieceRange cell_piece_range(std::size_t num_pieces, std::size_t bins,
                                          std::size_t cell);

}  // namespace lt
