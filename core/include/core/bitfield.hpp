#pragma once
// A fixed-size set of pieces in BitTorrent wire order: bit 0 is the high bit of byte 0, so
// bytes() is exactly the payload of a `bitfield` message. The spare bits of the last byte are
// always zero, which keeps bytes() sendable as is and makes operator== a plain comparison.
// count() is a cached counter because the picker and the GUI ask for it all the time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace lt {

class Bitfield {
 public:
  Bitfield() = default;
  // size bits, all set to value. Throws std::invalid_argument when size is negative.
  explicit Bitfield(std::int32_t size, bool value = false);

  // The payload of a peer's `bitfield` message for a torrent of `size` pieces; nullopt when the
  // byte count is not ceil(size / 8) or a spare bit is set (BEP 3 says drop such a peer).
  [[nodiscard]] static std::optional<Bitfield> from_bytes(std::span<const std::uint8_t> bytes,
                                                          std::int32_t size);
  // For tests: "1101" -> bits 0, 1 and 3 set. Throws std::invalid_argument on other characters.
  [[nodiscard]] static Bitfield from_string(std::string_view bits);

  [[nodiscard]] std::int32_t size() const noexcept { return size_; }
  [[nodiscard]] std::int32_t count() const noexcept { return count_; }
  [[nodiscard]] bool all() const noexcept { return count_ == size_; }
  [[nodiscard]] bool none() const noexcept { return count_ == 0; }

  // False outside [0, size()).
  [[nodiscard]] bool test(PieceIndex i) const noexcept {
    if (i.get() < 0 || i.get() >= size_) return false;
    const auto byte = static_cast<std::size_t>(i.get() >> 3);
    return (bytes_[byte] & mask(i.get())) != 0;
  }
  // No-ops outside [0, size()): a bad index from the wire must not corrupt the counter.
  void set(PieceIndex i) noexcept;
  void reset(PieceIndex i) noexcept;
  void set_all() noexcept;

  // The first set bit at or after `from`, or size() when there is none. Skips zero words, so a
  // sparse peer's pieces are walked in O(size / 64 + count).
  [[nodiscard]] std::int32_t find_next_set(std::int32_t from) const noexcept;

  // ceil(size() / 8) bytes, spare bits zero.
  [[nodiscard]] std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }
  // "1101...", one character per bit.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const Bitfield&, const Bitfield&) = default;

 private:
  [[nodiscard]] static constexpr std::uint8_t mask(std::int32_t i) noexcept {
    return static_cast<std::uint8_t>(0x80u >> (i & 7));
  }
  void clear_spare_bits() noexcept;

  std::vector<std::uint8_t> bytes_;
  std::int32_t size_ = 0;
  std::int32_t count_ = 0;
};

}  // namespace lt
