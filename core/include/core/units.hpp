#pragma once
// Strong index types: a PieceIndex cannot be passed where a FileIndex is expected.

#include <compare>
#include <cstdint>
#include <functional>

namespace lt {

template <typename Tag>
struct StrongIndex {
  std::int32_t value = 0;

  constexpr StrongIndex() noexcept = default;
  constexpr explicit StrongIndex(std::int32_t v) noexcept : value(v) {}
  [[nodiscard]] constexpr std::int32_t get() const noexcept { return value; }
  constexpr StrongIndex& operator++() noexcept {
    ++value;
    return *this;
  }
  friend constexpr auto operator<=>(StrongIndex, StrongIndex) noexcept = default;
};

using PieceIndex = StrongIndex<struct PieceIndexTag>;
using FileIndex = StrongIndex<struct FileIndexTag>;
using BlockIndex = StrongIndex<struct BlockIndexTag>;

// The wire protocol's block size (BEP 3 requests are 16 KiB).
inline constexpr std::int32_t kBlockSize = 16 * 1024;

}  // namespace lt

template <typename Tag>
struct std::hash<lt::StrongIndex<Tag>> {
  std::size_t operator()(lt::StrongIndex<Tag> i) const noexcept {
    return std::hash<std::int32_t>{}(i.value);
  }
};
