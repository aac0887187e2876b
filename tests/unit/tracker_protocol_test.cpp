#include "core/tracker_protocol.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bencode.hpp"

namespace lt::tracker {
namespace {

using namespace std::string_literals;

// 20 bytes including a NUL and high bytes: values are binary, not text.
const std::string kHash = "\x01\x02\x00\xff\xfe"s + "abcdefghijklmno";
const std::string kPeerId = "-LT0100-"s + "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"s;

QueryParams base(QueryParams extra = {}) {
  QueryParams params = {{"info_hash", kHash}, {"peer_id", kPeerId}, {"port", "6881"}};
  params.insert(params.end(), extra.begin(), extra.end());
  return params;
}

AnnounceRequest announce_ok(const QueryParams& params) {
  auto result = parse_announce(params);
  if (!result) {
    ADD_FAILURE() << "unexpected failure: " << result.error().reason;
    return {};
  }
  return result.value();
}

std::string announce_error(const QueryParams& params) {
  const auto result = parse_announce(params);
  if (result) {
    ADD_FAILURE() << "unexpected success";
    return {};
  }
  return result.error().reason;
}

InfoHash hash_of(char fill) {
  return *InfoHash::from_bytes(std::string(20, fill));
}

PeerId peer_id_of(char fill) {
  PeerId id{};
  id.fill(static_cast<std::uint8_t>(fill));
  return id;
}

IpAddress ip(std::string_view text) {
  const auto parsed = parse_ip(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

// ---- parse_announce ----

TEST(TrackerProtocol, ParsesEveryField) {
  const AnnounceRequest req = announce_ok(base({{"uploaded", "123"},
                                                {"downloaded", "456"},
                                                {"left", "9223372036854775807"},
                                                {"event", "started"},
                                                {"numwant", "30"},
                                                {"compact", "0"},
                                                {"no_peer_id", "1"},
                                                {"ip", "10.0.0.7"},
                                                {"key", "abcd1234"}}));
  EXPECT_EQ(req.info_hash.view(), kHash);
  EXPECT_EQ(std::string(req.peer_id.begin(), req.peer_id.end()), kPeerId);
  EXPECT_EQ(req.port, 6881);
  EXPECT_EQ(req.uploaded, 123);
  EXPECT_EQ(req.downloaded, 456);
  EXPECT_EQ(req.left, INT64_MAX);
  EXPECT_EQ(req.event, AnnounceRequest::Event::started);
  EXPECT_EQ(req.numwant, 30);
  EXPECT_FALSE(req.compact);
  EXPECT_TRUE(req.no_peer_id);
  EXPECT_EQ(req.ip, "10.0.0.7");
  EXPECT_EQ(req.key, "abcd1234");
}

TEST(TrackerProtocol, Defaults) {
  const AnnounceRequest req = announce_ok(base());
  EXPECT_EQ(req.uploaded, 0);
  EXPECT_EQ(req.downloaded, 0);
  EXPECT_EQ(req.left, 0);
  EXPECT_EQ(req.event, AnnounceRequest::Event::none);
  EXPECT_EQ(req.numwant, 50);
  EXPECT_TRUE(req.compact);
  EXPECT_FALSE(req.no_peer_id);
  EXPECT_FALSE(req.ip.has_value());
  EXPECT_FALSE(req.key.has_value());
}

TEST(TrackerProtocol, ParameterOrderDoesNotMatterAndUnknownKeysAreIgnored) {
  const AnnounceRequest req = announce_ok({{"supportcrypto", "1"},
                                           {"port", "1"},
                                           {"corrupt", "0"},
                                           {"peer_id", kPeerId},
                                           {"info_hash", kHash}});
  EXPECT_EQ(req.port, 1);
  EXPECT_EQ(req.info_hash.view(), kHash);
}

TEST(TrackerProtocol, DuplicateKeysFirstWins) {
  const AnnounceRequest req = announce_ok(base({{"port", "7000"},
                                                {"info_hash", std::string(20, 'z')},
                                                {"event", "stopped"},
                                                {"event", "bogus"},
                                                {"numwant", "5"},
                                                {"numwant", "x"},
                                                {"compact", "0"},
                                                {"compact", "1"},
                                                {"left", "7"},
                                                {"left", "-3"},
                                                {"ip", "1.1.1.1"},
                                                {"ip", "2.2.2.2"}}));
  EXPECT_EQ(req.port, 6881);
  EXPECT_EQ(req.info_hash.view(), kHash);
  EXPECT_EQ(req.event, AnnounceRequest::Event::stopped);
  EXPECT_EQ(req.numwant, 5);
  EXPECT_FALSE(req.compact);
  EXPECT_EQ(req.left, 7);
  EXPECT_EQ(req.ip, "1.1.1.1");
}

TEST(TrackerProtocol, DuplicateBadValueAfterGoodOneIsNotValidated) {
  // First wins, and the ignored duplicate is never looked at: a garbage second port is fine.
  EXPECT_EQ(announce_ok(base({{"port", "0"}})).port, 6881);
  // ...but a bad first value fails even with a good duplicate after it.
  EXPECT_EQ(
      announce_error({{"info_hash", kHash}, {"peer_id", kPeerId}, {"port", "0"}, {"port", "6881"}}),
      "invalid port (expected 1-65535)");
}

TEST(TrackerProtocol, MissingRequiredParameters) {
  EXPECT_EQ(announce_error({{"peer_id", kPeerId}, {"port", "1"}}), "missing info_hash");
  EXPECT_EQ(announce_error({{"info_hash", kHash}, {"port", "1"}}), "missing peer_id");
  EXPECT_EQ(announce_error({{"info_hash", kHash}, {"peer_id", kPeerId}}), "missing port");
  EXPECT_EQ(announce_error({}), "missing info_hash");
}

TEST(TrackerProtocol, HashAndPeerIdLengths) {
  EXPECT_EQ(
      announce_error({{"info_hash", std::string(19, 'a')}, {"peer_id", kPeerId}, {"port", "1"}}),
      "invalid info_hash: expected 20 bytes, got 19");
  EXPECT_EQ(
      announce_error({{"info_hash", std::string(21, 'a')}, {"peer_id", kPeerId}, {"port", "1"}}),
      "invalid info_hash: expected 20 bytes, got 21");
  EXPECT_EQ(announce_error({{"info_hash", ""}, {"peer_id", kPeerId}, {"port", "1"}}),
            "invalid info_hash: expected 20 bytes, got 0");
  EXPECT_EQ(
      announce_error({{"info_hash", kHash}, {"peer_id", std::string(19, 'p')}, {"port", "1"}}),
      "invalid peer_id: expected 20 bytes, got 19");
  EXPECT_EQ(
      announce_error({{"info_hash", kHash}, {"peer_id", std::string(21, 'p')}, {"port", "1"}}),
      "invalid peer_id: expected 20 bytes, got 21");
}

TEST(TrackerProtocol, ReasonDoesNotDependOnParameterOrder) {
  // Both info_hash and port are bad; info_hash is always reported first.
  EXPECT_EQ(announce_error({{"port", "0"}, {"peer_id", kPeerId}, {"info_hash", "short"}}),
            "invalid info_hash: expected 20 bytes, got 5");
}

TEST(TrackerProtocol, Ports) {
  for (const char* bad : {"0", "-1", "65536", "abc", "", " 80", "80 ", "+80", "0x50", "1.5",
                          "99999999999999999999999"}) {
    QueryParams params = {{"info_hash", kHash}, {"peer_id", kPeerId}, {"port", bad}};
    EXPECT_EQ(announce_error(params), "invalid port (expected 1-65535)") << '"' << bad << '"';
  }
  QueryParams params = {{"info_hash", kHash}, {"peer_id", kPeerId}, {"port", "65535"}};
  EXPECT_EQ(announce_ok(params).port, 65535);
  params[2].second = "1";
  EXPECT_EQ(announce_ok(params).port, 1);
  params[2].second = "0080";  // leading zeros are still a decimal number
  EXPECT_EQ(announce_ok(params).port, 80);
}

TEST(TrackerProtocol, Counters) {
  EXPECT_EQ(announce_ok(base({{"uploaded", "0"}})).uploaded, 0);
  EXPECT_EQ(announce_ok(base({{"downloaded", "9223372036854775807"}})).downloaded, INT64_MAX);
  EXPECT_EQ(announce_error(base({{"uploaded", "-1"}})), "invalid uploaded");
  EXPECT_EQ(announce_error(base({{"downloaded", "9223372036854775808"}})), "invalid downloaded");
  EXPECT_EQ(announce_error(base({{"left", "abc"}})), "invalid left");
  EXPECT_EQ(announce_error(base({{"left", ""}})), "invalid left");
  EXPECT_EQ(announce_error(base({{"left", "1e5"}})), "invalid left");
}

TEST(TrackerProtocol, Events) {
  using Event = AnnounceRequest::Event;
  EXPECT_EQ(announce_ok(base({{"event", "started"}})).event, Event::started);
  EXPECT_EQ(announce_ok(base({{"event", "completed"}})).event, Event::completed);
  EXPECT_EQ(announce_ok(base({{"event", "stopped"}})).event, Event::stopped);
  EXPECT_EQ(announce_ok(base({{"event", ""}})).event, Event::none);
  EXPECT_EQ(announce_ok(base({{"event", "paused"}})).event, Event::none);  // BEP 21
  EXPECT_EQ(announce_error(base({{"event", "Started"}})), "invalid event");
  EXPECT_EQ(announce_error(base({{"event", "start"}})), "invalid event");
  EXPECT_EQ(announce_error(base({{"event", "started\0"s}})), "invalid event");
}

TEST(TrackerProtocol, Numwant) {
  EXPECT_EQ(announce_ok(base({{"numwant", "0"}})).numwant, 0);
  EXPECT_EQ(announce_ok(base({{"numwant", "200"}})).numwant, 200);
  EXPECT_EQ(announce_ok(base({{"numwant", "201"}})).numwant, 200);
  EXPECT_EQ(announce_ok(base({{"numwant", "4294967297"}})).numwant, 200);
  EXPECT_EQ(announce_ok(base({{"numwant", "999999999999999999999999999999"}})).numwant, 200);
  EXPECT_EQ(announce_ok(base({{"numwant", "-1"}})).numwant, 50);
  EXPECT_EQ(announce_ok(base({{"numwant", "-999999999999999999999999"}})).numwant, 50);
  EXPECT_EQ(announce_ok(base({{"numwant", "-0"}})).numwant, 0);
  for (const char* bad : {"abc", "", "-", "1.5", " 5", "5x"}) {
    EXPECT_EQ(announce_error(base({{"numwant", bad}})), "invalid numwant") << bad;
  }
}

TEST(TrackerProtocol, CompactAndNoPeerId) {
  EXPECT_TRUE(announce_ok(base()).compact);
  EXPECT_TRUE(announce_ok(base({{"compact", "1"}})).compact);
  EXPECT_FALSE(announce_ok(base({{"compact", "0"}})).compact);
  EXPECT_TRUE(announce_ok(base({{"compact", ""}})).compact);
  EXPECT_FALSE(announce_ok(base()).no_peer_id);
  EXPECT_TRUE(announce_ok(base({{"no_peer_id", "1"}})).no_peer_id);
  EXPECT_TRUE(announce_ok(base({{"no_peer_id", ""}})).no_peer_id);
  EXPECT_FALSE(announce_ok(base({{"no_peer_id", "0"}})).no_peer_id);
}

TEST(TrackerProtocol, IpAndKeyAreCapturedRaw) {
  const AnnounceRequest req = announce_ok(base({{"ip", "not an address"}, {"key", "\x01\x02"}}));
  EXPECT_EQ(req.ip, "not an address");  // judging it is the server's job
  EXPECT_EQ(req.key, "\x01\x02");
  EXPECT_EQ(announce_ok(base({{"ip", ""}})).ip, "");
}

// ---- parse_scrape ----

TEST(TrackerProtocol, ScrapeZeroHashesIsFullScrape) {
  const auto result = parse_scrape({{"foo", "bar"}});
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->full_scrape());
  EXPECT_TRUE(result->info_hashes.empty());
}

TEST(TrackerProtocol, ScrapeOneAndThreeHashes) {
  auto one = parse_scrape({{"info_hash", kHash}});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->info_hashes.size(), 1u);
  EXPECT_EQ(one->info_hashes[0].view(), kHash);
  EXPECT_FALSE(one->full_scrape());

  auto three = parse_scrape({{"info_hash", std::string(20, 'c')},
                             {"peer_id", "ignored"},
                             {"info_hash", std::string(20, 'a')},
                             {"info_hash", std::string(20, 'b')}});
  ASSERT_TRUE(three);
  EXPECT_EQ(three->info_hashes,
            (std::vector<InfoHash>{hash_of('c'), hash_of('a'), hash_of('b')}));  // request order
}

TEST(TrackerProtocol, ScrapeDuplicatesRemoved) {
  auto result = parse_scrape({{"info_hash", std::string(20, 'a')},
                              {"info_hash", std::string(20, 'b')},
                              {"info_hash", std::string(20, 'a')},
                              {"info_hash", std::string(20, 'b')}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->info_hashes, (std::vector<InfoHash>{hash_of('a'), hash_of('b')}));
}

QueryParams distinct_hashes(int count) {
  QueryParams params;
  for (int i = 0; i < count; ++i) {
    std::string h(20, 'x');
    h[0] = static_cast<char>(i);
    h[1] = static_cast<char>(i >> 8);
    params.emplace_back("info_hash", h);
  }
  return params;
}

TEST(TrackerProtocol, ScrapeLimit) {
  const auto sixty_four = parse_scrape(distinct_hashes(64));
  ASSERT_TRUE(sixty_four);
  EXPECT_EQ(sixty_four->info_hashes.size(), 64u);

  const auto sixty_five = parse_scrape(distinct_hashes(65));
  ASSERT_FALSE(sixty_five);
  EXPECT_EQ(sixty_five.error().reason, "too many info_hash in one scrape (max 64)");

  // Duplicates do not count toward the limit.
  QueryParams many = distinct_hashes(64);
  const std::string repeated = many[5].second;
  for (int i = 0; i < 500; ++i)
    many.emplace_back("info_hash", repeated);
  EXPECT_TRUE(parse_scrape(many));

  const auto custom = parse_scrape(distinct_hashes(3), 2);
  ASSERT_FALSE(custom);
  EXPECT_EQ(custom.error().reason, "too many info_hash in one scrape (max 2)");
}

TEST(TrackerProtocol, ScrapeBadHashLength) {
  const auto short_hash = parse_scrape({{"info_hash", kHash}, {"info_hash", std::string(19, 'a')}});
  ASSERT_FALSE(short_hash);
  EXPECT_EQ(short_hash.error().reason, "invalid info_hash: expected 20 bytes, got 19");
  const auto long_hash = parse_scrape({{"info_hash", std::string(21, 'a')}});
  ASSERT_FALSE(long_hash);
  EXPECT_EQ(long_hash.error().reason, "invalid info_hash: expected 20 bytes, got 21");
}

// ---- encode_announce ----

TEST(TrackerProtocol, EncodesCompactExactBytesSmallCase) {
  AnnounceResponse r;
  r.interval = 1800;
  r.min_interval = 900;
  r.complete = 3;
  r.incomplete = 1;
  r.downloaded = 7;
  r.peers.push_back({IpAddress::v4(10, 0, 0, 1), 6881, peer_id_of('A')});
  const std::string expected =
      "d8:completei3e10:downloadedi7e10:incompletei1e8:intervali1800e12:min intervali900e"
      "5:peers6:\x0a\x00\x00\x01\x1a\xe1"
      "e"s;
  EXPECT_EQ(encode_announce(r, true, false), expected);
}

TEST(TrackerProtocol, EncodesCompactEmptyPeersAlwaysPresentPeers6Omitted) {
  AnnounceResponse r;
  EXPECT_EQ(encode_announce(r, true, false),
            "d8:completei0e10:downloadedi0e10:incompletei0e8:intervali1800e12:min intervali900e"
            "5:peers0:e");
}

TEST(TrackerProtocol, EncodesCompactV4AndV6) {
  AnnounceResponse r;
  r.complete = 10;
  r.incomplete = 20;
  r.downloaded = 30;
  r.interval = 1234;
  r.min_interval = 60;
  r.peers.push_back({IpAddress::v4(1, 2, 3, 4), 0x1234, peer_id_of('a')});
  r.peers.push_back({ip("2001:db8::1"), 0xABCD, peer_id_of('b')});
  r.peers.push_back({IpAddress::v4(255, 254, 253, 252), 65535, peer_id_of('c')});

  const std::string encoded = encode_announce(r, true, false);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_TRUE(doc.warnings.empty());  // canonical key order
  ASSERT_TRUE(doc.root.is_dict());
  EXPECT_EQ(doc.root.find_int("complete")->as_int(), 10);
  EXPECT_EQ(doc.root.find_int("incomplete")->as_int(), 20);
  EXPECT_EQ(doc.root.find_int("downloaded")->as_int(), 30);
  EXPECT_EQ(doc.root.find_int("interval")->as_int(), 1234);
  EXPECT_EQ(doc.root.find_int("min interval")->as_int(), 60);
  EXPECT_EQ(doc.root.find_string("peers")->as_string(),
            "\x01\x02\x03\x04\x12\x34\xff\xfe\xfd\xfc\xff\xff"s);
  EXPECT_EQ(doc.root.find_string("peers6")->as_string(),
            "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xab\xcd"s);
  EXPECT_EQ(doc.root.as_dict().size(), 7u);
  // Re-encoding the decoded tree reproduces the bytes exactly: nothing non-canonical.
  EXPECT_EQ(bencode::encode(doc.root), encoded);
}

TEST(TrackerProtocol, EncodesCompactOnlyV6) {
  AnnounceResponse r;
  r.peers.push_back({ip("::1"), 1, peer_id_of('a')});
  // The document views the encoded bytes, so they must outlive it.
  const std::string encoded = encode_announce(r, true, false);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_EQ(doc.root.find_string("peers")->as_string(), "");
  EXPECT_EQ(doc.root.find_string("peers6")->as_string().size(), 18u);
}

TEST(TrackerProtocol, EncodesDictionaryModel) {
  AnnounceResponse r;
  r.complete = 1;
  r.incomplete = 2;
  r.downloaded = 3;
  r.peers.push_back({IpAddress::v4(192, 168, 1, 20), 51413, peer_id_of('x')});
  r.peers.push_back({ip("2001:db8:0:0:1:0:0:1"), 6881, peer_id_of('y')});

  const std::string encoded = encode_announce(r, false, false);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_TRUE(doc.warnings.empty());
  EXPECT_EQ(bencode::encode(doc.root), encoded);
  EXPECT_EQ(doc.root.find("peers6"), nullptr);
  const bencode::Node* peers = doc.root.find_list("peers");
  ASSERT_NE(peers, nullptr);
  ASSERT_EQ(peers->as_list().size(), 2u);
  const bencode::Node& p0 = peers->as_list()[0];
  EXPECT_EQ(p0.find_string("ip")->as_string(), "192.168.1.20");
  EXPECT_EQ(p0.find_int("port")->as_int(), 51413);
  EXPECT_EQ(p0.find_string("peer id")->as_string(), std::string(20, 'x'));
  const bencode::Node& p1 = peers->as_list()[1];
  EXPECT_EQ(p1.find_string("ip")->as_string(), "2001:db8::1:0:0:1");
  EXPECT_EQ(p1.find_int("port")->as_int(), 6881);
  EXPECT_EQ(p1.find_string("peer id")->as_string(), std::string(20, 'y'));
}

TEST(TrackerProtocol, EncodesDictionaryModelExactBytes) {
  AnnounceResponse r;
  r.interval = 60;
  r.min_interval = 30;
  r.peers.push_back({IpAddress::v4(1, 2, 3, 4), 80, peer_id_of('P')});
  EXPECT_EQ(encode_announce(r, false, false),
            "d8:completei0e10:downloadedi0e10:incompletei0e8:intervali60e12:min intervali30e"
            "5:peersld2:ip7:1.2.3.47:peer id20:PPPPPPPPPPPPPPPPPPPP4:porti80eeee");
  EXPECT_EQ(encode_announce(r, false, true),
            "d8:completei0e10:downloadedi0e10:incompletei0e8:intervali60e12:min intervali30e"
            "5:peersld2:ip7:1.2.3.44:porti80eeee");
  r.peers.clear();
  EXPECT_EQ(encode_announce(r, false, false),
            "d8:completei0e10:downloadedi0e10:incompletei0e8:intervali60e12:min intervali30e"
            "5:peerslee");
}

TEST(TrackerProtocol, EncodesLargeCounters) {
  AnnounceResponse r;
  r.downloaded = INT64_MAX;
  r.complete = -1;  // never produced by the server, but must still encode as valid bencode
  // The document views the encoded bytes, so they must outlive it.
  const std::string encoded = encode_announce(r, true, false);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_EQ(doc.root.find_int("downloaded")->as_int(), INT64_MAX);
  EXPECT_EQ(doc.root.find_int("complete")->as_int(), -1);
}

TEST(TrackerProtocol, EncodesFailure) {
  EXPECT_EQ(encode_failure("invalid port"), "d14:failure reason12:invalid porte");
  EXPECT_EQ(encode_failure(""), "d14:failure reason0:e");
  const std::string binary = "a\0b:e"s;
  // The document views the encoded bytes, so they must outlive it.
  const std::string encoded = encode_failure(binary);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_EQ(doc.root.find_string("failure reason")->as_string(), binary);
}

// ---- encode_scrape ----

TEST(TrackerProtocol, EncodesScrapeExactBytes) {
  const std::vector<ScrapeEntry> entries = {{hash_of('a'), 5, 2, 9, "Debian ISO"}};
  EXPECT_EQ(encode_scrape(entries),
            "d5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei5e10:downloadedi9e10:incompletei2e"
            "4:name10:Debian ISOeee");
  EXPECT_EQ(encode_scrape({}), "d5:filesdee");
}

TEST(TrackerProtocol, EncodesScrapeSortedByRawHashWithoutDuplicates) {
  std::string high(20, '\x00');
  high[0] = '\xff';
  const std::vector<ScrapeEntry> entries = {
      {*InfoHash::from_bytes(high), 1, 1, 1, ""},
      {hash_of('b'), 2, 2, 2, "b"},
      {hash_of('\x00'), 3, 3, 3, ""},
      {hash_of('b'), 99, 99, 99, "duplicate"},
  };
  const std::string encoded = encode_scrape(entries);
  const bencode::Document doc = bencode::decode(encoded);
  EXPECT_TRUE(doc.warnings.empty());
  const bencode::Node* files = doc.root.find_dict("files");
  ASSERT_NE(files, nullptr);
  ASSERT_EQ(files->as_dict().size(), 3u);
  EXPECT_EQ(files->as_dict()[0].key, std::string(20, '\x00'));
  EXPECT_EQ(files->as_dict()[1].key, std::string(20, 'b'));
  EXPECT_EQ(files->as_dict()[2].key, high);
  const bencode::Node& b = files->as_dict()[1].value;
  EXPECT_EQ(b.find_int("complete")->as_int(), 2);
  EXPECT_EQ(b.find_string("name")->as_string(), "b");
  EXPECT_EQ(files->as_dict()[0].value.find("name"), nullptr);
}

// ---- addresses ----

TEST(TrackerProtocol, Ipv4TextRoundTrip) {
  for (const char* text : {"0.0.0.0", "1.2.3.4", "10.0.0.255", "255.255.255.255", "127.0.0.1"}) {
    const auto parsed = parse_ip(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_FALSE(parsed->v6);
    EXPECT_EQ(format_ip(*parsed), text);
  }
  const IpAddress a = ip("192.168.0.1");
  EXPECT_EQ(a, IpAddress::v4(192, 168, 0, 1));
  for (std::size_t i = 4; i < 16; ++i)
    EXPECT_EQ(a.bytes[i], 0);
}

TEST(TrackerProtocol, Ipv6CanonicalFormatting) {
  // input -> RFC 5952 form
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"2001:db8::1", "2001:db8::1"},
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"::1", "::1"},
      {"::", "::"},
      {"0:0:0:0:0:0:0:0", "::"},
      {"1::", "1::"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"fe80::1:2", "fe80::1:2"},
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group is not shortened
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // first of two equal runs
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // the longest run
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},            // "::" for one group parses
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},  // IPv4-mapped keeps mixed notation
      {"::FFFF:0102:0304", "::ffff:1.2.3.4"},
      {"::1.2.3.4", "::102:304"},  // deprecated IPv4-compatible: hex
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
  };
  for (const auto& [input, expected] : cases) {
    const auto parsed = parse_ip(input);
    ASSERT_TRUE(parsed) << input;
    EXPECT_TRUE(parsed->v6) << input;
    EXPECT_EQ(format_ip(*parsed), expected) << input;
    EXPECT_EQ(parse_ip(expected), parsed) << expected;  // the canonical text parses back
  }
  const IpAddress one = ip("2001:db8::1");
  EXPECT_EQ(one.bytes[0], 0x20);
  EXPECT_EQ(one.bytes[1], 0x01);
  EXPECT_EQ(one.bytes[2], 0x0d);
  EXPECT_EQ(one.bytes[3], 0xb8);
  EXPECT_EQ(one.bytes[15], 0x01);
}

TEST(TrackerProtocol, V4MappedAndLoopback) {
  const IpAddress mapped = ip("::ffff:10.1.2.3");
  EXPECT_TRUE(mapped.v6);
  EXPECT_TRUE(mapped.is_v4_mapped());
  EXPECT_EQ(unmap_v4(mapped), IpAddress::v4(10, 1, 2, 3));
  EXPECT_EQ(unmap_v4(ip("2001:db8::1")), ip("2001:db8::1"));
  EXPECT_EQ(unmap_v4(ip("1.2.3.4")), ip("1.2.3.4"));
  EXPECT_FALSE(ip("::1.2.3.4").is_v4_mapped());

  EXPECT_TRUE(ip("127.0.0.1").is_loopback());
  EXPECT_TRUE(ip("127.255.0.9").is_loopback());
  EXPECT_TRUE(ip("::1").is_loopback());
  EXPECT_TRUE(ip("::ffff:127.0.0.1").is_loopback());
  EXPECT_FALSE(ip("128.0.0.1").is_loopback());
  EXPECT_FALSE(ip("::").is_loopback());
  EXPECT_FALSE(ip("::2").is_loopback());
}

TEST(TrackerProtocol, MalformedAddressesRejected) {
  for (const char* bad : {"",
                          "1.2.3",
                          "256.1.1.1",
                          "1.2.3.4.5",
                          "1.2.3.",
                          ".1.2.3",
                          "1..2.3",
                          "01.2.3.4",
                          "1.2.3.04",
                          "1.2.3.1000",
                          "1.2.3.-4",
                          " 1.2.3.4",
                          "1.2.3.4 ",
                          "a.b.c.d",
                          "localhost",
                          ":::",
                          "g::1",
                          ":",
                          ":1::",
                          "1::2:",
                          "1:2",
                          "1::2::3",
                          "12345::1",
                          "1:2:3:4:5:6:7:8:9",
                          "1:2:3:4:5:6:7:8::",
                          "::1:2:3:4:5:6:7:8",
                          "1:2:3:4:5:6:7",
                          "[::1]",
                          "fe80::1%eth0",
                          "::ffff:1.2.3",
                          "::ffff:256.2.3.4",
                          "::1.2.3.4:5",
                          "1:2:3:4:5:6:7:1.2.3.4",
                          "::ffff:01.2.3.4"}) {
    EXPECT_FALSE(parse_ip(bad).has_value()) << '"' << bad << '"';
  }
  EXPECT_FALSE(parse_ip("1.2.3.4\0"s).has_value());
  EXPECT_FALSE(parse_ip("::1\0"s).has_value());
  EXPECT_FALSE(parse_ip(std::string(100, ':')).has_value());
}

}  // namespace
}  // namespace lt::tracker
