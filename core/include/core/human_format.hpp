#pragma once
// Human-readable numbers shared by the CLI and the GUI.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lt {

// "0 B", "425 B", "16.0 KiB", "1.50 GiB": binary units, three significant digits.
[[nodiscard]] std::string format_bytes(std::int64_t bytes);

// "2026-11-24 13:05:00 UTC" for a Unix time.
[[nodiscard]] std::string format_utc(std::int64_t unix_seconds);

// Parses a size as users type it: "262144", "256K", "256k", "256KiB", "1M", "1MiB", "2G".
// Suffixes are binary (K = 1024). nullopt on anything else or on overflow.
[[nodiscard]] std::optional<std::int64_t> parse_size(std::string_view text);

}  // namespace lt
