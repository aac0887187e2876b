#include "core/magnet.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "core/hex.hpp"
#include "core/utf8.hpp"

namespace lt {
namespace {

constexpr std::string_view kScheme = "magnet:";
constexpr std::string_view kBtihPrefix = "urn:btih:";
constexpr std::string_view kBtmhPrefix = "urn:btmh:";

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool all_digits(std::string_view text) noexcept {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// The scheme and URN namespace are case-insensitive (RFC 3986, RFC 8141); links in the wild
// do use "MAGNET:" and "urn:BTIH:".
bool starts_with_ci(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != ascii_lower(prefix[i])) return false;
  }
  return true;
}

// Length in bytes of the Unicode Cc character starting at text[i] in UTF-8, or 0 (C0 controls,
// DEL, and C1 controls such as NEL U+0085; bytes that are not UTF-8 are not controls).
std::size_t control_length(std::string_view text, std::size_t i) noexcept {
  const Utf8Char c = decode_utf8(text, i);
  return c.valid && is_control(c.code_point) ? c.length : 0;
}

bool has_control(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (control_length(text, i) != 0) return true;
  }
  return false;
}

std::string replace_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = control_length(text, i);
    if (n == 0) {
      out.push_back(text[i]);
      ++i;
    } else {
      out.push_back('_');
      i += n;
    }
  }
  return out;
}

enum class Key { unknown, xt, dn, tr, ws, peer, xl };

struct KnownKey {
  Key key;
  std::string_view name;
};

constexpr std::array kKnownKeys = {
    KnownKey{Key::xt, "xt"}, KnownKey{Key::dn, "dn"},     KnownKey{Key::tr, "tr"},
    KnownKey{Key::ws, "ws"}, KnownKey{Key::peer, "x.pe"}, KnownKey{Key::xl, "xl"},
};

// A key is "name" or the indexed form "name.N" (BEP 9 allows "xt.1", "tr.2", ...). Keys are
// case-sensitive, as every client treats them.
bool key_matches(std::string_view key, std::string_view name) noexcept {
  if (!key.starts_with(name)) return false;
  key.remove_prefix(name.size());
  if (key.empty()) return true;
  return key.front() == '.' && all_digits(key.substr(1));
}

const KnownKey* classify(std::string_view key) noexcept {
  for (const KnownKey& known : kKnownKeys) {
    if (key_matches(key, known.name)) return &known;
  }
  return nullptr;
}

InfoHash parse_btih(std::string_view text) {
  if (text.size() == 40) {
    if (auto hash = InfoHash::from_hex(text)) return *hash;
    throw MagnetError("info-hash of 40 characters is not valid hex");
  }
  if (text.size() == 32) {
    const auto raw = from_base32(text);
    // A '=' at the end is tolerated by from_base32, which leaves fewer than 20 bytes.
    if (!raw || raw->size() != 20)
      throw MagnetError("info-hash of 32 characters is not valid base32");
    InfoHash hash;
    std::copy(raw->begin(), raw->end(), hash.bytes.begin());
    return hash;
  }
  throw MagnetError("info-hash must be 40 hex or 32 base32 characters, got " +
                    std::to_string(text.size()));
}

std::int64_t parse_length(std::string_view text) {
  if (!all_digits(text)) throw MagnetError("xl must be a non-negative decimal integer");
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    throw MagnetError("xl is too large for a length");
  }
  return value;
}

bool valid_host_char(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

bool valid_v6_char(char c) noexcept {
  return hex_digit_value(c) >= 0 || c == ':' || c == '.';
}

// "host:port" or "[v6]:port": a shape check, not full address validation; the engine resolves
// and connects later and copes with unreachable peers anyway.
bool valid_peer(std::string_view peer) noexcept {
  const std::size_t colon = peer.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view host = peer.substr(0, colon);
  const std::string_view port = peer.substr(colon + 1);
  if (!all_digits(port) || port.size() > 5) return false;
  int port_value = 0;
  std::from_chars(port.data(), port.data() + port.size(), port_value);
  if (port_value < 1 || port_value > 65535) return false;

  if (!host.empty() && host.front() == '[') {
    if (host.size() < 4 || host.back() != ']') return false;
    const std::string_view inner = host.substr(1, host.size() - 2);
    // 45 is the longest textual IPv6 address (with an embedded IPv4 tail).
    return inner.size() <= 45 && inner.find(':') != std::string_view::npos &&
           std::all_of(inner.begin(), inner.end(), valid_v6_char);
  }
  // 253 is the longest DNS name; a bare ':' in the host would be an unbracketed IPv6 address,
  // which is ambiguous with the port.
  return !host.empty() && host.size() <= 253 &&
         std::all_of(host.begin(), host.end(), valid_host_char);
}

// Adds value to list unless it is a duplicate or the list is full.
void add_unique(std::vector<std::string>& list, std::unordered_set<std::string>& seen,
                std::string value, std::size_t cap) {
  if (list.size() >= cap) return;
  if (!seen.insert(value).second) return;
  list.push_back(std::move(value));
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // truncated escape such as "%4"
    const int hi = hex_digit_value(text[i + 1]);
    const int lo = hex_digit_value(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0f]);
    }
  }
  return out;
}

MagnetLink parse_magnet(std::string_view uri) {
  if (uri.size() > kMaxMagnetLength) {
    throw MagnetError("magnet link is longer than " + std::to_string(kMaxMagnetLength) + " bytes");
  }
  // A link pasted from a terminal or a web page often carries a newline or spaces around it.
  while (!uri.empty() && is_space(uri.front()))
    uri.remove_prefix(1);
  while (!uri.empty() && is_space(uri.back()))
    uri.remove_suffix(1);
  if (uri.empty()) throw MagnetError("magnet link is empty");
  if (!starts_with_ci(uri, kScheme)) throw MagnetError("not a magnet link (no \"magnet:\" scheme)");
  uri.remove_prefix(kScheme.size());
  if (uri.empty() || uri.front() != '?')
    throw MagnetError("magnet link has no '?' after \"magnet:\"");
  uri.remove_prefix(1);

  MagnetLink link;
  std::optional<InfoHash> hash;
  bool saw_btmh = false;
  bool have_name = false;
  std::unordered_set<std::string> seen_trackers;
  std::unordered_set<std::string> seen_peers;
  std::unordered_set<std::string> seen_web_seeds;

  while (!uri.empty()) {
    const std::size_t amp = uri.find('&');
    const std::string_view pair = uri.substr(0, amp);
    uri = amp == std::string_view::npos ? std::string_view{} : uri.substr(amp + 1);

    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    const KnownKey* known = classify(key);
    if (known == nullptr) continue;  // unknown keys (so, kt, x.foo, ...) carry nothing we use

    std::optional<std::string> value = percent_decode(raw);
    if (!value) throw MagnetError("bad percent-encoding in " + std::string(known->name));

    switch (known->key) {
      case Key::xt:
        if (starts_with_ci(*value, kBtihPrefix)) {
          if (!hash) hash = parse_btih(std::string_view(*value).substr(kBtihPrefix.size()));
        } else if (starts_with_ci(*value, kBtmhPrefix)) {
          saw_btmh = true;
        }
        break;
      case Key::dn:
        if (!have_name) {
          link.display_name = replace_controls(*value);
          have_name = true;
        }
        break;
      case Key::tr:
        if (!value->empty() && !has_control(*value)) {
          add_unique(link.trackers, seen_trackers, std::move(*value), kMaxMagnetTrackers);
        }
        break;
      case Key::ws:
        if (!value->empty() && !has_control(*value)) {
          add_unique(link.web_seeds, seen_web_seeds, std::move(*value), kMaxMagnetWebSeeds);
        }
        break;
      case Key::peer:
        if (valid_peer(*value))
          add_unique(link.peers, seen_peers, std::move(*value), kMaxMagnetPeers);
        break;
      case Key::xl: {
        const std::int64_t length = parse_length(*value);
        if (!link.exact_length) link.exact_length = length;
        break;
      }
      case Key::unknown:
        break;
    }
  }

  if (!hash) {
    if (saw_btmh) {
      throw MagnetError("BitTorrent v2 magnet links (urn:btmh) are not supported yet");
    }
    throw MagnetError("magnet link has no xt=urn:btih: info-hash");
  }
  link.info_hash = *hash;
  return link;
}

std::string make_magnet(const MagnetLink& link) {
  std::string out = "magnet:?xt=urn:btih:";
  out += link.info_hash.hex();
  if (!link.display_name.empty()) {
    out += "&dn=";
    out += percent_encode(link.display_name);
  }
  if (link.exact_length && *link.exact_length >= 0) {
    out += "&xl=";
    out += std::to_string(*link.exact_length);
  }
  for (const std::string& tracker : link.trackers) {
    out += "&tr=";
    out += percent_encode(tracker);
  }
  for (const std::string& seed : link.web_seeds) {
    out += "&ws=";
    out += percent_encode(seed);
  }
  for (const std::string& peer : link.peers) {
    out += "&x.pe=";
    out += percent_encode(peer);
  }
  return out;
}

}  // namespace lt
