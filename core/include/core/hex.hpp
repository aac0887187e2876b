#pragma once
// Hex and base32 text forms of binary digests (info-hashes in magnets, JSON, logs).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lt {

// Value of one hex digit (either case), or -1.
[[nodiscard]] int hex_digit_value(char c) noexcept;

// Lowercase hex of the bytes.
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);

// Bytes of a hex string (either case); nullopt on odd length or a non-hex character.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

// Bytes of an RFC 4648 base32 string (either case, no padding expected but '=' tolerated at the
// end); nullopt on a character outside the alphabet or non-zero trailing bits.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> from_base32(std::string_view text);

}  // namespace lt
