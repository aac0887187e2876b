#include "core/tracker_client_protocol.hpp"

#include <algorithm>

#include "core/bencode.hpp"
#include "core/magnet.hpp"
#include "core/utf8.hpp"

namespace lt::tracker {
namespace {

// A reply nests a dict in a list in a dict at most; 16 leaves room for odd trackers while
// bounding recursion. The item cap bounds the work a 4 MiB body can cause (a dictionary-model
// peer is 7 values, a scrape entry about 7).
constexpr bencode::Limits kReplyLimits{16, 200'000};

constexpr std::size_t kMaxTrackerIdBytes = 256;

// Appends the separator that starts (or continues) a query on url.
void append_query_separator(std::string& url) {
  if (url.find('?') == std::string::npos) {
    url.push_back('?');
  } else if (url.back() != '?' && url.back() != '&') {
    url.push_back('&');
  }
}

// The URL without its fragment: a '#' would turn everything appended after it into fragment.
std::string_view without_fragment(std::string_view url) {
  return url.substr(0, url.find('#'));
}

const char* event_name(AnnounceRequest::Event event) {
  switch (event) {
    case AnnounceRequest::Event::started:
      return "started";
    case AnnounceRequest::Event::completed:
      return "completed";
    case AnnounceRequest::Event::stopped:
      return "stopped";
    case AnnounceRequest::Event::none:
      break;
  }
  return nullptr;
}

std::string_view bytes_view(const PeerId& id) {
  return {reinterpret_cast<const char*>(id.data()), id.size()};
}

// Tracker text for logs and the GUI: control characters and broken UTF-8 become '?', and the
// result is cut to kMaxTrackerText bytes without splitting a character.
std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxTrackerText));
  for (std::size_t pos = 0; pos < text.size();) {
    const Utf8Char ch = decode_utf8(text, pos);
    const bool keep = ch.valid && !is_control(ch.code_point);
    const std::size_t add = keep ? ch.length : 1;
    if (out.size() + add > kMaxTrackerText) break;
    if (keep) {
      out.append(text.substr(pos, ch.length));
    } else {
      out.push_back('?');
    }
    pos += ch.length;
  }
  return out;
}

// The tracker's `failure reason`, cleaned; a missing text still has to say something.
std::string failure_text(const bencode::Node& failure) {
  std::string text = failure.is_string() ? clean_text(failure.as_string()) : std::string();
  return text.empty() ? std::string("tracker gave no reason") : text;
}

int clamp_interval(std::int64_t seconds) {
  return static_cast<int>(
      std::clamp<std::int64_t>(seconds, kMinAnnounceInterval, kMaxAnnounceInterval));
}

std::optional<std::int64_t> counter(const bencode::Node& root, std::string_view key) {
  const bencode::Node* node = root.find_int(key);
  if (node == nullptr || node->as_int() < 0) return std::nullopt;
  return node->as_int();
}

std::uint16_t read_port(const unsigned char* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Decodes body as a dictionary, or says why not.
ParseResult<bencode::Document> decode_reply(std::string_view body) {
  if (body.size() > kMaxTrackerReplyBytes) return ParseError{"tracker reply is too large"};
  bencode::Document doc;
  try {
    doc = bencode::decode(body, kReplyLimits);
  } catch (const bencode::DecodeError& e) {
    return ParseError{"tracker reply is not bencode: " + e.reason()};
  }
  if (!doc.root.is_dict()) return ParseError{"tracker reply is not a dictionary"};
  return doc;
}

// Adds compact entries of `stride` bytes (address + 2-byte port) while room remains.
void add_compact(std::string_view data, std::size_t stride, std::vector<PeerAddress>& peers,
                 std::size_t max_peers) {
  const std::size_t address_bytes = stride - 2;
  for (std::size_t off = 0; off + stride <= data.size() && peers.size() < max_peers;
       off += stride) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + off);
    PeerAddress peer;
    std::copy_n(p, address_bytes, peer.ip.bytes.begin());
    peer.ip.v6 = address_bytes == 16;
    peer.ip = unmap_v4(peer.ip);
    peer.port = read_port(p + address_bytes);
    if (peer.port != 0) peers.push_back(peer);
  }
}

// Adds the usable entries of a dictionary-model peer list while room remains.
void add_dict_peers(const bencode::List& list, std::vector<PeerAddress>& peers,
                    std::size_t max_peers) {
  for (const bencode::Node& entry : list) {
    if (peers.size() >= max_peers) return;
    const bencode::Node* ip = entry.find_string("ip");
    const bencode::Node* port = entry.find_int("port");
    if (ip == nullptr || port == nullptr) continue;
    if (port->as_int() < 1 || port->as_int() > 65535) continue;
    const std::optional<IpAddress> address = parse_ip(ip->as_string());
    if (!address) continue;  // a hostname: resolving it is not worth a DNS lookup per peer
    peers.push_back({unmap_v4(*address), static_cast<std::uint16_t>(port->as_int())});
  }
}

}  // namespace

std::string announce_url(std::string_view base_url, const AnnounceParams& params) {
  std::string url(without_fragment(base_url));
  append_query_separator(url);
  url += "info_hash=";
  url += percent_encode(params.info_hash.view());
  url += "&peer_id=";
  url += percent_encode(bytes_view(params.peer_id));
  url += "&port=";
  url += std::to_string(params.port);
  url += "&uploaded=";
  url += std::to_string(std::max<std::int64_t>(params.uploaded, 0));
  url += "&downloaded=";
  url += std::to_string(std::max<std::int64_t>(params.downloaded, 0));
  url += "&left=";
  url += std::to_string(std::max<std::int64_t>(params.left, 0));
  url += "&compact=1";
  if (const char* event = event_name(params.event)) {
    url += "&event=";
    url += event;
  }
  url += "&numwant=";
  url += std::to_string(std::max(params.numwant, 0));
  if (params.key) {
    url += "&key=";
    url += percent_encode(*params.key);
  }
  if (params.tracker_id) {
    url += "&trackerid=";
    url += percent_encode(*params.tracker_id);
  }
  return url;
}

std::optional<std::string> scrape_url(std::string_view announce_url) {
  const std::string_view url = without_fragment(announce_url);
  // The path starts after the authority; "http://announce" is a host, not a path segment.
  std::size_t path_start = 0;
  const std::size_t scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos && url.find_first_of("/?") > scheme_end) {
    path_start = url.find_first_of("/?", scheme_end + 3);
    if (path_start == std::string_view::npos || url[path_start] == '?') return std::nullopt;
  }
  const std::size_t path_end = std::min(url.find('?', path_start), url.size());
  const std::size_t slash = url.substr(0, path_end).rfind('/');
  if (slash == std::string_view::npos || slash < path_start) return std::nullopt;
  constexpr std::string_view kAnnounce = "announce";
  if (!url.substr(slash + 1, path_end - slash - 1).starts_with(kAnnounce)) return std::nullopt;
  std::string out(url.substr(0, slash + 1));
  out += "scrape";
  out += url.substr(slash + 1 + kAnnounce.size());
  return out;
}

std::string scrape_url_for(std::string_view scrape_base, const InfoHash& info_hash) {
  std::string url(without_fragment(scrape_base));
  append_query_separator(url);
  url += "info_hash=";
  url += percent_encode(info_hash.view());
  return url;
}

ParseResult<AnnounceReply> parse_announce_reply(std::string_view body, std::size_t max_peers) {
  ParseResult<bencode::Document> decoded = decode_reply(body);
  if (!decoded) return decoded.error();
  const bencode::Node& root = decoded->root;

  AnnounceReply reply;
  if (const bencode::Node* warning = root.find_string("warning message")) {
    reply.warning = clean_text(warning->as_string());
  }
  if (const bencode::Node* failure = root.find("failure reason")) {
    // A refusal is an answer, whatever else the dictionary holds.
    reply.failure_reason = failure_text(*failure);
    return reply;
  }

  if (const bencode::Node* interval = root.find_int("interval")) {
    reply.interval = clamp_interval(interval->as_int());
  }
  if (const bencode::Node* min_interval = root.find_int("min interval")) {
    reply.min_interval = clamp_interval(min_interval->as_int());
  }
  reply.complete = counter(root, "complete");
  reply.incomplete = counter(root, "incomplete");
  reply.downloaded = counter(root, "downloaded");
  if (const bencode::Node* id = root.find_string("tracker id")) {
    // Echoed back verbatim (percent-encoded), so binary is fine; only the size is bounded.
    if (id->as_string().size() <= kMaxTrackerIdBytes) reply.tracker_id = id->as_string();
  }

  if (const bencode::Node* peers = root.find("peers")) {
    if (peers->is_string()) {
      if (peers->as_string().size() % 6 != 0) {
        return ParseError{"peers: length not a multiple of 6"};
      }
      add_compact(peers->as_string(), 6, reply.peers, max_peers);
    } else if (peers->is_list()) {
      add_dict_peers(peers->as_list(), reply.peers, max_peers);
    } else {
      return ParseError{"peers: neither a string nor a list"};
    }
  }
  if (const bencode::Node* peers6 = root.find("peers6")) {
    if (!peers6->is_string()) return ParseError{"peers6: not a string"};
    if (peers6->as_string().size() % 18 != 0) {
      return ParseError{"peers6: length not a multiple of 18"};
    }
    add_compact(peers6->as_string(), 18, reply.peers, max_peers);
  }
  return reply;
}

ParseResult<ScrapeReply> parse_scrape_reply(std::string_view body, const InfoHash& info_hash) {
  ParseResult<bencode::Document> decoded = decode_reply(body);
  if (!decoded) return decoded.error();
  const bencode::Node& root = decoded->root;

  if (const bencode::Node* failure = root.find("failure reason")) {
    return ParseError{failure_text(*failure)};
  }
  const bencode::Node* files = root.find_dict("files");
  if (files == nullptr) return ParseError{"scrape reply has no files dictionary"};
  const bencode::Node* entry = files->find_dict(info_hash.view());
  if (entry == nullptr) return ParseError{"torrent not in scrape reply"};

  ScrapeReply reply;
  reply.complete = counter(*entry, "complete").value_or(0);
  reply.incomplete = counter(*entry, "incomplete").value_or(0);
  reply.downloaded = counter(*entry, "downloaded").value_or(0);
  return reply;
}

}  // namespace lt::tracker
