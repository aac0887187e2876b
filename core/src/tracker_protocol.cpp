#include "core/tracker_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace lt::tracker {
namespace {

// ---- Small scanners ----

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An unsigned ASCII decimal, optionally with a leading '-'. Overflow is reported rather than
// failed, because "numwant=99999999999999999999" is a number (a large one), not garbage.
struct Decimal {
  std::uint64_t magnitude = 0;
  bool negative = false;
  bool overflow = false;  // magnitude did not fit in 64 bits
};

std::optional<Decimal> scan_decimal(std::string_view text, bool allow_minus) noexcept {
  Decimal d;
  if (allow_minus && !text.empty() && text.front() == '-') {
    d.negative = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (!is_digit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (d.magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) d.overflow = true;
    if (!d.overflow) d.magnitude = d.magnitude * 10 + digit;
  }
  return d;
}

// A non-negative int64 in plain decimal (uploaded, downloaded, left).
std::optional<std::int64_t> scan_counter(std::string_view text) noexcept {
  const auto d = scan_decimal(text, false);
  if (!d || d->overflow ||
      d->magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d->magnitude);
}

// ---- Bencode writers (append straight into the answer) ----

void put_int(std::string& out, std::int64_t value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.push_back('i');
  out.append(buf, result.ptr);
  out.push_back('e');
}

void put_len(std::string& out, std::size_t length) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), length);
  out.append(buf, result.ptr);
  out.push_back(':');
}

void put_str(std::string& out, std::string_view text) {
  put_len(out, text.size());
  out.append(text);
}

void put_bytes(std::string& out, const std::uint8_t* data, std::size_t size) {
  out.append(reinterpret_cast<const char*>(data), size);
}

char* write_port(char* p, std::uint16_t port) noexcept {
  p[0] = static_cast<char>(port >> 8);
  p[1] = static_cast<char>(port & 0xFF);
  return p + 2;
}

// ---- Address text ----

// Longest text form: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
constexpr std::size_t kMaxIpText = 45;

char* write_dotted(char* p, const std::uint8_t* four) noexcept {
  for (int i = 0; i < 4; ++i) {
    if (i != 0) *p++ = '.';
    p = std::to_chars(p, p + 3, four[i]).ptr;
  }
  return p;
}

char* write_hex_group(char* p, std::uint16_t group) noexcept {
  return std::to_chars(p, p + 4, group, 16).ptr;  // lowercase, no leading zeros
}

// Writes the RFC 5952 form into buf (kMaxIpText bytes); returns the end.
char* write_ip(char* p, const IpAddress& ip) noexcept {
  if (!ip.v6) return write_dotted(p, ip.bytes.data());
  if (ip.is_v4_mapped()) {
    constexpr std::string_view kPrefix = "::ffff:";
    std::memcpy(p, kPrefix.data(), kPrefix.size());
    return write_dotted(p + kPrefix.size(), ip.bytes.data() + 12);
  }
  std::array<std::uint16_t, 8> groups{};
  for (std::size_t i = 0; i < 8; ++i) {
    groups[i] = static_cast<std::uint16_t>((ip.bytes[2 * i] << 8) | ip.bytes[2 * i + 1]);
  }
  // The longest run of zero groups, the first on a tie; a single zero group is not shortened
  // (RFC 5952 4.2.2).
  std::size_t best_start = 8;
  std::size_t best_len = 1;
  for (std::size_t i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < 8 && groups[j] == 0)
      ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == best_start) {
      *p++ = ':';
      *p++ = ':';
      i += best_len - 1;
      continue;
    }
    if (i != 0 && i != best_start + best_len) *p++ = ':';
    p = write_hex_group(p, groups[i]);
  }
  return p;
}

// Exactly four decimal parts 0-255, no leading zeros, nothing else.
bool parse_v4(std::string_view text, std::uint8_t* out) noexcept {
  std::size_t pos = 0;
  for (int part = 0; part < 4; ++part) {
    if (part != 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    const std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && is_digit(text[pos]) && pos - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - start;
    if (digits == 0 || value > 255) return false;
    if (digits > 1 && text[start] == '0') return false;
    out[part] = static_cast<std::uint8_t>(value);
  }
  return pos == text.size();
}

bool parse_v6(std::string_view text, std::uint8_t* out) noexcept {
  if (text.empty() || text.size() > kMaxIpText) return false;
  std::array<std::uint16_t, 8> groups{};
  std::size_t count = 0;
  int gap = -1;  // index in groups where "::" stands
  std::size_t pos = 0;
  if (text[0] == ':') {
    if (text.size() < 2 || text[1] != ':') return false;
    gap = 0;
    pos = 2;
  }
  while (pos < text.size()) {
    const std::size_t start = pos;
    unsigned value = 0;
    while (pos < text.size() && pos - start < 5 && hex_value(text[pos]) >= 0) {
      value = (value << 4) | static_cast<unsigned>(hex_value(text[pos]));
      ++pos;
    }
    if (pos < text.size() && text[pos] == '.') {
      // A dotted IPv4 tail fills the last two groups and must end the text.
      std::array<std::uint8_t, 4> four{};
      if (count > 6 || !parse_v4(text.substr(start), four.data())) return false;
      groups[count++] = static_cast<std::uint16_t>((four[0] << 8) | four[1]);
      groups[count++] = static_cast<std::uint16_t>((four[2] << 8) | four[3]);
      pos = text.size();
      break;
    }
    const std::size_t digits = pos - start;
    if (digits == 0 || digits > 4 || count == 8) return false;
    groups[count++] = static_cast<std::uint16_t>(value);
    if (pos == text.size()) break;
    if (text[pos] != ':') return false;
    ++pos;
    if (pos < text.size() && text[pos] == ':') {
      if (gap >= 0) return false;
      gap = static_cast<int>(count);
      ++pos;
    } else if (pos == text.size()) {
      return false;  // a single trailing ':'
    }
  }
  if (gap < 0) {
    if (count != 8) return false;
  } else if (count > 7) {
    return false;  // "::" must stand for at least one group
  }
  std::array<std::uint16_t, 8> full{};
  if (gap < 0) {
    full = groups;
  } else {
    const auto g = static_cast<std::size_t>(gap);
    const std::size_t tail = count - g;
    // Index loops rather than copy_n: GCC's -Warray-bounds cannot see that g <= count <= 7.
    for (std::size_t i = 0; i < g && i < full.size(); ++i)
      full[i] = groups[i];
    for (std::size_t i = 0; i < tail && i < full.size() && g + i < groups.size(); ++i) {
      full[full.size() - tail + i] = groups[g + i];
    }
  }
  for (std::size_t i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
    out[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xFF);
  }
  return true;
}

// ---- Announce parameters ----

enum class AnnounceKey : std::uint8_t {
  info_hash,
  peer_id,
  port,
  uploaded,
  downloaded,
  left,
  event,
  numwant,
  compact,
  no_peer_id,
  ip,
  key,
  count,
};

constexpr std::array<std::string_view, static_cast<std::size_t>(AnnounceKey::count)> kKeyNames = {
    "info_hash", "peer_id", "port",    "uploaded",   "downloaded", "left",
    "event",     "numwant", "compact", "no_peer_id", "ip",         "key",
};

std::optional<AnnounceKey> announce_key(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kKeyNames.size(); ++i) {
    if (kKeyNames[i] == name) return static_cast<AnnounceKey>(i);
  }
  return std::nullopt;
}

ParseError wrong_length(std::string_view what, std::size_t got) {
  std::string reason = "invalid ";
  reason += what;
  reason += ": expected 20 bytes, got ";
  reason += std::to_string(got);
  return ParseError{std::move(reason)};
}

}  // namespace

// ---- Addresses ----

bool IpAddress::is_v4_mapped() const noexcept {
  if (!v6) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[10] == 0xFF && bytes[11] == 0xFF;
}

bool IpAddress::is_loopback() const noexcept {
  if (!v6) return bytes[0] == 127;
  if (is_v4_mapped()) return bytes[12] == 127;
  for (std::size_t i = 0; i < 15; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[15] == 1;
}

IpAddress unmap_v4(const IpAddress& ip) noexcept {
  if (!ip.is_v4_mapped()) return ip;
  return IpAddress::v4(ip.bytes[12], ip.bytes[13], ip.bytes[14], ip.bytes[15]);
}

std::optional<IpAddress> parse_ip(std::string_view text) noexcept {
  IpAddress ip;
  if (text.find(':') != std::string_view::npos) {
    ip.v6 = true;
    if (!parse_v6(text, ip.bytes.data())) return std::nullopt;
  } else if (!parse_v4(text, ip.bytes.data())) {
    return std::nullopt;
  }
  return ip;
}

std::string format_ip(const IpAddress& ip) {
  std::string out;
  append_ip(out, ip);
  return out;
}

void append_ip(std::string& out, const IpAddress& ip) {
  char buf[kMaxIpText];
  out.append(buf, write_ip(buf, ip));
}

// ---- Announce ----

ParseResult<AnnounceRequest> parse_announce(const QueryParams& params) {
  // First occurrence of each known key; the values are validated afterwards in a fixed order,
  // so the reason for a bad request does not depend on parameter order.
  std::array<const std::string*, static_cast<std::size_t>(AnnounceKey::count)> first{};
  for (const auto& [name, value] : params) {
    const auto k = announce_key(name);
    if (!k) continue;
    auto& slot = first[static_cast<std::size_t>(*k)];
    if (slot == nullptr) slot = &value;
  }
  const auto get = [&first](AnnounceKey k) { return first[static_cast<std::size_t>(k)]; };

  AnnounceRequest req;

  const std::string* info_hash = get(AnnounceKey::info_hash);
  if (info_hash == nullptr) return ParseError{"missing info_hash"};
  if (info_hash->size() != 20) return wrong_length("info_hash", info_hash->size());
  req.info_hash = *InfoHash::from_bytes(*info_hash);

  const std::string* peer_id = get(AnnounceKey::peer_id);
  if (peer_id == nullptr) return ParseError{"missing peer_id"};
  if (peer_id->size() != 20) return wrong_length("peer_id", peer_id->size());
  std::memcpy(req.peer_id.data(), peer_id->data(), req.peer_id.size());

  const std::string* port = get(AnnounceKey::port);
  if (port == nullptr) return ParseError{"missing port"};
  const auto port_value = scan_decimal(*port, false);
  if (!port_value || port_value->overflow || port_value->magnitude == 0 ||
      port_value->magnitude > 65535) {
    return ParseError{"invalid port (expected 1-65535)"};
  }
  req.port = static_cast<std::uint16_t>(port_value->magnitude);

  struct Counter {
    AnnounceKey key;
    std::int64_t AnnounceRequest::*field;
    std::string_view reason;
  };
  static constexpr std::array<Counter, 3> kCounters = {{
      {AnnounceKey::uploaded, &AnnounceRequest::uploaded, "invalid uploaded"},
      {AnnounceKey::downloaded, &AnnounceRequest::downloaded, "invalid downloaded"},
      {AnnounceKey::left, &AnnounceRequest::left, "invalid left"},
  }};
  for (const Counter& c : kCounters) {
    const std::string* text = get(c.key);
    if (text == nullptr) continue;
    const auto value = scan_counter(*text);
    if (!value) return ParseError{std::string(c.reason)};
    req.*c.field = *value;
  }

  if (const std::string* event = get(AnnounceKey::event)) {
    if (*event == "started") {
      req.event = AnnounceRequest::Event::started;
    } else if (*event == "completed") {
      req.event = AnnounceRequest::Event::completed;
    } else if (*event == "stopped") {
      req.event = AnnounceRequest::Event::stopped;
    } else if (!event->empty() && *event != "paused") {
      return ParseError{"invalid event"};
    }
  }

  if (const std::string* numwant = get(AnnounceKey::numwant)) {
    const auto value = scan_decimal(*numwant, true);
    if (!value) return ParseError{"invalid numwant"};
    if (value->negative && value->magnitude != 0) {
      req.numwant = kDefaultNumwant;
    } else if (value->overflow || value->magnitude > static_cast<std::uint64_t>(kMaxNumwant)) {
      req.numwant = kMaxNumwant;
    } else {
      req.numwant = static_cast<int>(value->magnitude);
    }
  }

  if (const std::string* compact = get(AnnounceKey::compact)) req.compact = *compact != "0";
  if (const std::string* no_peer_id = get(AnnounceKey::no_peer_id)) {
    req.no_peer_id = *no_peer_id != "0";
  }
  if (const std::string* ip = get(AnnounceKey::ip)) req.ip = *ip;
  if (const std::string* key = get(AnnounceKey::key)) req.key = *key;
  return req;
}

std::string encode_announce(const AnnounceResponse& response, bool compact, bool no_peer_id) {
  std::size_t v4_count = 0;
  for (const PeerEntry& peer : response.peers)
    v4_count += peer.address.v6 ? 0 : 1;
  const std::size_t v6_count = response.peers.size() - v4_count;

  // The fixed part is under 150 bytes; a dictionary-model peer is at most ~110.
  constexpr std::size_t kFixed = 160;
  std::string out;
  out.reserve(compact ? kFixed + 6 * v4_count + 18 * v6_count
                      : kFixed + 112 * response.peers.size());

  out += "d8:complete";
  put_int(out, response.complete);
  out += "10:downloaded";
  put_int(out, response.downloaded);
  out += "10:incomplete";
  put_int(out, response.incomplete);
  out += "8:interval";
  put_int(out, response.interval);
  out += "12:min interval";
  put_int(out, response.min_interval);
  out += "5:peers";

  if (compact) {
    // Sized once, then filled through a pointer: no per-peer growth checks.
    put_len(out, 6 * v4_count);
    std::size_t at = out.size();
    out.resize(at + 6 * v4_count);
    for (const PeerEntry& peer : response.peers) {
      if (peer.address.v6) continue;
      char* p = out.data() + at;
      std::memcpy(p, peer.address.bytes.data(), 4);
      write_port(p + 4, peer.port);
      at += 6;
    }
    if (v6_count != 0) {
      out += "6:peers6";
      put_len(out, 18 * v6_count);
      at = out.size();
      out.resize(at + 18 * v6_count);
      for (const PeerEntry& peer : response.peers) {
        if (!peer.address.v6) continue;
        char* p = out.data() + at;
        std::memcpy(p, peer.address.bytes.data(), 16);
        write_port(p + 16, peer.port);
        at += 18;
      }
    }
  } else {
    out.push_back('l');
    for (const PeerEntry& peer : response.peers) {
      char ip[kMaxIpText];
      const char* ip_end = write_ip(ip, peer.address);
      out += "d2:ip";
      put_str(out, std::string_view(ip, static_cast<std::size_t>(ip_end - ip)));
      if (!no_peer_id) {
        out += "7:peer id20:";
        put_bytes(out, peer.peer_id.data(), peer.peer_id.size());
      }
      out += "4:port";
      put_int(out, peer.port);
      out.push_back('e');
    }
    out.push_back('e');
  }
  out.push_back('e');
  return out;
}

std::string encode_failure(std::string_view reason) {
  std::string out;
  out.reserve(24 + reason.size());
  out += "d14:failure reason";
  put_str(out, reason);
  out.push_back('e');
  return out;
}

// ---- Scrape ----

ParseResult<ScrapeRequest> parse_scrape(const QueryParams& params, std::size_t max_hashes) {
  ScrapeRequest req;
  for (const auto& [name, value] : params) {
    if (name != "info_hash") continue;
    if (value.size() != 20) return wrong_length("info_hash", value.size());
    const InfoHash hash = *InfoHash::from_bytes(value);
    // A linear search is enough: the list never grows past max_hashes (64 by default).
    if (std::find(req.info_hashes.begin(), req.info_hashes.end(), hash) != req.info_hashes.end()) {
      continue;
    }
    if (req.info_hashes.size() >= max_hashes) {
      return ParseError{"too many info_hash in one scrape (max " + std::to_string(max_hashes) +
                        ")"};
    }
    req.info_hashes.push_back(hash);
  }
  return req;
}

std::string encode_scrape(std::span<const ScrapeEntry> entries) {
  std::vector<const ScrapeEntry*> sorted;
  sorted.reserve(entries.size());
  std::size_t names = 0;
  for (const ScrapeEntry& entry : entries) {
    sorted.push_back(&entry);
    names += entry.name.size();
  }
  // Stable, so of two entries for one hash the first given is the one written.
  std::stable_sort(sorted.begin(), sorted.end(), [](const ScrapeEntry* a, const ScrapeEntry* b) {
    return a->info_hash < b->info_hash;
  });

  std::string out;
  out.reserve(16 + 120 * entries.size() + names);
  out += "d5:filesd";
  const ScrapeEntry* previous = nullptr;
  for (const ScrapeEntry* entry : sorted) {
    if (previous != nullptr && previous->info_hash == entry->info_hash) continue;
    previous = entry;
    out += "20:";
    out += entry->info_hash.view();
    out += "d8:complete";
    put_int(out, entry->complete);
    out += "10:downloaded";
    put_int(out, entry->downloaded);
    out += "10:incomplete";
    put_int(out, entry->incomplete);
    if (!entry->name.empty()) {
      out += "4:name";
      put_str(out, entry->name);
    }
    out.push_back('e');
  }
  out += "ee";
  return out;
}

}  // namespace lt::tracker
