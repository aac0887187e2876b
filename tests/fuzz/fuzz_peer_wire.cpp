// libFuzzer target: arbitrary bytes sent to a peer session after a valid handshake. The first
// two bytes choose a small torrent geometry (so out-of-range pieces and blocks are easy to hit),
// the rest is split into frames in chunks of varying size. Nothing may crash, hang or leak;
// every frame that decodes must re-encode to the same bytes and decode to the same value, and a
// valid extension handshake must survive encode -> decode.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/extension_handshake.hpp"
#include "core/peer_wire.hpp"
#include "core/piece_geometry.hpp"

namespace {

using lt::wire::FrameSplitter;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "peer wire invariant broken: %s\n", what);
  std::abort();
}

// 1 KiB..128 KiB powers of two or 16..128 KiB multiples of a block; up to 32 pieces with a
// last piece that is often short.
lt::PieceGeometry geometry_from(std::uint8_t a, std::uint8_t b) {
  const std::int64_t piece_length = (a & 0x80) != 0 ? std::int64_t{lt::kBlockSize} * (1 + (a & 7))
                                                    : std::int64_t{1} << (10 + (a & 7));
  const std::int64_t full_pieces = b & 0x1f;
  const std::int64_t tail = ((b >> 5) * piece_length) / 8;
  return {std::max<std::int64_t>(1, full_pieces * piece_length + tail), piece_length};
}

void check_extension_handshake(std::span<const std::uint8_t> payload) {
  const auto decoded = lt::wire::decode_extension_handshake(payload);
  if (!decoded) {
    if (decoded.error().reason.empty()) fail("empty extension handshake error");
    return;
  }
  // Encoding writes "m" sorted by name; decoding keeps payload order.
  lt::wire::ExtensionHandshake expected = decoded.value();
  std::stable_sort(expected.extensions.begin(), expected.extensions.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  const std::string encoded = lt::wire::encode_extension_handshake(decoded.value());
  const auto again = lt::wire::decode_extension_handshake(
      {reinterpret_cast<const std::uint8_t*>(encoded.data()), encoded.size()});
  if (!again) fail("re-encoded extension handshake refused");
  if (!(again.value() == expected)) fail("extension handshake round trip mismatch");
}

void check_frame(std::span<const std::uint8_t> body, const lt::PieceGeometry& geometry) {
  if (body.size() > lt::wire::kMaxMessageLength) fail("frame above kMaxMessageLength");
  const auto decoded = lt::wire::decode_message(body);
  if (!decoded) {
    if (decoded.error().reason.empty()) fail("empty decode error");
    return;
  }
  const lt::wire::Message& message = decoded.value();
  if (const auto reason = lt::wire::validate(message, geometry); reason && reason->empty()) {
    fail("empty validation reason");
  }
  if (lt::wire::name(message).empty()) fail("empty name");

  if (const auto* ext = std::get_if<lt::wire::Extended>(&message)) {
    if (ext->id == lt::wire::kExtendedHandshakeId) check_extension_handshake(ext->payload);
  }

  std::vector<std::uint8_t> frame;
  lt::wire::append_message(frame, message);
  if (frame.size() < 4) fail("frame without a length prefix");
  const std::uint32_t prefix = (std::uint32_t{frame[0]} << 24) | (std::uint32_t{frame[1]} << 16) |
                               (std::uint32_t{frame[2]} << 8) | std::uint32_t{frame[3]};
  if (prefix != frame.size() - 4) fail("length prefix does not match the frame");
  const std::span<const std::uint8_t> rebuilt = std::span(frame).subspan(4);
  // Unknown drops its payload; everything else must come back byte for byte.
  if (!std::holds_alternative<lt::wire::Unknown>(message) &&
      !std::equal(rebuilt.begin(), rebuilt.end(), body.begin(), body.end())) {
    fail("re-encoding changed the bytes");
  }
  const auto again = lt::wire::decode_message(rebuilt);
  if (!again) fail("re-encoded message refused");
  if (!(again.value() == message)) fail("message round trip mismatch");

  if (const auto* piece = std::get_if<lt::wire::Piece>(&message)) {
    std::vector<std::uint8_t> scattered;
    lt::wire::append_piece_header(scattered, piece->piece, piece->begin,
                                  static_cast<std::int32_t>(piece->data.size()));
    scattered.insert(scattered.end(), piece->data.begin(), piece->data.end());
    if (scattered != frame) fail("piece header disagrees with append_message");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const lt::PieceGeometry geometry = geometry_from(data[0], data[1]);
  const std::span<const std::uint8_t> stream(data + 2, size - 2);

  constexpr std::size_t kChunks[] = {1, 2, 3, 4, 5, 7, 13, 64, 300, 4096, 16397, 65536};
  constexpr std::size_t kMaxRead = 65536 + 200;
  FrameSplitter splitter;
  std::size_t pos = 0;
  for (std::size_t step = 0; pos < stream.size(); ++step) {
    const std::size_t chunk =
        std::min(kChunks[(step * 7 + data[1]) % std::size(kChunks)], stream.size() - pos);
    if (step % 2 == 0) {
      splitter.feed(stream.subspan(pos, chunk));
    } else {
      const auto tail = splitter.prepare(chunk + (step % 3) * 100);  // reads may come up short
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(pos), chunk, tail.begin());
      splitter.commit(chunk);
    }
    pos += chunk;

    for (;;) {
      auto next = splitter.next();
      if (std::holds_alternative<FrameSplitter::NeedMore>(next)) break;
      if (const auto* big = std::get_if<FrameSplitter::Oversized>(&next)) {
        if (big->length <= lt::wire::kMaxMessageLength) fail("oversized below the limit");
        return 0;  // the session disconnects here
      }
      check_frame(std::get<FrameSplitter::Frame>(next).body, geometry);
    }
    if (splitter.buffered() >= lt::wire::kMaxMessageLength + 4) fail("undrained full frame");
    if (splitter.capacity() > lt::wire::kMaxMessageLength + 4 + kMaxRead) fail("buffer grew");
  }
  return 0;
}
