#pragma once
// Magnet links in the BEP 9 URI form: parse what users paste, build what `liketorrent magnet`
// prints.
//
// Parsing is lenient where real links vary and strict where a mistake would silently change
// meaning. Lenient: "magnet:" in any case, ASCII whitespace around the whole link (a pasted
// line), indexed keys ("tr.1", "xt.2"), unknown keys, extra xt URNs, repeated entries, and
// individual trackers, peers or web seeds that are unusable (those are dropped, the rest of the
// link still works). Strict (MagnetError): no "magnet:?", no urn:btih info-hash, a malformed
// hash, a bad %XX escape in any known key's value (the link was mangled somewhere), a malformed
// xl, empty or oversized input.
//
// Work is bounded: the input is capped at kMaxMagnetLength bytes and everything is one linear
// pass over it, with hashed de-duplication.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/sha1.hpp"

namespace lt {

// Longer input is rejected outright: no real magnet comes close, and it bounds all work.
inline constexpr std::size_t kMaxMagnetLength = std::size_t{64} * 1024;
// Entries kept per list; later ones are ignored. Swarms never need more, and each tracker or
// peer costs the engine a connection attempt.
inline constexpr std::size_t kMaxMagnetTrackers = 200;
inline constexpr std::size_t kMaxMagnetPeers = 200;
inline constexpr std::size_t kMaxMagnetWebSeeds = 50;

struct MagnetLink {
  InfoHash info_hash;                        // from xt=urn:btih:
  std::string display_name;                  // dn (decoded), may be empty
  std::vector<std::string> trackers;         // tr, decoded, in order, de-duplicated, capped
  std::vector<std::string> peers;            // x.pe "host:port" / "[v6]:port", decoded
  std::vector<std::string> web_seeds;        // ws, decoded
  std::optional<std::int64_t> exact_length;  // xl

  friend bool operator==(const MagnetLink&, const MagnetLink&) = default;
};

class MagnetError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

// Parses a magnet URI. Throws MagnetError with a one-line reason.
//
// - xt: the first urn:btih: wins (40 hex or 32 base32 characters, either case); other URNs are
//   ignored, but a link whose only BitTorrent URN is urn:btmh (v2) is rejected as unsupported.
// - dn: the first one wins; control characters (Unicode Cc) become '_'.
// - tr, ws: kept in order, exact duplicates removed, capped (kMaxMagnetTrackers,
//   kMaxMagnetWebSeeds); an entry that is empty or holds a control character is dropped.
// - x.pe: "host:port" or "[v6]:port" with port 1-65535, duplicates removed, capped
//   (kMaxMagnetPeers); anything else is dropped, not fatal, since peers are only a hint.
// - xl: a non-negative decimal integer fitting int64, else an error; the first one wins.
// Values are percent-decoded with percent_decode ('+' is kept, not turned into a space).
[[nodiscard]] MagnetLink parse_magnet(std::string_view uri);

// Builds "magnet:?xt=urn:btih:<40 lowercase hex>&dn=..&xl=..&tr=..&ws=..&x.pe=.." with every
// value percent-encoded. dn is left out when empty, xl when unset or negative. Lists are written
// as given (no caps or checks here: parse_magnet applies those on the way in).
[[nodiscard]] std::string make_magnet(const MagnetLink& link);

// Decodes %XX escapes (either case). '+' stays '+': magnet values are RFC 3986 query text, not
// HTML form encoding. nullopt on a '%' not followed by two hex digits.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text);

// Escapes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - . _ ~) as %XX with
// uppercase hex.
[[nodiscard]] std::string percent_encode(std::string_view text);

}  // namespace lt
