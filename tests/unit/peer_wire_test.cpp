#include "core/peer_wire.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

namespace lt::wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Four pieces of 32 KiB, the last one short: 20000 bytes, one full block and one of 3616.
const PieceGeometry kGeometry(3 * 32768 + 20000, 32768);

Bytes bytes(std::initializer_list<int> values) {
  Bytes out;
  for (const int v : values)
    out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

// A message body (after the length prefix) of `size` bytes starting with `id`.
Bytes body(std::uint8_t id, std::size_t size) {
  Bytes out(size, 0);
  if (size > 0) out[0] = id;
  return out;
}

Bytes frame_of(const Message& m) {
  Bytes out;
  append_message(out, m);
  return out;
}

Bytes body_of(const Message& m) {
  Bytes out = frame_of(m);
  return Bytes(out.begin() + 4, out.end());
}

std::string decode_error(const Bytes& b) {
  const auto result = decode_message(b);
  if (result.ok()) return "decoded as " + std::string(name(result.value()));
  return result.error().reason;
}

std::optional<std::string> check(const Message& m, const PieceGeometry& g = kGeometry) {
  return validate(m, g);
}

BlockRequest block(int piece, std::int32_t begin, std::int32_t length) {
  return {PieceIndex{piece}, begin, length};
}

InfoHash hash_of(char fill) {
  InfoHash h;
  h.bytes.fill(static_cast<std::uint8_t>(fill));
  return h;
}

// ---- Handshake ----

TEST(PeerWireHandshake, OursSetsFastAndExtensionBits) {
  const Handshake h = Handshake::ours(hash_of('h'), make_peer_id(1));
  EXPECT_TRUE(h.supports_fast());
  EXPECT_TRUE(h.supports_extensions());
  EXPECT_EQ(h.reserved, (std::array<std::uint8_t, 8>{0, 0, 0, 0, 0, 0x10, 0, 0x04}));
}

TEST(PeerWireHandshake, EncodesTheBep3Layout) {
  const Handshake h = Handshake::ours(hash_of('h'), make_peer_id(1));
  const auto out = encode_handshake(h);
  EXPECT_EQ(out[0], 19);
  EXPECT_EQ(std::string(out.begin() + 1, out.begin() + 20), "BitTorrent protocol");
  EXPECT_EQ(out[25], 0x10);
  EXPECT_EQ(out[27], 0x04);
  EXPECT_EQ(std::string(out.begin() + 28, out.begin() + 48), std::string(20, 'h'));
  EXPECT_TRUE(std::equal(out.begin() + 48, out.end(), h.peer_id.begin()));
}

TEST(PeerWireHandshake, RoundTrip) {
  Handshake h;
  h.info_hash = hash_of('\xab');
  h.peer_id = make_peer_id(5);
  h.reserved[0] = 0x80;
  const auto encoded = encode_handshake(h);
  const auto decoded = decode_handshake(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  EXPECT_EQ(decoded.value(), h);
  EXPECT_FALSE(decoded->supports_fast());
  EXPECT_FALSE(decoded->supports_extensions());
}

TEST(PeerWireHandshake, RefusesWrongLength) {
  const auto encoded = encode_handshake(Handshake::ours(hash_of('h'), make_peer_id(1)));
  Bytes longer(encoded.begin(), encoded.end());
  longer.push_back(0);
  EXPECT_EQ(decode_handshake(longer).error().reason, "handshake: wrong length 69, expected 68");
  EXPECT_EQ(decode_handshake(std::span(encoded).first(67)).error().reason,
            "handshake: wrong length 67, expected 68");
  EXPECT_FALSE(decode_handshake({}).ok());
}

TEST(PeerWireHandshake, RefusesOtherProtocols) {
  auto encoded = encode_handshake(Handshake::ours(hash_of('h'), make_peer_id(1)));
  auto bad_length = encoded;
  bad_length[0] = 18;
  EXPECT_EQ(decode_handshake(bad_length).error().reason, "not a BitTorrent handshake");
  auto bad_name = encoded;
  bad_name[1] = 'b';
  EXPECT_EQ(decode_handshake(bad_name).error().reason, "not a BitTorrent handshake");
  std::array<std::uint8_t, kHandshakeLength> http{};
  const std::string get = "GET /announce HTTP/1.1\r\n";
  std::copy(get.begin(), get.end(), http.begin());
  EXPECT_EQ(decode_handshake(http).error().reason, "not a BitTorrent handshake");
}

// ---- Encoding and decoding ----

TEST(PeerWireMessage, KeepAliveIsAnEmptyFrame) {
  EXPECT_EQ(frame_of(KeepAlive{}), bytes({0, 0, 0, 0}));
  const auto decoded = decode_message({});
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(std::holds_alternative<KeepAlive>(decoded.value()));
}

TEST(PeerWireMessage, KnownEncodings) {
  EXPECT_EQ(frame_of(Choke{}), bytes({0, 0, 0, 1, 0}));
  EXPECT_EQ(frame_of(HaveNone{}), bytes({0, 0, 0, 1, 15}));
  EXPECT_EQ(frame_of(Have{PieceIndex{0x01020304}}), bytes({0, 0, 0, 5, 4, 1, 2, 3, 4}));
  EXPECT_EQ(frame_of(Request{block(1, 0x4000, 0x4000)}),
            bytes({0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0}));
  EXPECT_EQ(frame_of(Port{6881}), bytes({0, 0, 0, 3, 9, 0x1a, 0xe1}));
  const Bytes payload = bytes({'d', 'e'});
  EXPECT_EQ(frame_of(Extended{3, payload}), bytes({0, 0, 0, 4, 20, 3, 'd', 'e'}));
  const Bytes bits = bytes({0xff, 0x80});
  EXPECT_EQ(frame_of(Bitfield{bits}), bytes({0, 0, 0, 3, 5, 0xff, 0x80}));
}

TEST(PeerWireMessage, EveryMessageRoundTrips) {
  const Bytes bits = bytes({0xa5, 0xf0});
  const Bytes data(16384, 0x5a);
  const Bytes ext = bytes({'d', '1', ':', 'm', 'd', 'e', 'e'});
  const std::vector<Message> messages = {
      KeepAlive{},
      Choke{},
      Unchoke{},
      Interested{},
      NotInterested{},
      Have{PieceIndex{3}},
      Have{PieceIndex{0x7fffffff}},
      Bitfield{bits},
      Bitfield{},
      Request{block(2, 16384, 16384)},
      Piece{PieceIndex{1}, 16384, data},
      Piece{PieceIndex{0}, 0, {}},
      Cancel{block(0, 0, 100)},
      Port{65535},
      Suggest{PieceIndex{2}},
      HaveAll{},
      HaveNone{},
      Reject{block(3, 16384, 3616)},
      AllowedFast{PieceIndex{0}},
      Extended{0, ext},
      Extended{7, {}},
      Unknown{21},
      Unknown{255},
  };
  for (const Message& m : messages) {
    const Bytes frame = frame_of(m);
    ASSERT_GE(frame.size(), 4u);
    const std::uint32_t prefix = (std::uint32_t{frame[0]} << 24) | (std::uint32_t{frame[1]} << 16) |
                                 (std::uint32_t{frame[2]} << 8) | frame[3];
    EXPECT_EQ(prefix, frame.size() - 4) << name(m);
    const auto decoded = decode_message(std::span(frame).subspan(4));
    ASSERT_TRUE(decoded.ok()) << name(m) << ": " << decoded.error().reason;
    EXPECT_EQ(decoded.value(), m) << name(m);
  }
}

TEST(PeerWireMessage, DecodeIsZeroCopy) {
  const Bytes b = body_of(Piece{PieceIndex{1}, 0, bytes({1, 2, 3})});
  const auto decoded = decode_message(b);
  ASSERT_TRUE(decoded.ok());
  const auto& piece = std::get<Piece>(decoded.value());
  EXPECT_EQ(piece.data.data(), b.data() + 9);
  EXPECT_EQ(piece.data.size(), 3u);
}

TEST(PeerWireMessage, PieceHeaderMatchesFullEncoding) {
  const Bytes data(1000, 7);
  Bytes scattered;
  append_piece_header(scattered, PieceIndex{9}, 32768, 1000);
  EXPECT_EQ(scattered.size(), 13u);
  scattered.insert(scattered.end(), data.begin(), data.end());
  EXPECT_EQ(scattered, frame_of(Piece{PieceIndex{9}, 32768, data}));
}

TEST(PeerWireMessage, AppendAppends) {
  Bytes out = bytes({0xee});
  append_message(out, Unchoke{});
  append_message(out, Interested{});
  EXPECT_EQ(out, bytes({0xee, 0, 0, 0, 1, 1, 0, 0, 0, 1, 2}));
}

TEST(PeerWireMessage, Names) {
  EXPECT_EQ(name(KeepAlive{}), "keep_alive");
  EXPECT_EQ(name(Choke{}), "choke");
  EXPECT_EQ(name(NotInterested{}), "not_interested");
  EXPECT_EQ(name(Piece{}), "piece");
  EXPECT_EQ(name(AllowedFast{}), "allowed_fast");
  EXPECT_EQ(name(Extended{}), "extended");
  EXPECT_EQ(name(Unknown{}), "unknown");
}

TEST(PeerWireMessage, BareMessagesWithPayloadAreRefused) {
  EXPECT_EQ(decode_error(body(0, 2)), "choke: wrong length 2, expected 1");
  EXPECT_EQ(decode_error(body(1, 5)), "unchoke: wrong length 5, expected 1");
  EXPECT_EQ(decode_error(body(2, 2)), "interested: wrong length 2, expected 1");
  EXPECT_EQ(decode_error(body(3, 2)), "not_interested: wrong length 2, expected 1");
  EXPECT_EQ(decode_error(body(14, 2)), "have_all: wrong length 2, expected 1");
  EXPECT_EQ(decode_error(body(15, 2)), "have_none: wrong length 2, expected 1");
}

TEST(PeerWireMessage, PieceIndexMessagesNeedFiveBytes) {
  EXPECT_EQ(decode_error(body(4, 6)), "have: wrong length 6, expected 5");
  EXPECT_EQ(decode_error(body(4, 4)), "have: wrong length 4, expected 5");
  EXPECT_EQ(decode_error(body(4, 1)), "have: wrong length 1, expected 5");
  EXPECT_EQ(decode_error(body(13, 6)), "suggest: wrong length 6, expected 5");
  EXPECT_EQ(decode_error(body(17, 4)), "allowed_fast: wrong length 4, expected 5");
}

TEST(PeerWireMessage, BlockMessagesNeedThirteenBytes) {
  EXPECT_EQ(decode_error(body(6, 12)), "request: wrong length 12, expected 13");
  EXPECT_EQ(decode_error(body(6, 14)), "request: wrong length 14, expected 13");
  EXPECT_EQ(decode_error(body(8, 1)), "cancel: wrong length 1, expected 13");
  EXPECT_EQ(decode_error(body(16, 17)), "reject: wrong length 17, expected 13");
}

TEST(PeerWireMessage, OtherLengthRules) {
  EXPECT_EQ(decode_error(body(7, 8)), "piece: wrong length 8, expected at least 9");
  EXPECT_EQ(decode_error(body(7, 1)), "piece: wrong length 1, expected at least 9");
  EXPECT_EQ(decode_error(body(9, 2)), "port: wrong length 2, expected 3");
  EXPECT_EQ(decode_error(body(9, 4)), "port: wrong length 4, expected 3");
  EXPECT_EQ(decode_error(body(20, 1)), "extended: wrong length 1, expected at least 2");
}

TEST(PeerWireMessage, EmptyPayloadsThatOnlyValidationRefuses) {
  // An empty bitfield and a data-less piece are well-formed; they are wrong for every torrent,
  // which validate() reports.
  const auto bitfield = decode_message(body(5, 1));
  ASSERT_TRUE(bitfield.ok());
  EXPECT_TRUE(std::get<Bitfield>(bitfield.value()).bits.empty());
  const auto piece = decode_message(body(7, 9));
  ASSERT_TRUE(piece.ok());
  EXPECT_TRUE(std::get<Piece>(piece.value()).data.empty());
  EXPECT_EQ(check(piece.value()), "piece: invalid block (piece 0, begin 0, length 0)");
}

TEST(PeerWireMessage, NegativeFieldsAreRefused) {
  EXPECT_EQ(decode_error(bytes({4, 0x80, 0, 0, 0})), "have: negative piece index");
  EXPECT_EQ(decode_error(bytes({13, 0xff, 0xff, 0xff, 0xff})), "suggest: negative piece index");
  EXPECT_EQ(decode_error(bytes({17, 0x80, 0, 0, 0})), "allowed_fast: negative piece index");
  EXPECT_EQ(decode_error(bytes({6, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0})),
            "request: negative piece index");
  EXPECT_EQ(decode_error(bytes({6, 0, 0, 0, 0, 0xff, 0xff, 0xc0, 0, 0, 0, 0x40, 0})),
            "request: negative begin");
  EXPECT_EQ(decode_error(bytes({8, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0})),
            "cancel: negative length");
  EXPECT_EQ(decode_error(bytes({16, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})),
            "reject: negative length");
  EXPECT_EQ(decode_error(bytes({7, 0x80, 0, 0, 0, 0, 0, 0, 0, 1})), "piece: negative piece index");
  EXPECT_EQ(decode_error(bytes({7, 0, 0, 0, 0, 0x80, 0, 0, 0, 1})), "piece: negative begin");
  // The largest non-negative values are fine.
  EXPECT_TRUE(decode_message(bytes({4, 0x7f, 0xff, 0xff, 0xff})).ok());
}

TEST(PeerWireMessage, UnknownIdsAreReportedNotRefused) {
  for (const int id : {10, 11, 12, 18, 19, 21, 22, 23, 255}) {
    const Bytes b = bytes({id, 1, 2, 3, 4, 5});
    const auto decoded = decode_message(b);
    ASSERT_TRUE(decoded.ok()) << id;
    EXPECT_EQ(decoded.value(), Message{Unknown{static_cast<std::uint8_t>(id)}});
  }
  EXPECT_EQ(frame_of(Unknown{21}), bytes({0, 0, 0, 1, 21}));
}

TEST(PeerWireMessage, OversizedBodyIsRefused) {
  Bytes huge(kMaxMessageLength + 1, 0);
  huge[0] = 5;
  EXPECT_EQ(decode_error(huge), "message too long: 1048590 bytes");
  huge.pop_back();
  EXPECT_TRUE(decode_message(huge).ok());
}

// ---- Validation ----

TEST(PeerWireValidate, GeometryUnderTest) {
  ASSERT_EQ(kGeometry.num_pieces(), 4);
  ASSERT_EQ(kGeometry.piece_size(PieceIndex{3}), 20000);
}

TEST(PeerWireValidate, PieceIndexRange) {
  EXPECT_EQ(check(Have{PieceIndex{0}}), std::nullopt);
  EXPECT_EQ(check(Have{PieceIndex{3}}), std::nullopt);
  EXPECT_EQ(check(Have{PieceIndex{4}}), "have: piece 4 out of range (4 pieces)");
  EXPECT_EQ(check(Have{PieceIndex{-1}}), "have: piece -1 out of range (4 pieces)");
  EXPECT_EQ(check(Suggest{PieceIndex{4}}), "suggest: piece 4 out of range (4 pieces)");
  EXPECT_EQ(check(AllowedFast{PieceIndex{100}}), "allowed_fast: piece 100 out of range (4 pieces)");
  EXPECT_EQ(check(AllowedFast{PieceIndex{2}}), std::nullopt);
}

TEST(PeerWireValidate, BitfieldSize) {
  const Bytes one = bytes({0xf0});
  EXPECT_EQ(check(Bitfield{one}), std::nullopt);
  const Bytes two = bytes({0xf0, 0});
  EXPECT_EQ(check(Bitfield{two}), "bitfield: 2 bytes, expected 1");
  EXPECT_EQ(check(Bitfield{}), "bitfield: 0 bytes, expected 1");

  const PieceGeometry nine(9 * 16384, 16384);
  const Bytes nine_bits = bytes({0xff, 0x80});
  EXPECT_EQ(check(Bitfield{nine_bits}, nine), std::nullopt);
  EXPECT_EQ(check(Bitfield{one}, nine), "bitfield: 1 bytes, expected 2");
}

TEST(PeerWireValidate, BitfieldSpareBits) {
  for (const int last : {0x08, 0x04, 0x02, 0x01, 0xff}) {
    const Bytes b = bytes({last});
    EXPECT_EQ(check(Bitfield{b}), "bitfield: spare bits set") << last;
  }
  const PieceGeometry nine(9 * 16384, 16384);
  const Bytes spare = bytes({0xff, 0x40});
  EXPECT_EQ(check(Bitfield{spare}, nine), "bitfield: spare bits set");
  // A multiple of eight pieces has no spare bits.
  const PieceGeometry eight(8 * 16384, 16384);
  const Bytes all = bytes({0xff});
  EXPECT_EQ(check(Bitfield{all}, eight), std::nullopt);
}

TEST(PeerWireValidate, Requests) {
  EXPECT_EQ(check(Request{block(0, 0, 16384)}), std::nullopt);
  EXPECT_EQ(check(Request{block(0, 16384, 16384)}), std::nullopt);
  EXPECT_EQ(check(Request{block(0, 100, 1000)}), std::nullopt);  // unaligned is servable
  EXPECT_EQ(check(Request{block(3, 16384, 3616)}), std::nullopt);
  EXPECT_EQ(check(Request{block(0, 16385, 16384)}),
            "request: invalid block (piece 0, begin 16385, length 16384)");
  EXPECT_EQ(check(Request{block(0, 32768, 1)}),
            "request: invalid block (piece 0, begin 32768, length 1)");
  EXPECT_EQ(check(Request{block(0, 0, 0)}), "request: invalid block (piece 0, begin 0, length 0)");
  EXPECT_EQ(check(Request{block(0, 0, 16385)}),
            "request: invalid block (piece 0, begin 0, length 16385)");
  EXPECT_EQ(check(Request{block(3, 16384, 3617)}),
            "request: invalid block (piece 3, begin 16384, length 3617)");
  EXPECT_EQ(check(Request{block(4, 0, 16384)}),
            "request: invalid block (piece 4, begin 0, length 16384)");
  EXPECT_EQ(check(Request{block(0, -16384, 16384)}),
            "request: invalid block (piece 0, begin -16384, length 16384)");
}

TEST(PeerWireValidate, CancelAndRejectFollowTheSameRules) {
  EXPECT_EQ(check(Cancel{block(3, 16384, 3616)}), std::nullopt);
  EXPECT_EQ(check(Cancel{block(3, 16384, 16384)}),
            "cancel: invalid block (piece 3, begin 16384, length 16384)");
  EXPECT_EQ(check(Reject{block(1, 0, 16384)}), std::nullopt);
  EXPECT_EQ(check(Reject{block(1, 0, 0)}), "reject: invalid block (piece 1, begin 0, length 0)");
}

TEST(PeerWireValidate, PieceData) {
  const Bytes full(16384, 1);
  const Bytes tail(3616, 1);
  const Bytes too_long(3617, 1);
  const Bytes oversized(16385, 1);
  EXPECT_EQ(check(Piece{PieceIndex{0}, 16384, full}), std::nullopt);
  EXPECT_EQ(check(Piece{PieceIndex{3}, 16384, tail}), std::nullopt);
  EXPECT_EQ(check(Piece{PieceIndex{3}, 16384, too_long}),
            "piece: invalid block (piece 3, begin 16384, length 3617)");
  EXPECT_EQ(check(Piece{PieceIndex{3}, 16384, full}),
            "piece: invalid block (piece 3, begin 16384, length 16384)");
  EXPECT_EQ(check(Piece{PieceIndex{0}, 0, oversized}),
            "piece: 16385 bytes of data, more than a block");
  EXPECT_EQ(check(Piece{PieceIndex{0}, 0, {}}),
            "piece: invalid block (piece 0, begin 0, length 0)");
  EXPECT_EQ(check(Piece{PieceIndex{4}, 0, full}),
            "piece: invalid block (piece 4, begin 0, length 16384)");
}

TEST(PeerWireValidate, OtherMessagesAreAlwaysFine) {
  const Bytes payload = bytes({1});
  for (const Message& m :
       std::vector<Message>{KeepAlive{}, Choke{}, Unchoke{}, Interested{}, NotInterested{}, Port{0},
                            HaveAll{}, HaveNone{}, Extended{9, payload}, Unknown{42}}) {
    EXPECT_EQ(check(m), std::nullopt) << name(m);
  }
}

// ---- Framing ----

std::vector<Message> sample_stream_messages(const Bytes& data, const Bytes& bits) {
  return {Interested{},
          Bitfield{bits},
          KeepAlive{},
          Have{PieceIndex{2}},
          Piece{PieceIndex{1}, 0, data},
          Request{block(0, 0, 16384)},
          Extended{1, bits},
          Unknown{23},
          Choke{}};
}

Bytes stream_of(const std::vector<Message>& messages) {
  Bytes out;
  for (const Message& m : messages)
    append_message(out, m);
  return out;
}

// Drains the splitter, decoding every frame; fails the test on Oversized.
void drain(FrameSplitter& splitter, std::vector<Bytes>& bodies) {
  for (;;) {
    auto next = splitter.next();
    if (std::holds_alternative<FrameSplitter::NeedMore>(next)) return;
    ASSERT_TRUE(std::holds_alternative<FrameSplitter::Frame>(next));
    const auto frame = std::get<FrameSplitter::Frame>(next).body;
    bodies.emplace_back(frame.begin(), frame.end());
  }
}

void expect_bodies(const std::vector<Bytes>& bodies, const std::vector<Message>& messages) {
  ASSERT_EQ(bodies.size(), messages.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const auto decoded = decode_message(bodies[i]);
    ASSERT_TRUE(decoded.ok()) << i;
    EXPECT_EQ(decoded.value(), messages[i]) << i;
  }
}

TEST(PeerWireFrames, SeveralFramesInOneChunk) {
  const Bytes data(16384, 3);
  const Bytes bits = bytes({0xf0});
  const auto messages = sample_stream_messages(data, bits);
  FrameSplitter splitter;
  splitter.feed(stream_of(messages));
  std::vector<Bytes> bodies;
  drain(splitter, bodies);
  expect_bodies(bodies, messages);
  EXPECT_EQ(splitter.buffered(), 0u);
}

TEST(PeerWireFrames, ByteByByte) {
  const Bytes data(1000, 3);
  const Bytes bits = bytes({0xf0, 0x0f});
  const auto messages = sample_stream_messages(data, bits);
  const Bytes stream = stream_of(messages);
  FrameSplitter splitter;
  std::vector<Bytes> bodies;
  for (const std::uint8_t b : stream) {
    splitter.feed(std::span(&b, 1));
    drain(splitter, bodies);
  }
  expect_bodies(bodies, messages);
  EXPECT_EQ(splitter.buffered(), 0u);
}

TEST(PeerWireFrames, EveryChunkSizeGivesTheSameFrames) {
  const Bytes data(16384, 9);
  const Bytes bits = bytes({0xaa, 0x55, 0xc0});
  const auto messages = sample_stream_messages(data, bits);
  const Bytes stream = stream_of(messages);
  for (std::size_t chunk : {2u, 3u, 5u, 13u, 17u, 4096u, 16397u, 16398u, 65536u}) {
    FrameSplitter splitter;
    std::vector<Bytes> bodies;
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
      const std::size_t n = std::min(chunk, stream.size() - pos);
      const auto tail = splitter.prepare(chunk);  // ask for more than arrives
      ASSERT_EQ(tail.size(), chunk);
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(pos), n, tail.begin());
      splitter.commit(n);
      drain(splitter, bodies);
    }
    expect_bodies(bodies, messages);
  }
}

TEST(PeerWireFrames, NeedMoreUntilTheWholeFrameArrived) {
  const Bytes frame = frame_of(Have{PieceIndex{1}});
  FrameSplitter splitter;
  splitter.feed(std::span(frame).first(3));
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
  splitter.feed(std::span(frame).subspan(3, 5));
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
  EXPECT_EQ(splitter.buffered(), 8u);
  splitter.feed(std::span(frame).subspan(8));
  auto next = splitter.next();
  ASSERT_TRUE(std::holds_alternative<FrameSplitter::Frame>(next));
  EXPECT_EQ(std::get<FrameSplitter::Frame>(next).body.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
}

TEST(PeerWireFrames, OversizedPrefixIsReportedBeforeItsBody) {
  FrameSplitter splitter;
  const std::uint32_t length = kMaxMessageLength + 1;
  const Bytes prefix = bytes({static_cast<int>(length >> 24), static_cast<int>(length >> 16),
                              static_cast<int>(length >> 8), static_cast<int>(length & 0xff)});
  splitter.feed(std::span(prefix).first(3));
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
  splitter.feed(std::span(prefix).subspan(3));
  auto next = splitter.next();
  ASSERT_TRUE(std::holds_alternative<FrameSplitter::Oversized>(next));
  EXPECT_EQ(std::get<FrameSplitter::Oversized>(next).length, length);
  // The stream is dead from here on.
  splitter.feed(frame_of(Choke{}));
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::Oversized>(splitter.next()));
}

TEST(PeerWireFrames, OversizedAfterGoodFrames) {
  Bytes stream = frame_of(Unchoke{});
  const Bytes huge = bytes({0xff, 0xff, 0xff, 0xff, 1, 2, 3});
  stream.insert(stream.end(), huge.begin(), huge.end());
  FrameSplitter splitter;
  splitter.feed(stream);
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::Frame>(splitter.next()));
  auto next = splitter.next();
  ASSERT_TRUE(std::holds_alternative<FrameSplitter::Oversized>(next));
  EXPECT_EQ(std::get<FrameSplitter::Oversized>(next).length, 0xffffffffu);
}

TEST(PeerWireFrames, MaximalFrameIsAccepted) {
  Bytes frame;
  const Bytes bits(kMaxMessageLength - 1, 0);
  append_message(frame, Bitfield{bits});
  ASSERT_EQ(frame.size(), kMaxMessageLength + 4);
  FrameSplitter splitter;
  std::vector<Bytes> bodies;
  for (std::size_t pos = 0; pos < frame.size(); pos += 65536) {
    splitter.feed(std::span(frame).subspan(pos, std::min<std::size_t>(65536, frame.size() - pos)));
    drain(splitter, bodies);
  }
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0].size(), kMaxMessageLength);
  EXPECT_LE(splitter.capacity(), kMaxMessageLength + 4 + 65536);
}

TEST(PeerWireFrames, BufferStaysBoundedOverALongTransfer) {
  // 64 MiB of 16 KiB piece messages read in 64 KiB chunks, plus one maximal bitfield: the
  // buffer settles at a small multiple of the read size and never exceeds the documented bound.
  constexpr std::size_t kRead = 65536;
  const Bytes data(16384, 1);
  Bytes piece_frame = frame_of(Piece{PieceIndex{0}, 0, data});
  Bytes stream;
  for (int i = 0; i < 64; ++i)
    stream.insert(stream.end(), piece_frame.begin(), piece_frame.end());

  FrameSplitter splitter;
  std::size_t frames = 0;
  for (int round = 0; round < 64; ++round) {
    for (std::size_t pos = 0; pos < stream.size(); pos += kRead) {
      const std::size_t n = std::min(kRead, stream.size() - pos);
      const auto tail = splitter.prepare(kRead);
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(pos), n, tail.begin());
      splitter.commit(n);
      for (;;) {
        auto next = splitter.next();
        if (!std::holds_alternative<FrameSplitter::Frame>(next)) break;
        ++frames;
      }
      EXPECT_LT(splitter.buffered(), piece_frame.size());
    }
  }
  EXPECT_EQ(frames, 64u * 64u);
  EXPECT_LE(splitter.capacity(), 2 * kRead);
}

TEST(PeerWireFrames, DrainedBufferIsReusedFromTheStart) {
  FrameSplitter splitter;
  const Bytes frame = frame_of(Have{PieceIndex{1}});
  const auto first = splitter.prepare(1024);
  std::copy(frame.begin(), frame.end(), first.begin());
  splitter.commit(frame.size());
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::Frame>(splitter.next()));
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
  // Nothing left to keep, so nothing is moved and no memory is added.
  EXPECT_EQ(splitter.prepare(1024).data(), first.data());
  EXPECT_EQ(splitter.capacity(), 1024u);
}

TEST(PeerWireFrames, PrepareCommitWithoutData) {
  FrameSplitter splitter;
  (void)splitter.prepare(100);
  splitter.commit(0);
  EXPECT_EQ(splitter.buffered(), 0u);
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
  splitter.feed({});
  EXPECT_TRUE(std::holds_alternative<FrameSplitter::NeedMore>(splitter.next()));
}

}  // namespace
}  // namespace lt::wire
