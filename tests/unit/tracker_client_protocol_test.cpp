#include "core/tracker_client_protocol.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/magnet.hpp"

namespace lt::tracker {
namespace {

using namespace std::string_literals;

InfoHash hash_of(char fill) {
  return *InfoHash::from_bytes(std::string(20, fill));
}

IpAddress ip(std::string_view text) {
  const auto parsed = parse_ip(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

PeerAddress peer(std::string_view text, std::uint16_t port) {
  return {ip(text), port};
}

AnnounceReply reply_ok(std::string_view body, std::size_t max_peers = 1000) {
  auto result = parse_announce_reply(body, max_peers);
  if (!result) {
    ADD_FAILURE() << "unexpected failure: " << result.error().reason;
    return {};
  }
  return result.value();
}

std::string reply_error(std::string_view body) {
  const auto result = parse_announce_reply(body);
  if (result) {
    ADD_FAILURE() << "unexpected success";
    return {};
  }
  return result.error().reason;
}

std::string scrape_error(std::string_view body, const InfoHash& hash) {
  const auto result = parse_scrape_reply(body, hash);
  if (result) {
    ADD_FAILURE() << "unexpected success";
    return {};
  }
  return result.error().reason;
}

// The value of `key` in url's query, percent-decoded; empty when absent.
std::string query_value(std::string_view url, std::string_view key) {
  const std::string needle = std::string(key) + "=";
  std::size_t at = url.find("?" + needle);
  if (at == std::string_view::npos) at = url.find("&" + needle);
  if (at == std::string_view::npos) return {};
  const std::size_t start = at + 1 + needle.size();
  const std::size_t end = std::min(url.find('&', start), url.size());
  return percent_decode(url.substr(start, end - start)).value_or("<bad escape>");
}

AnnounceParams sample_params() {
  AnnounceParams params;
  params.info_hash = *InfoHash::from_bytes("\x01\x02\x00\xff\xfe"s + "abcdefghijklmno");
  params.peer_id.fill('A');
  params.port = 6881;
  params.uploaded = 10;
  params.downloaded = 20;
  params.left = 30;
  return params;
}

AnnounceResponse sample_response() {
  AnnounceResponse response;
  response.interval = 1200;
  response.min_interval = 600;
  response.complete = 5;
  response.incomplete = 7;
  response.downloaded = 42;
  response.peers = {{ip("10.0.0.1"), 6881, {}},
                    {ip("2001:db8::1"), 51413, {}},
                    {ip("192.168.1.20"), 1, {}},
                    {ip("fe80::1:2"), 65535, {}}};
  return response;
}

// ---- announce_url ----

TEST(TrackerClientProtocol, AnnounceUrlStartsAQuery) {
  const std::string url = announce_url("http://t.example/announce", sample_params());
  EXPECT_EQ(url,
            "http://t.example/announce?info_hash=%01%02%00%FF%FEabcdefghijklmno"
            "&peer_id=AAAAAAAAAAAAAAAAAAAA&port=6881&uploaded=10&downloaded=20&left=30"
            "&compact=1&numwant=50");
}

TEST(TrackerClientProtocol, AnnounceUrlContinuesAnExistingQuery) {
  const std::string url =
      announce_url("http://t.example/announce.php?passkey=abc", sample_params());
  EXPECT_TRUE(url.starts_with("http://t.example/announce.php?passkey=abc&info_hash=")) << url;
  EXPECT_EQ(query_value(url, "passkey"), "abc");
  EXPECT_EQ(query_value(url, "port"), "6881");

  // A query that already ends in a separator gets no second one.
  EXPECT_TRUE(announce_url("http://t/a?", sample_params()).starts_with("http://t/a?info_hash="));
  EXPECT_TRUE(
      announce_url("http://t/a?k=1&", sample_params()).starts_with("http://t/a?k=1&info_hash="));
}

TEST(TrackerClientProtocol, AnnounceUrlDropsAFragment) {
  const std::string url = announce_url("http://t/announce#top", sample_params());
  EXPECT_TRUE(url.starts_with("http://t/announce?info_hash=")) << url;
  EXPECT_EQ(url.find('#'), std::string::npos);
}

TEST(TrackerClientProtocol, AnnounceUrlOptionalParameters) {
  AnnounceParams params = sample_params();
  EXPECT_EQ(query_value(announce_url("http://t/announce", params), "event"), "");
  EXPECT_EQ(announce_url("http://t/announce", params).find("supportcrypto"), std::string::npos);

  params.event = AnnounceRequest::Event::started;
  EXPECT_EQ(query_value(announce_url("http://t/announce", params), "event"), "started");
  params.event = AnnounceRequest::Event::completed;
  EXPECT_EQ(query_value(announce_url("http://t/announce", params), "event"), "completed");
  params.event = AnnounceRequest::Event::stopped;
  params.numwant = 0;
  params.key = "k y&";
  params.tracker_id = "\x00\x01id"s;
  const std::string url = announce_url("http://t/announce", params);
  EXPECT_EQ(query_value(url, "event"), "stopped");
  EXPECT_EQ(query_value(url, "numwant"), "0");
  EXPECT_NE(url.find("&key=k%20y%26"), std::string::npos) << url;
  EXPECT_EQ(query_value(url, "trackerid"), "\x00\x01id"s);
}

TEST(TrackerClientProtocol, AnnounceUrlNeverSendsNegativeNumbers) {
  AnnounceParams params = sample_params();
  params.uploaded = -1;
  params.downloaded = -2;
  params.left = INT64_MIN;
  params.numwant = -5;
  const std::string url = announce_url("http://t/announce", params);
  EXPECT_EQ(query_value(url, "uploaded"), "0");
  EXPECT_EQ(query_value(url, "downloaded"), "0");
  EXPECT_EQ(query_value(url, "left"), "0");
  EXPECT_EQ(query_value(url, "numwant"), "0");
}

TEST(TrackerClientProtocol, EveryByteValueSurvivesPercentEncoding) {
  for (int first = 0; first < 256; first += 20) {
    AnnounceParams params = sample_params();
    for (int i = 0; i < 20; ++i) {
      params.info_hash.bytes[i] = static_cast<std::uint8_t>((first + i) % 256);
      params.peer_id[i] = static_cast<std::uint8_t>(255 - (first + i) % 256);
    }
    const std::string url = announce_url("http://t/announce", params);
    EXPECT_EQ(query_value(url, "info_hash"), params.info_hash.view());
    EXPECT_EQ(query_value(url, "peer_id"),
              std::string(params.peer_id.begin(), params.peer_id.end()));
    // Only unreserved characters, escapes and the query's own separators are literal.
    const std::string_view query = std::string_view(url).substr(url.find('?') + 1);
    for (const char c : query) {
      const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
                           c == '%' || c == '=' || c == '&';
      EXPECT_TRUE(allowed) << "literal byte " << static_cast<int>(static_cast<unsigned char>(c));
    }
  }
  AnnounceParams params = sample_params();
  params.info_hash = *InfoHash::from_bytes("AZaz09-._~ABCDEFGHIJ");
  EXPECT_NE(announce_url("http://t/a", params).find("info_hash=AZaz09-._~ABCDEFGHIJ&"),
            std::string::npos);
}

// ---- scrape_url ----

TEST(TrackerClientProtocol, ScrapeUrlFollowsBep48) {
  EXPECT_EQ(scrape_url("http://example.com/announce"), "http://example.com/scrape");
  EXPECT_EQ(scrape_url("http://example.com/x/announce"), "http://example.com/x/scrape");
  EXPECT_EQ(scrape_url("http://example.com/announce.php"), "http://example.com/scrape.php");
  EXPECT_EQ(scrape_url("http://example.com/x/announce?pass=1"),
            "http://example.com/x/scrape?pass=1");
  EXPECT_EQ(scrape_url("http://example.com:8080/announce?x2%0644"),
            "http://example.com:8080/scrape?x2%0644");
  EXPECT_EQ(scrape_url("http://example.com/announce_x?a=/b/c"),
            "http://example.com/scrape_x?a=/b/c");
  EXPECT_EQ(scrape_url("http://example.com/announce#frag"), "http://example.com/scrape");

  EXPECT_EQ(scrape_url("http://example.com/a"), std::nullopt);
  EXPECT_EQ(scrape_url("http://example.com/announce/x"), std::nullopt);
  EXPECT_EQ(scrape_url("http://example.com/x%064announce"), std::nullopt);
  EXPECT_EQ(scrape_url("http://example.com/a?x=/announce"), std::nullopt);
  EXPECT_EQ(scrape_url("http://announce"), std::nullopt);
  EXPECT_EQ(scrape_url("http://announce?/announce"), std::nullopt);
  EXPECT_EQ(scrape_url("http://example.com/Announce"), std::nullopt);
  EXPECT_EQ(scrape_url(""), std::nullopt);
}

TEST(TrackerClientProtocol, ScrapeUrlForAppendsTheHash) {
  const InfoHash hash = *InfoHash::from_bytes("\xff\x00"s + std::string(18, 'b'));
  EXPECT_EQ(scrape_url_for("http://t/scrape", hash),
            "http://t/scrape?info_hash=%FF%00bbbbbbbbbbbbbbbbbb");
  EXPECT_EQ(scrape_url_for("http://t/scrape?pass=1", hash),
            "http://t/scrape?pass=1&info_hash=%FF%00bbbbbbbbbbbbbbbbbb");
}

// ---- parse_announce_reply: round trips against the server's encoder ----

TEST(TrackerClientProtocol, ParsesCompactReplyWithBothFamilies) {
  const AnnounceReply reply = reply_ok(encode_announce(sample_response(), true, false));
  EXPECT_FALSE(reply.failure_reason);
  EXPECT_FALSE(reply.warning);
  EXPECT_EQ(reply.interval, 1200);
  EXPECT_EQ(reply.min_interval, 600);
  EXPECT_EQ(reply.complete, 5);
  EXPECT_EQ(reply.incomplete, 7);
  EXPECT_EQ(reply.downloaded, 42);
  EXPECT_FALSE(reply.tracker_id);
  // Compact replies carry IPv4 in `peers` and IPv6 in `peers6`: v4 first.
  const std::vector<PeerAddress> expected = {peer("10.0.0.1", 6881), peer("192.168.1.20", 1),
                                             peer("2001:db8::1", 51413), peer("fe80::1:2", 65535)};
  EXPECT_EQ(reply.peers, expected);
}

TEST(TrackerClientProtocol, ParsesDictionaryModelReply) {
  for (const bool no_peer_id : {false, true}) {
    const AnnounceReply reply = reply_ok(encode_announce(sample_response(), false, no_peer_id));
    const std::vector<PeerAddress> expected = {peer("10.0.0.1", 6881), peer("2001:db8::1", 51413),
                                               peer("192.168.1.20", 1), peer("fe80::1:2", 65535)};
    EXPECT_EQ(reply.peers, expected);
    EXPECT_EQ(reply.interval, 1200);
  }
}

TEST(TrackerClientProtocol, ParsesEmptyCompactReply) {
  AnnounceResponse response;
  const AnnounceReply reply = reply_ok(encode_announce(response, true, false));
  EXPECT_TRUE(reply.peers.empty());
  EXPECT_EQ(reply.complete, 0);
}

TEST(TrackerClientProtocol, ParsesFailureFromServerEncoder) {
  const AnnounceReply reply = reply_ok(encode_failure("unregistered torrent"));
  EXPECT_EQ(reply.failure_reason, "unregistered torrent");
  EXPECT_TRUE(reply.peers.empty());
}

TEST(TrackerClientProtocol, FailureWinsOverEverythingElse) {
  const AnnounceReply reply = reply_ok(
      "d14:failure reason6:banned8:intervali5e5:peers7:garbage"
      "15:warning message4:slowe");
  EXPECT_EQ(reply.failure_reason, "banned");
  EXPECT_EQ(reply.warning, "slow");
  EXPECT_EQ(reply.interval, 1800);
  EXPECT_TRUE(reply.peers.empty());

  EXPECT_EQ(reply_ok("d14:failure reasoni3ee").failure_reason, "tracker gave no reason");
  EXPECT_EQ(reply_ok("d14:failure reason0:e").failure_reason, "tracker gave no reason");
}

TEST(TrackerClientProtocol, FailureTextIsCleanedAndCapped) {
  EXPECT_EQ(reply_ok("d14:failure reason8:a\nb\x1b[31me").failure_reason, "a?b?[31m");
  EXPECT_EQ(reply_ok("d14:failure reason4:\xff\xfe"s + "abe").failure_reason, "??ab");
  // U+0085 (NEL) is a C1 control character in UTF-8 form.
  EXPECT_EQ(reply_ok("d14:failure reason3:x\xc2\x85"s + "e").failure_reason, "x?");

  const std::string long_text = std::string(255, 'x') + "\xc3\xa9" + std::string(100, 'y');
  const std::string body =
      "d14:failure reason" + std::to_string(long_text.size()) + ":" + long_text + "e";
  const std::string capped = *reply_ok(body).failure_reason;
  EXPECT_EQ(capped, std::string(255, 'x'));  // the two-byte character would not fit: not split

  const std::string ascii(1000, 'z');
  EXPECT_EQ(reply_ok("d14:failure reason1000:" + ascii + "e").failure_reason->size(),
            kMaxTrackerText);
}

TEST(TrackerClientProtocol, ReadsWarningAndTrackerId) {
  const AnnounceReply reply =
      reply_ok("d8:intervali900e10:tracker id3:\x00\x01z15:warning message5:hi\tthe"s);
  EXPECT_EQ(reply.warning, "hi?th");
  EXPECT_EQ(reply.tracker_id, "\x00\x01z"s);
  EXPECT_FALSE(reply.failure_reason);

  const std::string huge_id(300, 'i');
  EXPECT_FALSE(reply_ok("d10:tracker id300:" + huge_id + "e").tracker_id);
}

TEST(TrackerClientProtocol, IntervalsAreClamped) {
  EXPECT_EQ(reply_ok("de").interval, 1800);
  EXPECT_EQ(reply_ok("d8:intervali0ee").interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d8:intervali-5ee").interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d8:intervali4ee").interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d8:intervali6ee").interval, 6);
  EXPECT_EQ(reply_ok("d8:intervali86400ee").interval, 86'400);
  EXPECT_EQ(reply_ok("d8:intervali9223372036854775807ee").interval, kMaxAnnounceInterval);
  EXPECT_EQ(reply_ok("d8:intervali-9223372036854775808ee").interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d8:interval4:1200e").interval, 1800);  // not an integer: ignored

  EXPECT_EQ(reply_ok("de").min_interval, std::nullopt);
  EXPECT_EQ(reply_ok("d12:min intervali0ee").min_interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d12:min intervali-1ee").min_interval, kMinAnnounceInterval);
  EXPECT_EQ(reply_ok("d12:min intervali999999ee").min_interval, kMaxAnnounceInterval);
  EXPECT_EQ(reply_ok("d12:min intervali120ee").min_interval, 120);
}

TEST(TrackerClientProtocol, CountersMustBeNonNegativeIntegers) {
  const AnnounceReply reply = reply_ok("d8:completei-1e10:downloaded1:510:incompletei0ee");
  EXPECT_EQ(reply.complete, std::nullopt);
  EXPECT_EQ(reply.downloaded, std::nullopt);
  EXPECT_EQ(reply.incomplete, 0);
}

TEST(TrackerClientProtocol, NoPeersAtAllIsFine) {
  EXPECT_TRUE(reply_ok("d8:intervali60ee").peers.empty());
  EXPECT_TRUE(reply_ok("d5:peers0:6:peers60:e").peers.empty());
  EXPECT_TRUE(reply_ok("d5:peerslee").peers.empty());
}

TEST(TrackerClientProtocol, CompactPeersSkipPortZeroAndUnmapV4) {
  // 1.2.3.4:0 is skipped; ::ffff:5.6.7.8 arrives as plain IPv4.
  const std::string v4 = "\x01\x02\x03\x04\x00\x00\x0a\x00\x00\x01\x1a\xe1"s;
  const std::string v6 = "\0\0\0\0\0\0\0\0\0\0\xff\xff\x05\x06\x07\x08\x00\x50"s;
  const AnnounceReply reply = reply_ok("d5:peers12:" + v4 + "6:peers618:" + v6 + "e");
  const std::vector<PeerAddress> expected = {peer("10.0.0.1", 6881), peer("5.6.7.8", 80)};
  EXPECT_EQ(reply.peers, expected);
}

TEST(TrackerClientProtocol, DictionaryPeersSkipMalformedEntries) {
  const std::string body =
      "d5:peersl"
      "d2:ip8:10.0.0.14:porti1ee"          // good
      "d2:ip11:example.com4:porti2ee"      // hostname
      "d2:ip8:10.0.0.24:porti0ee"          // port 0
      "d2:ip8:10.0.0.34:porti65536ee"      // port too large
      "d2:ip8:10.0.0.44:porti-1ee"         // negative port
      "d2:ip8:10.0.0.54:port2:80e"         // port not an integer
      "d2:ipi1e4:porti3ee"                 // ip not a string
      "d4:porti4ee"                        // no ip
      "d2:ip8:10.0.0.6e"                   // no port
      "i5e"                                // not a dict
      "l8:10.0.0.7i6ee"                    // a list
      "d2:ip8:01.0.0.84:porti7ee"          // leading zero: not an address
      "d2:ip15:::ffff:10.0.0.94:porti8ee"  // mapped: unmapped
      "d2:ip3:::17:peer id20:xxxxxxxxxxxxxxxxxxxx4:porti9ee"
      "ee";
  const std::vector<PeerAddress> expected = {peer("10.0.0.1", 1), peer("10.0.0.9", 8),
                                             peer("::1", 9)};
  EXPECT_EQ(reply_ok(body).peers, expected);
}

TEST(TrackerClientProtocol, PeerCountIsCapped) {
  AnnounceResponse response;
  for (int i = 0; i < 30; ++i) {
    response.peers.push_back({IpAddress::v4(10, 0, 0, static_cast<std::uint8_t>(i)), 100, {}});
    IpAddress v6 = ip("2001:db8::");
    v6.bytes[15] = static_cast<std::uint8_t>(i);
    response.peers.push_back({v6, 200, {}});
  }
  const std::string compact = encode_announce(response, true, false);
  EXPECT_EQ(reply_ok(compact).peers.size(), 60u);
  EXPECT_EQ(reply_ok(compact, 10).peers.size(), 10u);
  EXPECT_EQ(reply_ok(compact, 40).peers.size(), 40u);  // all 30 IPv4, then 10 IPv6
  EXPECT_EQ(reply_ok(compact, 40).peers.back().ip.v6, true);
  EXPECT_TRUE(reply_ok(compact, 0).peers.empty());

  const std::string dict = encode_announce(response, false, false);
  EXPECT_EQ(reply_ok(dict, 7).peers.size(), 7u);
}

// ---- parse_announce_reply: malformed replies ----

TEST(TrackerClientProtocol, RejectsNonBencode) {
  for (const std::string& body : {""s, "<html>502 Bad Gateway</html>"s, "d8:intervali60e"s,
                                  "d8:intervali60ee trailing"s, "d5:peers99:xe"s, "di1ei2ee"s}) {
    EXPECT_TRUE(reply_error(body).starts_with("tracker reply is not bencode: ")) << body;
  }
}

TEST(TrackerClientProtocol, RejectsNonDictionary) {
  for (const std::string& body : {"le"s, "i5e"s, "4:spam"s, "ld8:intervali60eee"s}) {
    EXPECT_EQ(reply_error(body), "tracker reply is not a dictionary") << body;
  }
}

TEST(TrackerClientProtocol, RejectsBadPeerStrings) {
  EXPECT_EQ(reply_error("d5:peers7:1234567e"), "peers: length not a multiple of 6");
  EXPECT_EQ(reply_error("d5:peers5:12345e"), "peers: length not a multiple of 6");
  EXPECT_EQ(reply_error("d5:peersi0ee"), "peers: neither a string nor a list");
  EXPECT_EQ(reply_error("d5:peersdee"), "peers: neither a string nor a list");
  EXPECT_EQ(reply_error("d6:peers617:" + std::string(17, 'x') + "e"),
            "peers6: length not a multiple of 18");
  EXPECT_EQ(reply_error("d6:peers66:123456e"), "peers6: length not a multiple of 18");
  EXPECT_EQ(reply_error("d6:peers6lee"), "peers6: not a string");
}

TEST(TrackerClientProtocol, DecodeLimitsBoundTheWork) {
  std::string deep = "d5:peers";
  for (int i = 0; i < 20; ++i)
    deep += "l";
  for (int i = 0; i < 20; ++i)
    deep += "e";
  deep += "e";
  EXPECT_TRUE(reply_error(deep).starts_with("tracker reply is not bencode: ")) << deep;

  std::string wide = "d5:peersl";
  for (int i = 0; i < 200'001; ++i)
    wide += "i0e";
  wide += "ee";
  EXPECT_TRUE(reply_error(wide).starts_with("tracker reply is not bencode: "));

  std::string huge = "d4:junk" + std::to_string(kMaxTrackerReplyBytes) + ":";
  huge.append(kMaxTrackerReplyBytes, 'x');
  huge += "e";
  EXPECT_EQ(reply_error(huge), "tracker reply is too large");
}

// ---- parse_scrape_reply ----

TEST(TrackerClientProtocol, ParsesScrapeFromServerEncoder) {
  const std::vector<ScrapeEntry> entries = {
      {hash_of('b'), 3, 4, 5, "name"}, {hash_of('a'), 1, 2, 9, ""}, {hash_of('\0'), 7, 8, 10, ""}};
  const std::string body = encode_scrape(entries);
  for (const ScrapeEntry& entry : entries) {
    const auto result = parse_scrape_reply(body, entry.info_hash);
    ASSERT_TRUE(result) << result.error().reason;
    EXPECT_EQ(result->complete, entry.complete);
    EXPECT_EQ(result->incomplete, entry.incomplete);
    EXPECT_EQ(result->downloaded, entry.downloaded);
  }
  EXPECT_EQ(scrape_error(body, hash_of('c')), "torrent not in scrape reply");
  EXPECT_EQ(scrape_error(encode_scrape({}), hash_of('a')), "torrent not in scrape reply");
}

TEST(TrackerClientProtocol, ScrapeFailureCarriesTheTrackersText) {
  EXPECT_EQ(scrape_error(encode_failure("scrape disabled"), hash_of('a')), "scrape disabled");
  EXPECT_EQ(scrape_error("d14:failure reason3:a\rbe", hash_of('a')), "a?b");
  EXPECT_EQ(scrape_error("d14:failure reasonlee", hash_of('a')), "tracker gave no reason");
}

TEST(TrackerClientProtocol, ScrapeCountersDefaultToZero) {
  const std::string key = std::string(20, 'a');
  const auto result = parse_scrape_reply(
      "d5:filesd20:" + key + "d8:completei-4e10:incomplete1:xee" + "e", hash_of('a'));
  ASSERT_TRUE(result) << result.error().reason;
  EXPECT_EQ(result->complete, 0);
  EXPECT_EQ(result->incomplete, 0);
  EXPECT_EQ(result->downloaded, 0);
}

TEST(TrackerClientProtocol, RejectsMalformedScrapeReplies) {
  const InfoHash hash = hash_of('a');
  const std::string key = "20:" + std::string(20, 'a');
  EXPECT_TRUE(scrape_error("", hash).starts_with("tracker reply is not bencode: "));
  EXPECT_TRUE(scrape_error("d5:filesde", hash).starts_with("tracker reply is not bencode: "));
  EXPECT_EQ(scrape_error("le", hash), "tracker reply is not a dictionary");
  EXPECT_EQ(scrape_error("de", hash), "scrape reply has no files dictionary");
  EXPECT_EQ(scrape_error("d5:fileslee", hash), "scrape reply has no files dictionary");
  EXPECT_EQ(scrape_error("d5:filesd" + key + "i1eee", hash), "torrent not in scrape reply");
  EXPECT_EQ(scrape_error("d5:filesd19:" + std::string(19, 'a') + "deee", hash),
            "torrent not in scrape reply");
}

}  // namespace
}  // namespace lt::tracker
