#include "core/peer_wire.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

namespace lt::wire {
namespace {

constexpr std::string_view kProtocol = "BitTorrent protocol";

// Indexed like Message's alternatives.
constexpr std::string_view kNames[] = {
    "keep_alive", "choke",     "unchoke", "interested",   "not_interested", "have",
    "bitfield",   "request",   "piece",   "cancel",       "port",           "suggest",
    "have_all",   "have_none", "reject",  "allowed_fast", "extended",       "unknown",
};
static_assert(std::size(kNames) == std::variant_size_v<Message>);

template <typename T>
constexpr std::string_view name_of() noexcept {
  return kNames[Message(T{}).index()];
}

std::uint32_t read_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  const std::uint8_t bytes[] = {static_cast<std::uint8_t>(v >> 24),
                                static_cast<std::uint8_t>(v >> 16),
                                static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  out.insert(out.end(), std::begin(bytes), std::end(bytes));
}

// Signed fields travel as their two's-complement bits; decode_message has refused the negative
// ones, and encoders write whatever the caller holds.
void put_i32(std::vector<std::uint8_t>& out, std::int32_t v) {
  put_u32(out, static_cast<std::uint32_t>(v));
}

// The length prefix and id of a message whose payload is `payload` bytes.
void put_header(std::vector<std::uint8_t>& out, MessageId id, std::size_t payload) {
  put_u32(out, static_cast<std::uint32_t>(payload + 1));
  out.push_back(static_cast<std::uint8_t>(id));
}

ParseError wrong_length(std::string_view what, std::size_t got, std::size_t expected,
                        bool at_least = false) {
  return ParseError{std::string(what) + ": wrong length " + std::to_string(got) + ", expected " +
                    (at_least ? "at least " : "") + std::to_string(expected)};
}

// Reads a non-negative int32 at p; nullopt when the top bit is set.
std::optional<std::int32_t> read_non_negative(const std::uint8_t* p) noexcept {
  const std::uint32_t v = read_u32(p);
  if (v > static_cast<std::uint32_t>(std::numeric_limits<std::int32_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int32_t>(v);
}

// Messages with no payload: choke, unchoke, interested, not_interested, have_all, have_none.
template <typename T>
ParseResult<Message> decode_bare(std::span<const std::uint8_t> body) {
  if (body.size() != 1) return wrong_length(name_of<T>(), body.size(), 1);
  return Message{T{}};
}

// Messages carrying one piece index: have, suggest, allowed_fast.
template <typename T>
ParseResult<Message> decode_piece_index(std::span<const std::uint8_t> body) {
  if (body.size() != 5) return wrong_length(name_of<T>(), body.size(), 5);
  const auto piece = read_non_negative(&body[1]);
  if (!piece) return ParseError{std::string(name_of<T>()) + ": negative piece index"};
  return Message{T{PieceIndex{*piece}}};
}

// Messages naming a block: request, cancel, reject.
template <typename T>
ParseResult<Message> decode_block(std::span<const std::uint8_t> body) {
  if (body.size() != 13) return wrong_length(name_of<T>(), body.size(), 13);
  const auto piece = read_non_negative(&body[1]);
  const auto begin = read_non_negative(&body[5]);
  const auto length = read_non_negative(&body[9]);
  const std::string what(name_of<T>());
  if (!piece) return ParseError{what + ": negative piece index"};
  if (!begin) return ParseError{what + ": negative begin"};
  if (!length) return ParseError{what + ": negative length"};
  return Message{T{BlockRequest{PieceIndex{*piece}, *begin, *length}}};
}

ParseResult<Message> decode_piece(std::span<const std::uint8_t> body) {
  if (body.size() < 9) return wrong_length("piece", body.size(), 9, true);
  const auto piece = read_non_negative(&body[1]);
  const auto begin = read_non_negative(&body[5]);
  if (!piece) return ParseError{"piece: negative piece index"};
  if (!begin) return ParseError{"piece: negative begin"};
  return Message{Piece{PieceIndex{*piece}, *begin, body.subspan(9)}};
}

std::string describe(const BlockRequest& b) {
  return "(piece " + std::to_string(b.piece.get()) + ", begin " + std::to_string(b.begin) +
         ", length " + std::to_string(b.length) + ")";
}

struct Validator {
  const PieceGeometry& geometry;

  [[nodiscard]] std::optional<std::string> piece_in_range(std::string_view what,
                                                          PieceIndex piece) const {
    if (geometry.valid_piece(piece)) return std::nullopt;
    return std::string(what) + ": piece " + std::to_string(piece.get()) + " out of range (" +
           std::to_string(geometry.num_pieces()) + " pieces)";
  }
  [[nodiscard]] std::optional<std::string> servable(std::string_view what,
                                                    const BlockRequest& block) const {
    if (geometry.is_servable(block)) return std::nullopt;
    return std::string(what) + ": invalid block " + describe(block);
  }

  std::optional<std::string> operator()(const Have& m) const {
    return piece_in_range("have", m.piece);
  }
  std::optional<std::string> operator()(const Suggest& m) const {
    return piece_in_range("suggest", m.piece);
  }
  std::optional<std::string> operator()(const AllowedFast& m) const {
    return piece_in_range("allowed_fast", m.piece);
  }
  std::optional<std::string> operator()(const Request& m) const {
    return servable("request", m.block);
  }
  std::optional<std::string> operator()(const Cancel& m) const {
    return servable("cancel", m.block);
  }
  std::optional<std::string> operator()(const Reject& m) const {
    return servable("reject", m.block);
  }
  std::optional<std::string> operator()(const Piece& m) const {
    // Refuse oversized data before narrowing its size: a hand-built Piece can hold anything.
    if (m.data.size() > static_cast<std::size_t>(kBlockSize)) {
      return "piece: " + std::to_string(m.data.size()) + " bytes of data, more than a block";
    }
    return servable("piece", {m.piece, m.begin, static_cast<std::int32_t>(m.data.size())});
  }
  std::optional<std::string> operator()(const Bitfield& m) const {
    const auto pieces = static_cast<std::size_t>(geometry.num_pieces());
    const std::size_t expected = (pieces + 7) / 8;
    if (m.bits.size() != expected) {
      return "bitfield: " + std::to_string(m.bits.size()) + " bytes, expected " +
             std::to_string(expected);
    }
    // BEP 3: the spare bits at the end of the last byte must be cleared.
    const std::size_t used = pieces % 8;
    if (used != 0 && (m.bits.back() & (0xffu >> used)) != 0) return "bitfield: spare bits set";
    return std::nullopt;
  }
  template <typename T>
  std::optional<std::string> operator()(const T&) const {
    return std::nullopt;
  }
};

struct Encoder {
  std::vector<std::uint8_t>& out;

  void operator()(const KeepAlive&) const { put_u32(out, 0); }
  void operator()(const Choke&) const { put_header(out, MessageId::choke, 0); }
  void operator()(const Unchoke&) const { put_header(out, MessageId::unchoke, 0); }
  void operator()(const Interested&) const { put_header(out, MessageId::interested, 0); }
  void operator()(const NotInterested&) const { put_header(out, MessageId::not_interested, 0); }
  void operator()(const HaveAll&) const { put_header(out, MessageId::have_all, 0); }
  void operator()(const HaveNone&) const { put_header(out, MessageId::have_none, 0); }
  void operator()(const Have& m) const { piece_index(MessageId::have, m.piece); }
  void operator()(const Suggest& m) const { piece_index(MessageId::suggest, m.piece); }
  void operator()(const AllowedFast& m) const { piece_index(MessageId::allowed_fast, m.piece); }
  void operator()(const Request& m) const { block(MessageId::request, m.block); }
  void operator()(const Cancel& m) const { block(MessageId::cancel, m.block); }
  void operator()(const Reject& m) const { block(MessageId::reject, m.block); }
  void operator()(const Bitfield& m) const {
    put_header(out, MessageId::bitfield, m.bits.size());
    out.insert(out.end(), m.bits.begin(), m.bits.end());
  }
  void operator()(const Piece& m) const {
    put_header(out, MessageId::piece, 8 + m.data.size());
    put_i32(out, m.piece.get());
    put_i32(out, m.begin);
    out.insert(out.end(), m.data.begin(), m.data.end());
  }
  void operator()(const Port& m) const {
    put_header(out, MessageId::port, 2);
    out.push_back(static_cast<std::uint8_t>(m.port >> 8));
    out.push_back(static_cast<std::uint8_t>(m.port));
  }
  void operator()(const Extended& m) const {
    put_header(out, MessageId::extended, 1 + m.payload.size());
    out.push_back(m.id);
    out.insert(out.end(), m.payload.begin(), m.payload.end());
  }
  void operator()(const Unknown& m) const {
    put_u32(out, 1);
    out.push_back(m.id);
  }

  void piece_index(MessageId id, PieceIndex piece) const {
    put_header(out, id, 4);
    put_i32(out, piece.get());
  }
  void block(MessageId id, const BlockRequest& b) const {
    put_header(out, id, 12);
    put_i32(out, b.piece.get());
    put_i32(out, b.begin);
    put_i32(out, b.length);
  }
};

}  // namespace

// ---- Handshake ----

Handshake Handshake::ours(const InfoHash& info_hash, const PeerId& peer_id) noexcept {
  Handshake h{info_hash, peer_id, {}};
  h.reserved[5] |= 0x10;
  h.reserved[7] |= 0x04;
  return h;
}

std::array<std::uint8_t, kHandshakeLength> encode_handshake(const Handshake& h) {
  std::array<std::uint8_t, kHandshakeLength> out{};
  auto* p = out.data();
  *p++ = static_cast<std::uint8_t>(kProtocol.size());
  p = std::copy(kProtocol.begin(), kProtocol.end(), p);
  p = std::copy(h.reserved.begin(), h.reserved.end(), p);
  p = std::copy(h.info_hash.bytes.begin(), h.info_hash.bytes.end(), p);
  std::copy(h.peer_id.begin(), h.peer_id.end(), p);
  return out;
}

ParseResult<Handshake> decode_handshake(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kHandshakeLength) {
    return wrong_length("handshake", bytes.size(), kHandshakeLength);
  }
  const auto protocol = bytes.subspan(1, kProtocol.size());
  if (bytes[0] != kProtocol.size() ||
      !std::equal(protocol.begin(), protocol.end(), kProtocol.begin(), kProtocol.end())) {
    return ParseError{"not a BitTorrent handshake"};
  }
  Handshake h;
  auto rest = bytes.subspan(1 + kProtocol.size());
  std::copy_n(rest.begin(), h.reserved.size(), h.reserved.begin());
  rest = rest.subspan(h.reserved.size());
  std::copy_n(rest.begin(), h.info_hash.bytes.size(), h.info_hash.bytes.begin());
  rest = rest.subspan(h.info_hash.bytes.size());
  std::copy_n(rest.begin(), h.peer_id.size(), h.peer_id.begin());
  return h;
}

// ---- Messages ----

bool operator==(const Bitfield& a, const Bitfield& b) noexcept {
  return std::ranges::equal(a.bits, b.bits);
}

bool operator==(const Piece& a, const Piece& b) noexcept {
  return a.piece == b.piece && a.begin == b.begin && std::ranges::equal(a.data, b.data);
}

bool operator==(const Extended& a, const Extended& b) noexcept {
  return a.id == b.id && std::ranges::equal(a.payload, b.payload);
}

ParseResult<Message> decode_message(std::span<const std::uint8_t> body) {
  if (body.empty()) return Message{KeepAlive{}};
  if (body.size() > kMaxMessageLength) {
    return ParseError{"message too long: " + std::to_string(body.size()) + " bytes"};
  }
  const std::uint8_t id = body[0];
  switch (static_cast<MessageId>(id)) {
    case MessageId::choke:
      return decode_bare<Choke>(body);
    case MessageId::unchoke:
      return decode_bare<Unchoke>(body);
    case MessageId::interested:
      return decode_bare<Interested>(body);
    case MessageId::not_interested:
      return decode_bare<NotInterested>(body);
    case MessageId::have_all:
      return decode_bare<HaveAll>(body);
    case MessageId::have_none:
      return decode_bare<HaveNone>(body);
    case MessageId::have:
      return decode_piece_index<Have>(body);
    case MessageId::suggest:
      return decode_piece_index<Suggest>(body);
    case MessageId::allowed_fast:
      return decode_piece_index<AllowedFast>(body);
    case MessageId::request:
      return decode_block<Request>(body);
    case MessageId::cancel:
      return decode_block<Cancel>(body);
    case MessageId::reject:
      return decode_block<Reject>(body);
    case MessageId::bitfield:
      return Message{Bitfield{body.subspan(1)}};
    case MessageId::piece:
      return decode_piece(body);
    case MessageId::port:
      if (body.size() != 3) return wrong_length("port", body.size(), 3);
      return Message{Port{static_cast<std::uint16_t>((body[1] << 8) | body[2])}};
    case MessageId::extended:
      if (body.size() < 2) return wrong_length("extended", body.size(), 2, true);
      return Message{Extended{body[1], body.subspan(2)}};
  }
  return Message{Unknown{id}};
}

std::optional<std::string> validate(const Message& message, const PieceGeometry& geometry) {
  return std::visit(Validator{geometry}, message);
}

// ---- Encoding ----

void append_message(std::vector<std::uint8_t>& out, const Message& message) {
  std::visit(Encoder{out}, message);
}

void append_piece_header(std::vector<std::uint8_t>& out, PieceIndex piece, std::int32_t begin,
                         std::int32_t length) {
  put_u32(out, static_cast<std::uint32_t>(length) + 9);
  out.push_back(static_cast<std::uint8_t>(MessageId::piece));
  put_i32(out, piece.get());
  put_i32(out, begin);
}

std::string_view name(const Message& message) noexcept {
  return kNames[message.index()];
}

// ---- Framing ----

void FrameSplitter::feed(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  const std::span<std::uint8_t> tail = prepare(bytes.size());
  std::memcpy(tail.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

std::span<std::uint8_t> FrameSplitter::prepare(std::size_t n) {
  if (begin_ == end_) begin_ = end_ = 0;  // everything consumed: start over for free
  if (capacity_ - end_ < n) {
    const std::size_t held = end_ - begin_;
    if (held + n <= capacity_) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, held);
    } else {
      // Double, so that growing to fit a large frame costs amortised O(1) per byte, but never
      // past what one maximal frame plus this read needs.
      const std::size_t ceiling = std::size_t{kMaxMessageLength} + 4 + n;
      const std::size_t grown = std::max(held + n, std::min(capacity_ * 2, ceiling));
      auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(grown);
      if (held > 0) std::memcpy(bigger.get(), buffer_.get() + begin_, held);
      buffer_ = std::move(bigger);
      capacity_ = grown;
    }
    begin_ = 0;
    end_ = held;
  }
  prepared_ = n;
  return {buffer_.get() + end_, n};
}

void FrameSplitter::commit(std::size_t n) noexcept {
  end_ += std::min(n, prepared_);
  prepared_ = 0;
}

std::variant<FrameSplitter::NeedMore, FrameSplitter::Frame, FrameSplitter::Oversized>
FrameSplitter::next() noexcept {
  const std::size_t held = end_ - begin_;
  if (held < 4) return NeedMore{};
  const std::uint8_t* start = buffer_.get() + begin_;
  const std::uint32_t length = read_u32(start);
  if (length > kMaxMessageLength) return Oversized{length};
  if (held - 4 < length) return NeedMore{};
  begin_ += 4 + std::size_t{length};
  return Frame{{start + 4, length}};
}

}  // namespace lt::wire
