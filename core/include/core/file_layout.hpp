#pragma once
// Maps between the torrent's piece space and its files: which byte ranges of which files make
// up a piece, and which pieces a file touches. All files are laid end to end in torrent order
// (pad files included), exactly as BEP 3 hashes them.

#include <cstdint>
#include <span>
#include <vector>

#include "core/units.hpp"

namespace lt {

// A contiguous part of one file inside a piece.
struct FileSpan {
  FileIndex file;
  std::int64_t file_offset = 0;  // where in the file the span starts
  std::int64_t length = 0;
  friend bool operator==(const FileSpan&, const FileSpan&) = default;
};

// [first, last) pieces; empty when first == last (zero-length files).
struct PieceRange {
  PieceIndex first;
  PieceIndex last;
  [[nodiscard]] bool empty() const noexcept { return first == last; }
  friend bool operator==(const PieceRange&, const PieceRange&) = default;
};

class FileLayout {
 public:
  // file_sizes must be non-negative, piece_length positive; the total must be positive.
  // Throws std::invalid_argument otherwise.
  FileLayout(std::vector<std::int64_t> file_sizes, std::int64_t piece_length);

  [[nodiscard]] std::int64_t total_size() const noexcept { return total_size_; }
  [[nodiscard]] std::int64_t piece_length() const noexcept { return piece_length_; }
  [[nodiscard]] std::int32_t num_pieces() const noexcept { return num_pieces_; }
  [[nodiscard]] std::int32_t num_files() const noexcept {
    return static_cast<std::int32_t>(sizes_.size());
  }
  [[nodiscard]] std::int64_t file_size(FileIndex f) const { return sizes_.at(index(f)); }
  [[nodiscard]] std::int64_t file_offset(FileIndex f) const { return offsets_.at(index(f)); }

  // Size of one piece: piece_length, except a shorter last piece.
  [[nodiscard]] std::int64_t piece_size(PieceIndex p) const;
  // Byte offset of the piece in the torrent.
  [[nodiscard]] std::int64_t piece_offset(PieceIndex p) const {
    return static_cast<std::int64_t>(p.get()) * piece_length_;
  }
  // The file parts that make up a piece, in order; zero-length files are skipped.
  [[nodiscard]] std::vector<FileSpan> piece_spans(PieceIndex p) const;
  // Spans covering [offset, offset + length) of the torrent.
  [[nodiscard]] std::vector<FileSpan> spans(std::int64_t offset, std::int64_t length) const;
  // The pieces a file's bytes fall in.
  [[nodiscard]] PieceRange pieces_for_file(FileIndex f) const;
  // The file holding torrent byte `offset` (skipping zero-length files).
  [[nodiscard]] FileIndex file_at(std::int64_t offset) const;

 private:
  [[nodiscard]] std::size_t index(FileIndex f) const { return static_cast<std::size_t>(f.get()); }

  std::vector<std::int64_t> sizes_;
  std::vector<std::int64_t> offsets_;
  std::int64_t piece_length_;
  std::int64_t total_size_ = 0;
  std::int32_t num_pieces_ = 0;
};

}  // namespace lt
