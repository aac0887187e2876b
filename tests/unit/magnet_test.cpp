#include "core/magnet.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace lt {
namespace {

// SHA-1 of "like-torrent", in both textual forms a magnet may carry.
constexpr std::string_view kHex = "b34d19e85d76234991239c11232feed106d47c0c";
constexpr std::string_view kBase32 = "WNGRT2C5OYRUTEJDTQISGL7O2EDNI7AM";

std::string with_hash(std::string_view rest = "") {
  return "magnet:?xt=urn:btih:" + std::string(kHex) + std::string(rest);
}

InfoHash expected_hash() {
  return *InfoHash::from_hex(kHex);
}

TEST(Magnet, ParsesHexHash) {
  const MagnetLink link = parse_magnet(with_hash());
  EXPECT_EQ(link.info_hash, expected_hash());
  EXPECT_TRUE(link.display_name.empty());
  EXPECT_TRUE(link.trackers.empty());
  EXPECT_TRUE(link.peers.empty());
  EXPECT_TRUE(link.web_seeds.empty());
  EXPECT_FALSE(link.exact_length.has_value());
}

TEST(Magnet, ParsesUppercaseHex) {
  std::string upper(kHex);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_magnet("magnet:?xt=urn:btih:" + upper).info_hash, expected_hash());
}

TEST(Magnet, ParsesBase32Hash) {
  EXPECT_EQ(parse_magnet("magnet:?xt=urn:btih:" + std::string(kBase32)).info_hash, expected_hash());
}

TEST(Magnet, ParsesLowercaseBase32Hash) {
  std::string lower(kBase32);
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(parse_magnet("magnet:?xt=urn:btih:" + lower).info_hash, expected_hash());
}

TEST(Magnet, SchemeAndUrnAreCaseInsensitive) {
  EXPECT_EQ(parse_magnet("MAGNET:?xt=URN:BTIH:" + std::string(kHex)).info_hash, expected_hash());
}

TEST(Magnet, TrimsSurroundingWhitespace) {
  EXPECT_EQ(parse_magnet("  " + with_hash() + "\r\n").info_hash, expected_hash());
}

TEST(Magnet, AcceptsPercentEncodedUrn) {
  EXPECT_EQ(parse_magnet("magnet:?xt=urn%3Abtih%3A" + std::string(kHex)).info_hash,
            expected_hash());
}

TEST(Magnet, FirstBtihWins) {
  const std::string other(40, 'a');
  const MagnetLink link = parse_magnet(
      "magnet:?xt=urn:sha1:XYZ&xt.1=urn:btih:" + std::string(kHex) + "&xt.2=urn:btih:" + other);
  EXPECT_EQ(link.info_hash, expected_hash());
}

TEST(Magnet, HybridLinkUsesBtih) {
  const MagnetLink link =
      parse_magnet("magnet:?xt=urn:btmh:1220abcdef&xt=urn:btih:" + std::string(kHex));
  EXPECT_EQ(link.info_hash, expected_hash());
}

TEST(Magnet, DecodesDisplayName) {
  // "My File/ü.txt" with a space, an encoded slash and the two UTF-8 bytes of U+00FC.
  const MagnetLink link = parse_magnet(with_hash("&dn=My%20File%2F%C3%BC.txt"));
  EXPECT_EQ(link.display_name, "My File/\xC3\xBC.txt");
}

TEST(Magnet, PlusStaysPlus) {
  EXPECT_EQ(parse_magnet(with_hash("&dn=a+b")).display_name, "a+b");
  EXPECT_EQ(percent_decode("a+b%2B"), "a+b+");
}

TEST(Magnet, FirstDisplayNameWins) {
  EXPECT_EQ(parse_magnet(with_hash("&dn=first&dn=second")).display_name, "first");
}

TEST(Magnet, ControlCharactersInDisplayNameBecomeUnderscores) {
  // A newline, DEL, and NEL (U+0085, UTF-8 C2 85) are all Unicode Cc.
  EXPECT_EQ(parse_magnet(with_hash("&dn=a%0Ab%7Fc%C2%85d")).display_name, "a_b_c_d");
}

TEST(Magnet, DecodesTrackersInOrder) {
  const MagnetLink link = parse_magnet(
      with_hash("&tr=http%3A%2F%2Fone.example%3A8000%2Fannounce&tr=udp://two.example:6969"
                "&tr.1=http%3A%2F%2Fthree.example%2Fa%20b"));
  ASSERT_EQ(link.trackers.size(), 3u);
  EXPECT_EQ(link.trackers[0], "http://one.example:8000/announce");
  EXPECT_EQ(link.trackers[1], "udp://two.example:6969");
  EXPECT_EQ(link.trackers[2], "http://three.example/a b");
}

TEST(Magnet, RemovesDuplicateTrackers) {
  const MagnetLink link = parse_magnet(
      with_hash("&tr=http%3A%2F%2Fa%2Fannounce&tr=http://b/announce&tr=http://a/announce"));
  ASSERT_EQ(link.trackers.size(), 2u);
  EXPECT_EQ(link.trackers[0], "http://a/announce");
  EXPECT_EQ(link.trackers[1], "http://b/announce");
}

TEST(Magnet, DropsEmptyAndControlTrackers) {
  const MagnetLink link = parse_magnet(with_hash("&tr=&tr=http://a/%0D%0Ax&tr=http://ok/"));
  ASSERT_EQ(link.trackers.size(), 1u);
  EXPECT_EQ(link.trackers[0], "http://ok/");
}

TEST(Magnet, CapsTrackers) {
  std::string uri = with_hash();
  for (std::size_t i = 0; i < kMaxMagnetTrackers + 50; ++i) {
    uri += "&tr=http://t" + std::to_string(i) + "/announce";
  }
  const MagnetLink link = parse_magnet(uri);
  ASSERT_EQ(link.trackers.size(), kMaxMagnetTrackers);
  EXPECT_EQ(link.trackers.front(), "http://t0/announce");
  EXPECT_EQ(link.trackers.back(),
            "http://t" + std::to_string(kMaxMagnetTrackers - 1) + "/announce");
}

TEST(Magnet, ParsesPeers) {
  const MagnetLink link =
      parse_magnet(with_hash("&x.pe=10.0.0.1:6881&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A51413"
                             "&x.pe.1=peer.example:80"));
  ASSERT_EQ(link.peers.size(), 3u);
  EXPECT_EQ(link.peers[0], "10.0.0.1:6881");
  EXPECT_EQ(link.peers[1], "[2001:db8::1]:51413");
  EXPECT_EQ(link.peers[2], "peer.example:80");
}

TEST(Magnet, DropsBadPeers) {
  const MagnetLink link =
      parse_magnet(with_hash("&x.pe=10.0.0.1&x.pe=10.0.0.1:0&x.pe=10.0.0.1:65536&x.pe=:6881"
                             "&x.pe=2001:db8::1:6881&x.pe=[2001:db8::1:6881&x.pe=[]:1&x.pe=a%20b:1"
                             "&x.pe=h:-1&x.pe=h:+1&x.pe=h:123456&x.pe=10.0.0.2:65535"));
  ASSERT_EQ(link.peers.size(), 1u);
  EXPECT_EQ(link.peers[0], "10.0.0.2:65535");
}

TEST(Magnet, ParsesWebSeeds) {
  const MagnetLink link =
      parse_magnet(with_hash("&ws=http%3A%2F%2Fseed.example%2Ffiles%2F&ws=https://m/x"));
  ASSERT_EQ(link.web_seeds.size(), 2u);
  EXPECT_EQ(link.web_seeds[0], "http://seed.example/files/");
  EXPECT_EQ(link.web_seeds[1], "https://m/x");
}

TEST(Magnet, ParsesExactLength) {
  EXPECT_EQ(parse_magnet(with_hash("&xl=0")).exact_length, 0);
  EXPECT_EQ(parse_magnet(with_hash("&xl=1234567890123")).exact_length, 1234567890123);
  EXPECT_EQ(parse_magnet(with_hash("&xl=9223372036854775807")).exact_length,
            INT64_C(9223372036854775807));
}

TEST(Magnet, IgnoresUnknownKeysAndEmptyPairs) {
  const MagnetLink link =
      parse_magnet(with_hash("&&kt=a+b&so=0-3&x.foo=%ZZ&DN=upper&trx=nope&tr.=x&dn"));
  EXPECT_EQ(link.info_hash, expected_hash());
  EXPECT_TRUE(link.display_name.empty());
  EXPECT_TRUE(link.trackers.empty());
}

TEST(Magnet, MakeStartsWithLowercaseHex) {
  MagnetLink link;
  link.info_hash = expected_hash();
  const std::string uri = make_magnet(link);
  EXPECT_EQ(uri, "magnet:?xt=urn:btih:" + std::string(kHex));
  ASSERT_GE(uri.size(), 60u);
  for (const char c : uri.substr(20, 40)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
  }
}

TEST(Magnet, MakeOrdersAndEncodes) {
  MagnetLink link;
  link.info_hash = expected_hash();
  link.display_name = "a b/c~";
  link.exact_length = 42;
  link.trackers = {"http://t/announce", "udp://u:1"};
  link.web_seeds = {"http://w/"};
  link.peers = {"[::1]:2"};
  EXPECT_EQ(make_magnet(link), with_hash("&dn=a%20b%2Fc~&xl=42"
                                         "&tr=http%3A%2F%2Ft%2Fannounce&tr=udp%3A%2F%2Fu%3A1"
                                         "&ws=http%3A%2F%2Fw%2F&x.pe=%5B%3A%3A1%5D%3A2"));
}

TEST(Magnet, RoundTrip) {
  MagnetLink link;
  link.info_hash = expected_hash();
  link.display_name = "Ünïcode name & more = 100% +plus";
  link.exact_length = 1 << 20;
  link.trackers = {"http://tracker.example:8000/announce?key=a&b=c", "udp://x:1"};
  link.web_seeds = {"https://seed.example/path with spaces/"};
  link.peers = {"192.168.1.2:6881", "[fe80::1]:7000"};
  EXPECT_EQ(parse_magnet(make_magnet(link)), link);
}

TEST(Magnet, PercentEncodingRoundTripsEveryByte) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all.push_back(static_cast<char>(b));
  const std::string encoded = percent_encode(all);
  EXPECT_EQ(percent_decode(encoded), all);
  EXPECT_NE(encoded.find("%FF"), std::string::npos);  // uppercase hex
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode(" /+%"), "%20%2F%2B%25");
}

TEST(Magnet, PercentDecodeRejectsBadEscapes) {
  EXPECT_FALSE(percent_decode("%G1").has_value());
  EXPECT_FALSE(percent_decode("%4").has_value());
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("a%1").has_value());
  EXPECT_EQ(percent_decode("%4a%4A"), "JJ");
  EXPECT_EQ(percent_decode(""), "");
}

void expect_error(const std::string& uri, std::string_view reason_part) {
  try {
    (void)parse_magnet(uri);
    ADD_FAILURE() << "no MagnetError for: " << uri.substr(0, 200);
  } catch (const MagnetError& e) {
    EXPECT_NE(std::string_view(e.what()).find(reason_part), std::string_view::npos)
        << "reason was: " << e.what();
  }
}

TEST(Magnet, RejectsMissingXt) {
  expect_error("magnet:?dn=foo&tr=http://a/", "no xt=urn:btih:");
  expect_error("magnet:?", "no xt=urn:btih:");
  expect_error("magnet:?xt=urn:sha1:" + std::string(kBase32), "no xt=urn:btih:");
}

TEST(Magnet, RejectsV2Only) {
  expect_error("magnet:?xt=urn:btmh:1220" + std::string(64, 'a'), "urn:btmh");
}

TEST(Magnet, RejectsShortOrLongHash) {
  expect_error(with_hash().substr(0, with_hash().size() - 1), "40 hex or 32 base32");
  expect_error(with_hash("0"), "40 hex or 32 base32");
  expect_error("magnet:?xt=urn:btih:", "40 hex or 32 base32");
}

TEST(Magnet, RejectsBadHexAndBase32) {
  expect_error("magnet:?xt=urn:btih:" + std::string(39, 'a') + "g", "not valid hex");
  // '1' is outside the base32 alphabet; a trailing '=' leaves fewer than 20 bytes.
  expect_error("magnet:?xt=urn:btih:" + std::string(31, 'A') + "1", "not valid base32");
  expect_error("magnet:?xt=urn:btih:" + std::string(31, 'A') + "=", "not valid base32");
}

TEST(Magnet, RejectsBadPercentEncoding) {
  expect_error(with_hash("&dn=%G1"), "bad percent-encoding in dn");
  expect_error(with_hash("&dn=abc%4"), "bad percent-encoding in dn");
  expect_error(with_hash("&tr=http://a/%G1"), "bad percent-encoding in tr");
  expect_error(with_hash("&tr.3=%4"), "bad percent-encoding in tr");
  expect_error("magnet:?xt=urn:btih:%G1" + std::string(kHex), "bad percent-encoding in xt");
}

TEST(Magnet, RejectsBadExactLength) {
  expect_error(with_hash("&xl=-1"), "xl must be");
  expect_error(with_hash("&xl="), "xl must be");
  expect_error(with_hash("&xl=12abc"), "xl must be");
  expect_error(with_hash("&xl=+5"), "xl must be");
  expect_error(with_hash("&xl=9223372036854775808"), "xl is too large");
}

TEST(Magnet, RejectsOtherSchemes) {
  expect_error("http://example.com/?xt=urn:btih:" + std::string(kHex), "not a magnet link");
  expect_error("magnet:xt=urn:btih:" + std::string(kHex), "no '?'");
  expect_error("magnet:", "no '?'");
  expect_error("magnet", "not a magnet link");
}

TEST(Magnet, RejectsEmpty) {
  expect_error("", "empty");
  expect_error(" \t\r\n", "empty");
}

TEST(Magnet, RejectsHugeInput) {
  std::string uri = with_hash("&x.junk=");
  const std::size_t fill = kMaxMagnetLength - uri.size();
  uri.append(fill, 'a');
  ASSERT_EQ(uri.size(), kMaxMagnetLength);
  EXPECT_EQ(parse_magnet(uri).info_hash, expected_hash());  // exactly at the cap is fine
  uri.push_back('a');
  expect_error(uri, "longer than");
  expect_error(std::string(10 * 1024 * 1024, '&'), "longer than");
}

TEST(Magnet, ManyTinyPairsStayCheap) {
  // The worst case for per-pair overhead: the whole allowed length in duplicate trackers.
  std::string uri = with_hash();
  while (uri.size() + 6 <= kMaxMagnetLength)
    uri += "&tr=x";
  const MagnetLink link = parse_magnet(uri);
  ASSERT_EQ(link.trackers.size(), 1u);
  EXPECT_EQ(link.trackers[0], "x");
}

}  // namespace
}  // namespace lt
