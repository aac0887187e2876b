#include "core/peer_id.hpp"

#include <algorithm>
#include <optional>
#include <random>

namespace lt {
namespace {

// How an Azureus-style client packs its version into the four characters after its code.
enum class VersionStyle : std::uint8_t {
  three,         // "abcd" -> "a.b.c", plus ".d" when d is a digit 1-9 (µTorrent puts a build
                 // letter there, libtorrent a tag digit that is nearly always 0)
  four,          // "abcd" -> "a.b.c.d" (Vuze and BiglyBT use four-part versions)
  transmission,  // see transmission_version()
};

struct AzureusClient {
  std::string_view code;
  std::string_view name;
  VersionStyle style;
};

constexpr AzureusClient kAzureusClients[] = {
    {"AZ", "Vuze", VersionStyle::four},
    {"BI", "BiglyBT", VersionStyle::four},
    {"BT", "BitTorrent", VersionStyle::three},
    {"DE", "Deluge", VersionStyle::three},
    {"FD", "Free Download Manager", VersionStyle::three},
    {"FW", "FrostWire", VersionStyle::three},
    {"KT", "KTorrent", VersionStyle::three},
    {"LK", "Like-Torrent", VersionStyle::three},
    {"LT", "libtorrent", VersionStyle::three},
    {"PI", "PicoTorrent", VersionStyle::three},
    {"TR", "Transmission", VersionStyle::transmission},
    {"UM", "\u00b5Torrent Mac", VersionStyle::three},
    {"UT", "\u00b5Torrent", VersionStyle::three},
    {"UW", "\u00b5Torrent Web", VersionStyle::three},
    {"lt", "libTorrent (rakshasa)", VersionStyle::three},
    {"qB", "qBittorrent", VersionStyle::three},
};

constexpr std::string_view kIdAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool is_digit(std::uint8_t c) noexcept {
  return c >= '0' && c <= '9';
}

// Version characters count in base 36 ("-DE13F0-" is Deluge 1.3.15); -1 for anything else.
int version_digit(std::uint8_t c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  return -1;
}

std::string dotted(std::initializer_list<int> parts) {
  std::string out;
  for (const int part : parts) {
    if (!out.empty()) out.push_back('.');
    out += std::to_string(part);
  }
  return out;
}

// Transmission has used three layouts: "0ABC" is 0.BC (0.72) before 1.0, "XYZs" is X.YZ (2.94,
// 3.00) from 1.0 to 3.x, and "XYZs" is X.Y.Z (4.0.5) from 4.0. `s` marks a build: 'Z' or 'X'
// a development build ("+"), 'B' a beta.
std::string transmission_version(const std::uint8_t* v) {
  std::string out;
  if (v[0] == '0') {
    out = "0.";
    if (v[2] != '0') out.push_back(static_cast<char>(v[2]));
    out.push_back(static_cast<char>(v[3]));
    return out;
  }
  if (v[0] >= '1' && v[0] <= '3') {
    out = {static_cast<char>(v[0]), '.', static_cast<char>(v[1]), static_cast<char>(v[2])};
  } else {
    out = dotted({version_digit(v[0]), version_digit(v[1]), version_digit(v[2])});
  }
  if (v[3] == 'Z' || v[3] == 'X') out += "+";
  if (v[3] == 'B') out += " beta";
  return out;
}

std::optional<std::string> azureus_name(const PeerId& id) {
  if (id[0] != '-' || id[7] != '-') return std::nullopt;
  const std::string_view code(reinterpret_cast<const char*>(&id[1]), 2);
  const auto* client = std::find_if(std::begin(kAzureusClients), std::end(kAzureusClients),
                                    [code](const AzureusClient& c) { return c.code == code; });
  if (client == std::end(kAzureusClients)) return std::nullopt;
  const std::uint8_t* v = &id[3];
  if (!std::all_of(v, v + 4, [](std::uint8_t c) { return version_digit(c) >= 0; })) {
    return std::nullopt;
  }

  std::string version;
  switch (client->style) {
    case VersionStyle::three:
      version = dotted({version_digit(v[0]), version_digit(v[1]), version_digit(v[2])});
      if (v[3] >= '1' && v[3] <= '9') version += "." + std::to_string(v[3] - '0');
      break;
    case VersionStyle::four:
      version = dotted(
          {version_digit(v[0]), version_digit(v[1]), version_digit(v[2]), version_digit(v[3])});
      break;
    case VersionStyle::transmission:
      if (!std::all_of(v, v + 3, is_digit)) return std::nullopt;
      version = transmission_version(v);
      break;
  }
  return std::string(client->name) + " " + version;
}

struct DashedVersion {
  std::string text;  // "1.36.0"
  std::size_t end;   // index just past the last '-'
};

// Reads "N-N-N-" (each N one to three digits) from id[pos], all of it before id[limit].
std::optional<DashedVersion> dashed_version(const PeerId& id, std::size_t pos, std::size_t limit) {
  std::string text;
  for (int group = 0; group < 3; ++group) {
    const std::size_t start = pos;
    while (pos < limit && pos - start < 3 && is_digit(id[pos]))
      ++pos;
    if (pos == start || pos >= limit || id[pos] != '-') return std::nullopt;
    if (group > 0) text.push_back('.');
    text.append(reinterpret_cast<const char*>(&id[start]), pos - start);
    ++pos;  // the '-'
  }
  return DashedVersion{std::move(text), pos};
}

// aria2: "A2-" then major-minor-patch, each followed by '-' ("A2-1-36-0-").
std::optional<std::string> aria2_name(const PeerId& id) {
  if (id[0] != 'A' || id[1] != '2' || id[2] != '-') return std::nullopt;
  auto version = dashed_version(id, 3, id.size());
  if (!version) return std::nullopt;
  return "aria2 " + version->text;
}

// Mainline (the original BitTorrent): 'M' then major-minor-patch, padded with '-' to 8 bytes
// ("M7-4-3--", "M4-20-8-").
std::optional<std::string> mainline_name(const PeerId& id) {
  constexpr std::size_t kHeader = 8;
  if (id[0] != 'M') return std::nullopt;
  auto version = dashed_version(id, 1, kHeader);
  if (!version) return std::nullopt;
  for (std::size_t pos = version->end; pos < kHeader; ++pos) {
    if (id[pos] != '-') return std::nullopt;
  }
  return "Mainline " + version->text;
}

// BitComet: "exbc" then the major and minor version as raw bytes (0.61 is 0x00 0x3d).
std::optional<std::string> bitcomet_name(const PeerId& id) {
  if (id[0] != 'e' || id[1] != 'x' || id[2] != 'b' || id[3] != 'c') return std::nullopt;
  std::string minor = std::to_string(id[5]);
  if (minor.size() < 2) minor.insert(minor.begin(), '0');
  return "BitComet " + std::to_string(id[4]) + "." + minor;
}

std::string unknown_name(const PeerId& id) {
  std::string out = "unknown (";
  for (std::size_t i = 0; i < 8; ++i) {
    const std::uint8_t c = id[i];
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
  }
  out.push_back(')');
  return out;
}

}  // namespace

PeerId make_peer_id(std::uint64_t seed) {
  PeerId id{};
  std::copy(kPeerIdPrefix.begin(), kPeerIdPrefix.end(), id.begin());
  // mt19937_64's output sequence is fixed by the standard, distributions' are not: reduce the
  // raw output directly (the modulo bias over 2^64 is far below anything observable).
  std::mt19937_64 rng(seed);
  for (std::size_t i = kPeerIdPrefix.size(); i < id.size(); ++i) {
    id[i] = static_cast<std::uint8_t>(kIdAlphabet[rng() % kIdAlphabet.size()]);
  }
  return id;
}

std::string client_name(const PeerId& id) {
  if (auto name = azureus_name(id)) return std::move(*name);
  if (auto name = aria2_name(id)) return std::move(*name);
  if (auto name = mainline_name(id)) return std::move(*name);
  if (auto name = bitcomet_name(id)) return std::move(*name);
  return unknown_name(id);
}

}  // namespace lt
