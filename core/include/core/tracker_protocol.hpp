#pragma once
// The HTTP tracker protocol (BEP 3, 23, 7, 48) as a pure codec: announce and scrape query
// parameters in, bencoded answers out. No I/O: the net/ layer splits and percent-decodes the
// query string (Boost.URL) and hands over the decoded pairs; the answer goes back as bytes.
//
// Parsing rules (opentracker and qBittorrent's tracker are the references; where they differ,
// the stricter choice that no real client trips over):
// - Every value is already percent-decoded and may hold any byte (info_hash, peer_id).
// - Duplicate keys: the first occurrence wins for every scalar parameter, later ones are
//   ignored (never validated), so a request means the same whatever a proxy appends. Scrape's
//   info_hash is the one repeated key that accumulates.
// - Unknown keys are ignored (supportcrypto, corrupt, trackerid, ...).
// - Numbers are plain ASCII decimal: no sign (except where a negative value has a meaning), no
//   spaces, no '+'. An empty value is not a number.
// - Failures carry a short, stable reason that the server sends as the bencoded `failure
//   reason`; for a given request the reason does not depend on parameter order.
//
// Encoding writes bencode bytes directly into one pre-sized std::string, keys in canonical
// (bytewise sorted) order, with no allocation per peer: the announce path is the tracker's hot
// path.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/parse_result.hpp"
#include "core/sha1.hpp"

namespace lt::tracker {

// Already percent-decoded key/value pairs in request order; values may be binary.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

using PeerId = std::array<std::uint8_t, 20>;

inline constexpr int kDefaultNumwant = 50;
inline constexpr int kMaxNumwant = 200;
inline constexpr std::size_t kMaxScrapeHashes = 64;

// The shared result type (core/parse_result.hpp), named here as the tracker code always has.
using lt::ParseError;
using lt::ParseResult;

// ---- Addresses ----

// An IPv4 or IPv6 address in network byte order. IPv4 lives in bytes[0..3] with the rest zero,
// the same layout the tracker store persists (store::StoredPeer). An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) stays IPv6 here; unmap_v4() turns it into plain IPv4, which the server should
// do once when a peer arrives through a dual-stack socket so it lands in `peers`, not `peers6`.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v6 = false;

  [[nodiscard]] static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                    std::uint8_t d) noexcept {
    IpAddress ip;
    ip.bytes[0] = a;
    ip.bytes[1] = b;
    ip.bytes[2] = c;
    ip.bytes[3] = d;
    return ip;
  }
  [[nodiscard]] bool is_v4_mapped() const noexcept;
  [[nodiscard]] bool is_loopback() const noexcept;  // 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// The IPv4 address inside an IPv4-mapped IPv6 address; anything else unchanged.
[[nodiscard]] IpAddress unmap_v4(const IpAddress& ip) noexcept;

// Strict text parser. IPv4: exactly four decimal parts 0-255 without leading zeros ("01.2.3.4"
// is rejected: inet_aton would read it as octal). IPv6 (RFC 4291 2.2): one to four hex digits
// per group, at most one "::" standing for one or more zero groups, an optional dotted IPv4 tail
// in the last 32 bits; no zone ("%eth0"), no brackets, no surrounding spaces. nullopt otherwise.
[[nodiscard]] std::optional<IpAddress> parse_ip(std::string_view text) noexcept;

// RFC 5952 text: IPv4 dotted quad; IPv6 lowercase, leading zeros dropped, the longest run of two
// or more zero groups (the first on a tie) written "::", and IPv4-mapped addresses as
// "::ffff:1.2.3.4" (RFC 5952 section 5). Other embedded forms (the deprecated IPv4-compatible
// ::a.b.c.d) print as plain hex groups.
[[nodiscard]] std::string format_ip(const IpAddress& ip);
// The same, appended (no allocation beyond the string's growth).
void append_ip(std::string& out, const IpAddress& ip);

// ---- Announce ----

struct AnnounceRequest {
  // "paused" (BEP 21, sent by libtorrent for upload-only torrents) is accepted as `none`: for
  // the tracker it is a regular re-announce.
  enum class Event : std::uint8_t { none, started, completed, stopped };

  InfoHash info_hash;
  PeerId peer_id{};
  std::uint16_t port = 0;       // 1-65535, never 0 once parsed
  std::int64_t uploaded = 0;    // absent -> 0
  std::int64_t downloaded = 0;  // absent -> 0
  std::int64_t left = 0;        // absent -> 0
  Event event = Event::none;
  int numwant = kDefaultNumwant;   // 0..kMaxNumwant
  bool compact = true;             // compact=0 asks for the dictionary model
  bool no_peer_id = false;         // dictionary model without "peer id"
  std::optional<std::string> ip;   // raw; the server decides whether to trust it (parse_ip)
  std::optional<std::string> key;  // raw; lets the server recognise a peer whose IP changed
};

// Parses an announce. Rules beyond those at the top of this file:
// - info_hash, peer_id: required, exactly 20 bytes ("invalid info_hash: expected 20 bytes,
//   got 19"; "missing info_hash").
// - port: required, decimal 1-65535; 0, negative, larger or not a number -> "invalid port".
// - uploaded, downloaded, left: optional (default 0); when present a decimal integer 0..2^63-1,
//   otherwise "invalid uploaded" etc. (so a peer without `left` counts as a seeder: every real
//   client sends it).
// - event: started, completed, stopped, paused (-> none), empty or absent (-> none); anything
//   else -> "invalid event".
// - numwant: absent -> 50; a negative number -> 50 (opentracker's reading of "-1"); above 200,
//   however large -> 200; 0 stays 0 (a stopping client wants none); not a number ->
//   "invalid numwant".
// - compact: absent -> true; "0" -> false; any other value -> true (clients only send 0 or 1;
//   qBittorrent reads it the same way). no_peer_id: true when present and not "0".
[[nodiscard]] ParseResult<AnnounceRequest> parse_announce(const QueryParams& params);

// One peer handed out in an announce answer.
struct PeerEntry {
  IpAddress address;
  std::uint16_t port = 0;
  PeerId peer_id{};
};

struct AnnounceResponse {
  int interval = 1800;          // seconds
  int min_interval = 900;       // seconds ("min interval")
  std::int64_t complete = 0;    // seeders
  std::int64_t incomplete = 0;  // leechers
  std::int64_t downloaded = 0;  // completed downloads (BEP 48 counter)
  std::vector<PeerEntry> peers;
};

// The bencoded answer, keys sorted: complete, downloaded, incomplete, interval, min interval,
// peers[, peers6].
// - compact: `peers` is 6 bytes per IPv4 peer (address, port big-endian; BEP 23) and is always
//   present, even empty (some clients treat a missing `peers` as an error); `peers6` is 18 bytes
//   per IPv6 peer (BEP 7) and present only when there is at least one (libtorrent, Transmission
//   and aria2 accept its absence, and it saves bytes on the common IPv4-only answer).
// - dictionary model: `peers` is a list of {ip, peer id, port} dicts for both families, ip in
//   RFC 5952 text; "peer id" left out when no_peer_id.
[[nodiscard]] std::string encode_announce(const AnnounceResponse& response, bool compact,
                                          bool no_peer_id);

// d14:failure reason<len>:<reason>e
[[nodiscard]] std::string encode_failure(std::string_view reason);

// ---- Scrape ----

struct ScrapeRequest {
  std::vector<InfoHash> info_hashes;  // distinct, in request order
  // No info_hash at all: the client asks for every swarm (the server rate-limits this).
  [[nodiscard]] bool full_scrape() const noexcept { return info_hashes.empty(); }
};

// Parses a scrape: every info_hash must be exactly 20 bytes; repeats are dropped (first
// occurrence keeps its place); more than max_hashes distinct hashes ->
// "too many info_hash in one scrape (max 64)". Other keys are ignored.
[[nodiscard]] ParseResult<ScrapeRequest> parse_scrape(const QueryParams& params,
                                                      std::size_t max_hashes = kMaxScrapeHashes);

struct ScrapeEntry {
  InfoHash info_hash;
  std::int64_t complete = 0;
  std::int64_t incomplete = 0;
  std::int64_t downloaded = 0;
  std::string name;  // written as `name` when non-empty
};

// d5:filesd<20-byte hash>d8:complete..10:downloaded..10:incomplete..[4:name..]e...ee, the files
// sorted by raw hash bytes as canonical bencode requires (whatever order the entries come in);
// a hash given twice is written once (its first entry).
[[nodiscard]] std::string encode_scrape(std::span<const ScrapeEntry> entries);

}  // namespace lt::tracker
