#pragma once
// The client side of the HTTP tracker protocol (BEP 3, 23, 7, 48) as a pure codec: announce and
// scrape URLs out, the tracker's bencoded replies in. No I/O: net/http_client fetches the bytes.
//
// A tracker is untrusted input. Replies are decoded with small limits, every text that may reach
// a log line or the GUI is cleaned of control characters and capped, and every number that
// drives our own behaviour (how often we announce, how many peers we keep) is clamped, so a
// broken or hostile tracker cannot make us hammer it or hoard memory.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/parse_result.hpp"
#include "core/sha1.hpp"
#include "core/tracker_protocol.hpp"

namespace lt::tracker {

// Largest reply body worth reading; the HTTP client enforces it (HttpGetOptions::max_body).
inline constexpr std::size_t kMaxTrackerReplyBytes = std::size_t{4} << 20;
// Announce intervals outside this range are clamped (seconds). Below: a tracker answering 0 or
// a negative number would have us re-announce in a tight loop. Above: a day is plenty; a larger
// value is more likely a bug than a wish, and we would lose the swarm.
inline constexpr int kMinAnnounceInterval = 5;
inline constexpr int kMaxAnnounceInterval = 86'400;
// Tracker-supplied text (failure reason, warning) is cut to this many bytes.
inline constexpr std::size_t kMaxTrackerText = 256;

// A peer handed to us by a tracker. IPv4-mapped IPv6 addresses arrive as plain IPv4.
struct PeerAddress {
  IpAddress ip;
  std::uint16_t port = 0;
  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

// What we tell the tracker in one announce.
struct AnnounceParams {
  InfoHash info_hash;
  PeerId peer_id{};
  std::uint16_t port = 0;
  std::int64_t uploaded = 0;    // negative values are sent as 0
  std::int64_t downloaded = 0;  // negative values are sent as 0
  std::int64_t left = 0;        // negative values are sent as 0
  AnnounceRequest::Event event = AnnounceRequest::Event::none;
  int numwant = kDefaultNumwant;          // negative values are sent as 0
  std::optional<std::string> key;         // sent as `key`, percent-encoded
  std::optional<std::string> tracker_id;  // the tracker's earlier `tracker id`, as `trackerid`
};

// The announce URL: base_url plus the query, joined with '?' or with '&' when base_url already
// carries a query (private trackers put a passkey there); a fragment on base_url is dropped
// since it would swallow the query. info_hash, peer_id, key and trackerid are percent-encoded
// (RFC 3986 unreserved characters stay literal). Always compact=1; `event` only when not none;
// no `supportcrypto` (we do not speak MSE).
[[nodiscard]] std::string announce_url(std::string_view base_url, const AnnounceParams& params);

// The scrape URL by the BEP 48 convention: the last path segment must start with "announce",
// which becomes "scrape" (the rest of the segment and the query stay). nullopt when the URL has
// no such segment: that tracker does not support scraping.
//   http://t/announce -> http://t/scrape, http://t/x/announce.php?k=1 -> http://t/x/scrape.php?k=1
[[nodiscard]] std::optional<std::string> scrape_url(std::string_view announce_url);

// scrape_base plus info_hash=<percent-encoded hash>, joined with '?' or '&' as announce_url.
[[nodiscard]] std::string scrape_url_for(std::string_view scrape_base, const InfoHash& info_hash);

// A decoded announce reply. With failure_reason set the tracker refused us and the other fields
// are defaults; that is still a successfully parsed reply.
struct AnnounceReply {
  std::optional<std::string> failure_reason;  // control characters replaced, capped
  std::optional<std::string> warning;         // `warning message`, cleaned the same way
  int interval = 1800;                        // seconds, clamped to the range above
  std::optional<int> min_interval;            // seconds, clamped likewise
  std::optional<std::int64_t> complete;       // seeders; absent or negative -> nullopt
  std::optional<std::int64_t> incomplete;     // leechers
  std::optional<std::int64_t> downloaded;     // completed downloads
  std::optional<std::string> tracker_id;      // to echo back as `trackerid`
  std::vector<PeerAddress> peers;             // IPv4 and IPv6 together, in reply order
};

// Parses an announce reply.
// - The body must be one bencoded dictionary ("tracker reply is not bencode: ...", "tracker
//   reply is not a dictionary"), decoded with depth 16 and at most 200,000 values.
// - `failure reason` present: only failure_reason (and warning) are filled in.
// - `peers`: a compact string, 6 bytes per IPv4 peer (BEP 23; any other length is an error), or
//   a list of {ip, port} dicts where ip is a textual address (hostnames and otherwise malformed
//   entries are skipped: one bad entry does not spoil the rest). `peers6`: a compact string,
//   18 bytes per IPv6 peer (BEP 7). Peers with port 0 are skipped; at most max_peers are kept.
//   No peers at all is fine.
[[nodiscard]] ParseResult<AnnounceReply> parse_announce_reply(std::string_view body,
                                                              std::size_t max_peers = 1000);

// One torrent's counters from a scrape reply.
struct ScrapeReply {
  std::int64_t complete = 0;    // seeders
  std::int64_t incomplete = 0;  // leechers
  std::int64_t downloaded = 0;  // completed downloads
};

// Parses a scrape reply and picks info_hash out of its `files` dictionary (keyed by the raw
// 20-byte hash). A missing or negative counter reads 0. Errors: not bencode / not a dictionary
// (as above), the tracker's `failure reason` text, "scrape reply has no files dictionary",
// "torrent not in scrape reply".
[[nodiscard]] ParseResult<ScrapeReply> parse_scrape_reply(std::string_view body,
                                                          const InfoHash& info_hash);

}  // namespace lt::tracker
