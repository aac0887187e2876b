#include "core/bitfield.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace lt {
namespace {

constexpr std::size_t byte_count(std::int32_t bits) noexcept {
  return (static_cast<std::size_t>(bits) + 7) / 8;
}

// Bits of the last byte that lie past `bits`: they must stay zero.
constexpr std::uint8_t spare_mask(std::int32_t bits) noexcept {
  const int used = bits & 7;
  return used == 0 ? std::uint8_t{0} : static_cast<std::uint8_t>(0xFFu >> used);
}

}  // namespace

Bitfield::Bitfield(std::int32_t size, bool value) : size_(size) {
  if (size < 0) throw std::invalid_argument("negative bitfield size");
  bytes_.assign(byte_count(size), value ? std::uint8_t{0xFF} : std::uint8_t{0});
  count_ = value ? size : 0;
  clear_spare_bits();
}

std::optional<Bitfield> Bitfield::from_bytes(std::span<const std::uint8_t> bytes,
                                             std::int32_t size) {
  if (size < 0 || bytes.size() != byte_count(size)) return std::nullopt;
  if (!bytes.empty() && (bytes.back() & spare_mask(size)) != 0) return std::nullopt;
  Bitfield b;
  b.size_ = size;
  b.bytes_.assign(bytes.begin(), bytes.end());
  for (const std::uint8_t byte : b.bytes_)
    b.count_ += std::popcount(byte);
  return b;
}

Bitfield Bitfield::from_string(std::string_view bits) {
  Bitfield b(static_cast<std::int32_t>(bits.size()));
  for (std::size_t i = 0; i < bits.size(); ++i) {
    if (bits[i] == '1') {
      b.set(PieceIndex(static_cast<std::int32_t>(i)));
    } else if (bits[i] != '0') {
      throw std::invalid_argument("bitfield string takes only '0' and '1'");
    }
  }
  return b;
}

void Bitfield::set(PieceIndex i) noexcept {
  if (i.get() < 0 || i.get() >= size_) return;
  std::uint8_t& byte = bytes_[static_cast<std::size_t>(i.get() >> 3)];
  if ((byte & mask(i.get())) != 0) return;
  byte = static_cast<std::uint8_t>(byte | mask(i.get()));
  ++count_;
}

void Bitfield::reset(PieceIndex i) noexcept {
  if (i.get() < 0 || i.get() >= size_) return;
  std::uint8_t& byte = bytes_[static_cast<std::size_t>(i.get() >> 3)];
  if ((byte & mask(i.get())) == 0) return;
  byte = static_cast<std::uint8_t>(byte & ~mask(i.get()));
  --count_;
}

void Bitfield::set_all() noexcept {
  std::fill(bytes_.begin(), bytes_.end(), std::uint8_t{0xFF});
  clear_spare_bits();
  count_ = size_;
}

std::int32_t Bitfield::find_next_set(std::int32_t from) const noexcept {
  if (from < 0) from = 0;
  if (from >= size_) return size_;
  auto byte = static_cast<std::size_t>(from >> 3);
  // The first byte may start mid-way: drop the bits before `from`.
  const auto first = static_cast<std::uint8_t>(bytes_[byte] & (0xFFu >> (from & 7)));
  if (first != 0) return static_cast<std::int32_t>(byte * 8) + std::countl_zero(first);
  ++byte;
  // Whole zero words are skipped eight bytes at a time; the order of bytes inside a word does
  // not matter for a zero test.
  while (byte + 8 <= bytes_.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes_.data() + byte, sizeof word);
    if (word != 0) break;
    byte += 8;
  }
  for (; byte < bytes_.size(); ++byte) {
    if (bytes_[byte] != 0) {
      return static_cast<std::int32_t>(byte * 8) + std::countl_zero(bytes_[byte]);
    }
  }
  return size_;
}

std::string Bitfield::to_string() const {
  std::string s(static_cast<std::size_t>(size_), '0');
  for (std::int32_t i = 0; i < size_; ++i) {
    if (test(PieceIndex(i))) s[static_cast<std::size_t>(i)] = '1';
  }
  return s;
}

void Bitfield::clear_spare_bits() noexcept {
  if (!bytes_.empty())
    bytes_.back() = static_cast<std::uint8_t>(bytes_.back() & ~spare_mask(size_));
}

}  // namespace lt
