#include "core/file_layout.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace lt {

FileLayout::FileLayout(std::vector<std::int64_t> file_sizes, std::int64_t piece_length)
    : sizes_(std::move(file_sizes)), piece_length_(piece_length) {
  if (piece_length_ <= 0) throw std::invalid_argument("piece length must be positive");
  offsets_.reserve(sizes_.size());
  for (const std::int64_t size : sizes_) {
    if (size < 0) throw std::invalid_argument("file size must not be negative");
    if (size > std::numeric_limits<std::int64_t>::max() - total_size_) {
      throw std::invalid_argument("total size overflows");
    }
    offsets_.push_back(total_size_);
    total_size_ += size;
  }
  if (total_size_ <= 0) throw std::invalid_argument("total size must be positive");
  const std::int64_t pieces = (total_size_ - 1) / piece_length_ + 1;
  if (pieces > std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument("too many pieces");
  }
  num_pieces_ = static_cast<std::int32_t>(pieces);
}

std::int64_t FileLayout::piece_size(PieceIndex p) const {
  if (p.get() < 0 || p.get() >= num_pieces_) throw std::out_of_range("piece index out of range");
  return std::min(piece_length_, total_size_ - piece_offset(p));
}

std::vector<FileSpan> FileLayout::piece_spans(PieceIndex p) const {
  return spans(piece_offset(p), piece_size(p));
}

FileIndex FileLayout::file_at(std::int64_t offset) const {
  if (offset < 0 || offset >= total_size_) throw std::out_of_range("offset out of range");
  // The last file whose start is <= offset; zero-length files share a start with their
  // successor, so move forward past them.
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), offset);
  auto i = static_cast<std::size_t>(std::distance(offsets_.begin(), it)) - 1;
  while (sizes_[i] == 0)
    ++i;
  return FileIndex(static_cast<std::int32_t>(i));
}

std::vector<FileSpan> FileLayout::spans(std::int64_t offset, std::int64_t length) const {
  std::vector<FileSpan> out;
  if (length <= 0) return out;
  if (offset < 0 || length > total_size_ - offset) throw std::out_of_range("range out of bounds");
  auto i = static_cast<std::size_t>(file_at(offset).get());
  while (length > 0) {
    if (sizes_[i] > 0) {
      const std::int64_t in_file = offset - offsets_[i];
      const std::int64_t n = std::min(length, sizes_[i] - in_file);
      out.push_back({FileIndex(static_cast<std::int32_t>(i)), in_file, n});
      offset += n;
      length -= n;
    }
    ++i;
  }
  return out;
}

PieceRange FileLayout::pieces_for_file(FileIndex f) const {
  const std::int64_t size = file_size(f);
  if (size == 0) {
    const auto at = static_cast<std::int32_t>(file_offset(f) / piece_length_);
    return {PieceIndex(at), PieceIndex(at)};
  }
  const std::int64_t first = file_offset(f) / piece_length_;
  const std::int64_t last = (file_offset(f) + size - 1) / piece_length_ + 1;
  return {PieceIndex(static_cast<std::int32_t>(first)),
          PieceIndex(static_cast<std::int32_t>(last))};
}

}  // namespace lt
