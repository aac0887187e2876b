#pragma once
// Our 20-byte BitTorrent peer id, and a human-readable client name for the ids other peers send
// (shown in the peer table, written to logs).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lt {

using PeerId = std::array<std::uint8_t, 20>;

// BEP 20 Azureus style "-XXvvvv-": client code, four version characters. "LT" is already
// libtorrent's code (rasterbar) and "lt" rakshasa's libTorrent, so Like-Torrent uses "LK".
inline constexpr std::string_view kPeerIdPrefix = "-LK0100-";

// kPeerIdPrefix followed by 12 characters from [0-9A-Za-z] drawn from a std::mt19937_64 seeded
// with `seed`: the same seed gives the same id on every platform, so tests are exact. Printable
// because some trackers and clients show or log the id as text.
[[nodiscard]] PeerId make_peer_id(std::uint64_t seed);

// The client and version a peer id announces, e.g. "Transmission 4.0.5", "qBittorrent 4.5.2",
// "aria2 1.36.0", "Mainline 7.4.3". Knows the Azureus style of BEP 20 for common clients, the
// aria2 style ("A2-1-36-0-"), Mainline's ("M7-4-3--") and BitComet's ("exbc"). Anything else is
// "unknown (" + the first 8 bytes, non-printable ones as '.', + ")". The id is untrusted: this
// never throws and never reads past the 20 bytes.
[[nodiscard]] std::string client_name(const PeerId& id);

}  // namespace lt
