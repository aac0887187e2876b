#include "core/piece_map_bins.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace lt {
namespace {

constexpr std::uint8_t kDownloading = 1;
constexpr std::uint8_t kHave = 2;

// 1 for the one state value, 0 for the other 255. Counting through a table keeps the hot loop
// branch-free: GCC turns `s == kHave` into a jump, which mispredicts on every other piece of a
// half-done torrent and cost ~3x the whole loop.
constexpr std::array<std::uint8_t, 256> indicator(std::uint8_t value) {
  std::array<std::uint8_t, 256> table{};
  table[value] = 1;
  return table;
}
constexpr std::array<std::uint8_t, 256> kIsHave = indicator(kHave);
constexpr std::array<std::uint8_t, 256> kIsDownloading = indicator(kDownloading);

// Keeps a grid side castable to int and a degenerate call (a 1e30-pixel window) cheap; no real
// screen comes near it.
constexpr double kMaxGridSide = 65536;

// The largest float side that keeps `count` cells within `extent` pixels: the double quotient
// can round up when narrowed, and a grid must never overflow its area.
float fitting_side(double side, int count, double extent) {
  auto f = static_cast<float>(side);
  while (f > 0 && static_cast<double>(f) * count > extent)
    f = std::nextafter(f, 0.0F);
  return f;
}

}  // namespace

std::vector<PieceBin> bin_pieces(std::span<const std::uint8_t> state,
                                 std::span<const std::uint8_t> availability, std::size_t bins) {
  const std::size_t n = state.size();
  if (n == 0 || bins == 0) return {};
  const std::size_t b = std::min(bins, n);
  const std::size_t known_availability = std::min(availability.size(), n);
  const std::uint64_t n64 = n;
  const std::uint64_t b64 = b;
  const auto length = static_cast<double>(n);
  std::vector<PieceBin> out(b);

  // Bin j is [j*n, (j+1)*n) on the axis scaled by n, piece i is [i*b, (i+1)*b), so every
  // covered length is an exact integer. The bin edges are kept as quotient and remainder by b,
  // stepped by n = n_q*b + n_r per bin: a 64-bit division per edge would cost more than the
  // counting itself at ~10 pieces per bin.
  const std::uint64_t n_q = n64 / b64;
  const std::uint64_t n_r = n64 % b64;
  std::uint64_t lo_q = 0;  // (j*n) / b
  std::uint64_t lo_r = 0;  // (j*n) % b
  for (std::size_t j = 0; j < b; ++j) {
    std::uint64_t hi_q = lo_q + n_q;
    std::uint64_t hi_r = lo_r + n_r;
    if (hi_r >= b64) {
      hi_r -= b64;
      ++hi_q;
    }
    const std::uint64_t lo = j * n64;
    const std::uint64_t hi = lo + n64;
    // Pieces overlapping the bin by a positive length; cell_piece_range() computes the same.
    const std::uint64_t first = lo_q;
    const std::uint64_t last = hi_r != 0 ? hi_q : hi_q - 1;
    // Pieces wholly inside: [inner_begin, inner_end). A piece is never longer than a bin
    // (b <= n), so at most the first and the last piece stick out, each into one neighbour.
    const std::uint64_t inner_begin = lo_r != 0 ? lo_q + 1 : lo_q;
    const std::uint64_t inner_end = hi_q;
    lo_q = hi_q;
    lo_r = hi_r;

    // The bulk of the work: count whole pieces, then add the parts of the two that stick out.
    // Missing is what is left over, so it needs no counter.
    std::uint64_t inner_have = 0;
    std::uint64_t inner_downloading = 0;
    for (std::uint64_t i = inner_begin; i < inner_end; ++i) {
      inner_have += kIsHave[state[i]];
      inner_downloading += kIsDownloading[state[i]];
    }
    std::uint64_t have = inner_have * b64;
    std::uint64_t downloading = inner_downloading * b64;
    const auto add_part = [&](std::uint64_t piece, std::uint64_t part) {
      have += kIsHave[state[piece]] * part;
      downloading += kIsDownloading[state[piece]] * part;
    };
    if (first < inner_begin) add_part(first, (first + 1) * b64 - lo);
    if (last >= inner_end) add_part(last, hi - last * b64);

    PieceBin& cell = out[j];
    cell.first_piece = static_cast<std::int32_t>(first);
    cell.last_piece = static_cast<std::int32_t>(last);
    const std::uint64_t avail_end = std::min<std::uint64_t>(last + 1, known_availability);
    std::uint8_t rarest = 255;
    for (std::uint64_t i = first; i < avail_end; ++i)
      rarest = std::min(rarest, availability[i]);
    cell.min_availability = rarest;

    // One rounding per fraction, from the exact integers.
    const std::uint64_t missing = n64 - have - downloading;
    cell.have = static_cast<float>(static_cast<double>(have) / length);
    cell.downloading = static_cast<float>(static_cast<double>(downloading) / length);
    cell.missing = static_cast<float>(static_cast<double>(missing) / length);
  }
  return out;
}

PieceGrid layout_piece_grid(std::size_t num_pieces, float width, float height, float min_cell) {
  // Written so that NaN sizes fail the tests too.
  if (num_pieces == 0 || !(width > 0) || !(height > 0)) return {};
  // A cell under a pixel cannot be seen, and would let the cell count explode.
  const double side_min = min_cell >= 1 ? static_cast<double>(min_cell) : 1.0;
  const auto w = static_cast<double>(width);
  const auto h = static_cast<double>(height);
  const double max_columns = std::min(std::floor(w / side_min), kMaxGridSide);
  const double max_rows = std::min(std::floor(h / side_min), kMaxGridSide);
  if (max_columns < 1 || max_rows < 1) return {};
  const auto column_cap = static_cast<std::size_t>(max_columns);
  const auto row_cap = static_cast<std::size_t>(max_rows);

  PieceGrid grid;
  if (num_pieces > column_cap * row_cap) {
    // Too many pieces: fill the area with the smallest cells, each then a bin of pieces.
    grid.columns = static_cast<int>(column_cap);
    grid.rows = static_cast<int>(row_cap);
    grid.cells = column_cap * row_cap;
  } else {
    // Every piece gets a cell: try each column count and keep the one with the largest square
    // cell. At most column_cap cheap steps, and column_cap alone always fits, so one is found.
    double best = 0;
    for (std::size_t c = 1; c <= std::min(num_pieces, column_cap); ++c) {
      const std::size_t r = (num_pieces + c - 1) / c;
      if (r > row_cap) continue;
      const double side = std::min(w / static_cast<double>(c), h / static_cast<double>(r));
      if (side > best) {
        best = side;
        grid.columns = static_cast<int>(c);
        grid.rows = static_cast<int>(r);
      }
    }
    grid.cells = num_pieces;
  }
  grid.cell = std::min(fitting_side(w / grid.columns, grid.columns, w),
                       fitting_side(h / grid.rows, grid.rows, h));
  return grid;
}

PieceRange cell_piece_range(std::size_t num_pieces, std::size_t bins, std::size_t cell) {
  const std::size_t b = std::min(bins, num_pieces);
  if (b == 0 || cell >= b) return {};
  // Pieces whose [i*b, (i+1)*b) overlaps [cell*n, (cell+1)*n) by a positive length.
  const std::uint64_t n = num_pieces;
  const std::uint64_t first = cell * n / b;
  const std::uint64_t last = ((cell + 1) * n + b - 1) / b - 1;
  return {static_cast<std::int32_t>(first), static_cast<std::int32_t>(last)};
}

}  // namespace lt
