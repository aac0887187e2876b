#pragma once
// The peer wire protocol as a pure codec: the handshake and messages of BEP 3, the Fast
// extension's messages (BEP 6) and the extension protocol's envelope (BEP 10).
//
// Decoding is zero-copy: payloads (bitfield bits, block data, extended payloads) are views into
// the caller's buffer. Decoding only checks what the bytes alone can tell (lengths, negative
// fields); validate() then checks a message against the torrent's geometry. Both return a short
// reason on failure, which the session logs before it drops the peer.
//
// FrameSplitter turns the byte stream into frames. It owns the receive buffer, so a reader can
// read straight into it (prepare/commit) and decode frames in place.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/parse_result.hpp"
#include "core/peer_id.hpp"
#include "core/piece_geometry.hpp"
#include "core/sha1.hpp"
#include "core/units.hpp"

namespace lt::wire {

enum class MessageId : std::uint8_t {
  choke = 0,
  unchoke = 1,
  interested = 2,
  not_interested = 3,
  have = 4,
  bitfield = 5,
  request = 6,
  piece = 7,
  cancel = 8,
  port = 9,
  suggest = 13,
  have_all = 14,
  have_none = 15,
  reject = 16,
  allowed_fast = 17,
  extended = 20,
};

// Length prefixes above this are refused before anything is buffered: the largest legitimate
// message is a bitfield, and a 4M-piece torrent's is 512 KiB. A piece message is 13 + 16 KiB.
inline constexpr std::uint32_t kMaxMessageLength = (1u << 20) + 13;

inline constexpr std::size_t kHandshakeLength = 68;

// ---- Handshake ----

struct Handshake {
  InfoHash info_hash;
  PeerId peer_id{};
  std::array<std::uint8_t, 8> reserved{};

  // BEP 6 Fast extension.
  [[nodiscard]] bool supports_fast() const noexcept { return (reserved[7] & 0x04) != 0; }
  // BEP 10 extension protocol.
  [[nodiscard]] bool supports_extensions() const noexcept { return (reserved[5] & 0x10) != 0; }

  // What we send: both extension bits set.
  [[nodiscard]] static Handshake ours(const InfoHash& info_hash, const PeerId& peer_id) noexcept;

  friend bool operator==(const Handshake&, const Handshake&) = default;
};

// pstrlen 19, "BitTorrent protocol", reserved, info-hash, peer id.
[[nodiscard]] std::array<std::uint8_t, kHandshakeLength> encode_handshake(const Handshake& h);

// Exactly kHandshakeLength bytes with the BitTorrent protocol string; the caller reads exactly
// that many (nothing after a handshake may be sent before the peer's arrives).
[[nodiscard]] ParseResult<Handshake> decode_handshake(std::span<const std::uint8_t> bytes);

// ---- Messages ----
//
// Messages holding spans compare by content, so a decoded message equals the one that was
// encoded.

struct KeepAlive {
  friend bool operator==(const KeepAlive&, const KeepAlive&) = default;
};
struct Choke {
  friend bool operator==(const Choke&, const Choke&) = default;
};
struct Unchoke {
  friend bool operator==(const Unchoke&, const Unchoke&) = default;
};
struct Interested {
  friend bool operator==(const Interested&, const Interested&) = default;
};
struct NotInterested {
  friend bool operator==(const NotInterested&, const NotInterested&) = default;
};
struct Have {
  PieceIndex piece;
  friend bool operator==(const Have&, const Have&) = default;
};
// Bit i (most significant bit of byte 0 first) is piece i.
struct Bitfield {
  std::span<const std::uint8_t> bits;
  friend bool operator==(const Bitfield& a, const Bitfield& b) noexcept;
};
struct Request {
  BlockRequest block;
  friend bool operator==(const Request&, const Request&) = default;
};
struct Piece {
  PieceIndex piece;
  std::int32_t begin = 0;
  std::span<const std::uint8_t> data;
  friend bool operator==(const Piece& a, const Piece& b) noexcept;
};
struct Cancel {
  BlockRequest block;
  friend bool operator==(const Cancel&, const Cancel&) = default;
};
// BEP 5: the peer's DHT port.
struct Port {
  std::uint16_t port = 0;
  friend bool operator==(const Port&, const Port&) = default;
};
// BEP 6 Fast extension: Suggest, HaveAll, HaveNone, Reject, AllowedFast.
struct Suggest {
  PieceIndex piece;
  friend bool operator==(const Suggest&, const Suggest&) = default;
};
struct HaveAll {
  friend bool operator==(const HaveAll&, const HaveAll&) = default;
};
struct HaveNone {
  friend bool operator==(const HaveNone&, const HaveNone&) = default;
};
struct Reject {
  BlockRequest block;
  friend bool operator==(const Reject&, const Reject&) = default;
};
struct AllowedFast {
  PieceIndex piece;
  friend bool operator==(const AllowedFast&, const AllowedFast&) = default;
};
// BEP 10: id 0 is the extension handshake (core/extension_handshake.hpp), others are the ids
// we assigned in our handshake's "m".
struct Extended {
  std::uint8_t id = 0;
  std::span<const std::uint8_t> payload;
  friend bool operator==(const Extended& a, const Extended& b) noexcept;
};
// A message id we do not implement (BEP 52 hash messages, retired ids). The session ignores it;
// its payload is dropped, so it re-encodes as the bare id.
struct Unknown {
  std::uint8_t id = 0;
  friend bool operator==(const Unknown&, const Unknown&) = default;
};

using Message = std::variant<KeepAlive, Choke, Unchoke, Interested, NotInterested, Have, Bitfield,
                             Request, Piece, Cancel, Port, Suggest, HaveAll, HaveNone, Reject,
                             AllowedFast, Extended, Unknown>;

// Decodes one message body (the bytes after the 4-byte length prefix; empty is a keep-alive).
// Refuses bodies longer than kMaxMessageLength, a known id with the wrong length ("have: wrong
// length 6, expected 5"), and piece indices, offsets or lengths with the top bit set (the wire
// carries them unsigned; BEP 3 values are all below 2^31). Spans view `body`.
[[nodiscard]] ParseResult<Message> decode_message(std::span<const std::uint8_t> body);

// Checks a decoded message against the torrent: nullopt when fine, else the reason. Piece
// indices must be in range, a bitfield must be ceil(num_pieces / 8) bytes with the spare bits
// clear, request/cancel/reject must be geometry.is_servable, and piece data must be 1 to
// kBlockSize bytes inside its piece. Other messages are always fine here. Needs the real
// geometry: before a magnet's metadata arrives there is nothing to check against.
[[nodiscard]] std::optional<std::string> validate(const Message& message,
                                                  const PieceGeometry& geometry);

// ---- Encoding ----
//
// Encoders append a whole frame (length prefix included) so that a writer can batch several
// messages into one buffer and one write.

void append_message(std::vector<std::uint8_t>& out, const Message& message);

// The 13 bytes that precede a block in a piece message (length prefix, id, index, begin), for a
// sender that writes the block from its own buffer with a scatter write instead of copying it.
void append_piece_header(std::vector<std::uint8_t>& out, PieceIndex piece, std::int32_t begin,
                         std::int32_t length);

// "choke", "not_interested", "piece", "keep_alive", "unknown", ... for logs.
[[nodiscard]] std::string_view name(const Message& message) noexcept;

// ---- Framing ----

// Splits a byte stream into length-prefixed frames for a reader that reads large chunks.
//
// Frames are views into the internal buffer, valid until the next call to a non-const member.
// The buffer is reused: consumed bytes are dropped by moving the unconsumed tail (at most one
// partial frame when the caller drains next() before reading again) to the front, only when
// the free tail is too small for the next read, so each received byte is moved at most once
// and usually not at all. If next() is drained to NeedMore before every feed()/prepare(), the
// buffer never holds more than kMaxMessageLength + 4 + the largest read.
class FrameSplitter {
 public:
  struct NeedMore {};
  struct Frame {
    std::span<const std::uint8_t> body;  // after the length prefix; empty for a keep-alive
  };
  struct Oversized {
    std::uint32_t length;  // the refused length prefix
  };

  // Appends received bytes (one copy). prepare/commit avoids even that.
  void feed(std::span<const std::uint8_t> bytes);

  // A writable span of exactly n bytes at the end of the buffered data; read into it, then
  // commit() how many bytes arrived (at most n). Invalidates earlier frames.
  [[nodiscard]] std::span<std::uint8_t> prepare(std::size_t n);
  void commit(std::size_t n) noexcept;

  // The next complete frame, NeedMore, or Oversized as soon as a length prefix above
  // kMaxMessageLength arrives (before any of its body is buffered). After Oversized the stream
  // cannot be resynchronised: every later call returns it again and the caller disconnects.
  [[nodiscard]] std::variant<NeedMore, Frame, Oversized> next() noexcept;

  // Received bytes not yet returned as frames.
  [[nodiscard]] std::size_t buffered() const noexcept { return end_ - begin_; }
  // Bytes allocated for the buffer.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first unconsumed byte
  std::size_t end_ = 0;    // one past the last received byte
  std::size_t prepared_ = 0;
};

}  // namespace lt::wire
