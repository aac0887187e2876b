#pragma once
// The BEP 10 extension handshake: the bencoded dictionary sent as extended message 0, which
// names the extensions a peer supports (and the message ids it wants them sent with), its
// listen port, client name, request queue depth and, for ut_metadata, the info dict's size.
//
// The payload comes from an untrusted peer before anything else about it is known, so decoding
// is cheap and forgiving: unknown keys and unusable entries are ignored rather than fatal, every
// kept value is bounded, and only a non-dictionary or an impossible metadata_size (which would
// make us allocate for metadata) refuses the whole handshake.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/parse_result.hpp"

namespace lt::wire {

// The extended message id of the handshake itself.
inline constexpr std::uint8_t kExtendedHandshakeId = 0;

// Entries of "m" kept from a peer; real clients send about ten.
inline constexpr std::size_t kMaxExtensions = 64;
// "v" is cut to this many bytes (at a UTF-8 boundary).
inline constexpr std::size_t kMaxClientNameLength = 64;
// "reqq" is clamped to this: more outstanding requests than any peer needs.
inline constexpr std::int32_t kMaxReqq = 2000;
// The largest "metadata_size" we accept: ut_metadata buffers the whole info dict, and 8 MiB
// holds the hashes of ~400k pieces, far more than real torrents have.
inline constexpr std::int64_t kMaxMetadataSize = std::int64_t{8} * 1024 * 1024;

struct ExtensionHandshake {
  std::vector<std::pair<std::string, int>> extensions;  // "m": name -> message id, 0 = disabled
  std::optional<std::uint16_t> listen_port;             // "p"
  std::string client;                                   // "v"
  std::optional<std::int32_t> reqq;                     // "reqq"
  std::optional<std::int64_t> metadata_size;            // "metadata_size"
  std::string your_ip;  // "yourip": our address as the peer sees it, raw 4 or 16 bytes

  // The id the sender wants for extension `name`; 0 when absent or disabled.
  [[nodiscard]] int extension_id(std::string_view name) const;

  friend bool operator==(const ExtensionHandshake&, const ExtensionHandshake&) = default;
};

// The bencoded payload (canonical: keys sorted). Empty or unset fields are left out, "m"
// included when there are no extensions; of duplicate extension names the first is written.
[[nodiscard]] std::string encode_extension_handshake(const ExtensionHandshake& handshake);

// Decodes a payload with tight bencode limits (depth 8, 1000 values). The root must be a
// dictionary and "m", if present, a dictionary. Otherwise lenient:
// - "m": entries whose value is not an integer in 0..255 are skipped, as are repeated names
//   (the first wins); at most kMaxExtensions are kept, in payload order.
// - "p": kept only if an integer in 1..65535.
// - "v": kept up to kMaxClientNameLength bytes; control characters and invalid UTF-8 become '_'.
// - "reqq": a positive integer, clamped to kMaxReqq; anything else is ignored.
// - "metadata_size": if present must be an integer in 1..kMaxMetadataSize.
// - "yourip": kept only if a 4 or 16 byte string.
[[nodiscard]] ParseResult<ExtensionHandshake> decode_extension_handshake(
    std::span<const std::uint8_t> payload);

}  // namespace lt::wire
