#include "core/extension_handshake.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/bencode.hpp"

namespace lt::wire {
namespace {

using namespace std::string_literals;

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

ExtensionHandshake decode_ok(std::string_view payload) {
  auto result = decode_extension_handshake(as_bytes(payload));
  if (!result) {
    ADD_FAILURE() << "refused: " << result.error().reason;
    return {};
  }
  return std::move(result).value();
}

std::string decode_error(std::string_view payload) {
  const auto result = decode_extension_handshake(as_bytes(payload));
  return result ? "accepted" : result.error().reason;
}

ExtensionHandshake full() {
  ExtensionHandshake h;
  h.extensions = {{"ut_metadata", 2}, {"ut_pex", 1}};
  h.listen_port = 6881;
  h.client = "Like-Torrent 0.1.0";
  h.reqq = 500;
  h.metadata_size = 31235;
  h.your_ip = "\x7f\x00\x00\x01"s;
  return h;
}

TEST(ExtensionHandshake, EncodesCanonically) {
  EXPECT_EQ(encode_extension_handshake(full()),
            "d1:md11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei31235e1:pi6881e4:reqqi500e"
            "1:v18:Like-Torrent 0.1.06:yourip4:\x7f\x00\x00\x01"
            "e"s);
}

// Every optional field is left out; `m` stays (BEP 10 requires it).
TEST(ExtensionHandshake, EmptyFieldsAreLeftOut) {
  EXPECT_EQ(encode_extension_handshake({}), "d1:mdee");
  ExtensionHandshake h;
  h.extensions = {{"ut_metadata", 0}};
  EXPECT_EQ(encode_extension_handshake(h), "d1:md11:ut_metadatai0eee");
}

TEST(ExtensionHandshake, RoundTrip) {
  const ExtensionHandshake h = full();
  const std::string payload = encode_extension_handshake(h);
  EXPECT_EQ(decode_ok(payload), h);
  EXPECT_EQ(decode_ok("de"), ExtensionHandshake{});
}

TEST(ExtensionHandshake, IPv6YourIpRoundTrips) {
  ExtensionHandshake h;
  h.your_ip = std::string(16, '\xfe');
  EXPECT_EQ(decode_ok(encode_extension_handshake(h)), h);
}

TEST(ExtensionHandshake, ExtensionIdLookup) {
  const ExtensionHandshake h = full();
  EXPECT_EQ(h.extension_id("ut_metadata"), 2);
  EXPECT_EQ(h.extension_id("ut_pex"), 1);
  EXPECT_EQ(h.extension_id("lt_donthave"), 0);
  EXPECT_EQ(h.extension_id(""), 0);
}

TEST(ExtensionHandshake, TypicalPeerHandshake) {
  // The shape libtorrent-based clients send, with keys we do not use.
  const auto h = decode_ok(
      "d12:complete_agoi-1e1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e12:ut_"
      "holepunchi4e11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei5678e4:reqqi500e11:upload_"
      "onlyi1e1:v17:qBittorrent/4.5.26:yourip4:\x0a\x00\x00\x02"
      "e"s);
  EXPECT_EQ(h.extension_id("ut_metadata"), 2);
  EXPECT_EQ(h.extension_id("ut_pex"), 1);
  EXPECT_EQ(h.extensions.size(), 6u);
  EXPECT_EQ(h.metadata_size, 5678);
  EXPECT_EQ(h.reqq, 500);
  EXPECT_EQ(h.client, "qBittorrent/4.5.2");
  EXPECT_EQ(h.your_ip, "\x0a\x00\x00\x02"s);
  EXPECT_FALSE(h.listen_port.has_value());
}

TEST(ExtensionHandshake, RefusesNonDictionaries) {
  EXPECT_EQ(decode_error("le"), "extension handshake: not a dictionary");
  EXPECT_EQ(decode_error("i1e"), "extension handshake: not a dictionary");
  EXPECT_EQ(decode_error("4:spam"), "extension handshake: not a dictionary");
}

TEST(ExtensionHandshake, RefusesBrokenBencode) {
  EXPECT_TRUE(decode_error("").starts_with("extension handshake: invalid bencode at byte 0: "));
  EXPECT_TRUE(decode_error("d1:pi1e").starts_with("extension handshake: invalid bencode at byte"));
  EXPECT_NE(decode_error("d1:m"), "accepted");
  EXPECT_NE(decode_error("dee"), "accepted");  // trailing data
  EXPECT_NE(decode_error("d1:pi01ee"), "accepted");
}

TEST(ExtensionHandshake, DeepOrHugeInputIsCheap) {
  std::string deep = "d1:m";
  for (int i = 0; i < 20; ++i)
    deep += "l";
  for (int i = 0; i < 20; ++i)
    deep += "e";
  deep += "e";
  EXPECT_NE(decode_error(deep), "accepted");

  std::string many = "d1:xl";
  for (int i = 0; i < 2000; ++i)
    many += "i1e";
  many += "ee";
  EXPECT_NE(decode_error(many), "accepted");
}

TEST(ExtensionHandshake, MMustBeADictionary) {
  EXPECT_EQ(decode_error("d1:mli1eee"), "extension handshake: \"m\" is not a dictionary");
  EXPECT_EQ(decode_error("d1:mi1ee"), "extension handshake: \"m\" is not a dictionary");
}

TEST(ExtensionHandshake, BadExtensionEntriesAreSkipped) {
  const auto h = decode_ok("d1:md1:ai256e1:bi-1e1:c3:abc1:dli1ee1:ei0e1:fi255e11:ut_metadatai3eee");
  ASSERT_EQ(h.extensions.size(), 3u);
  EXPECT_EQ(h.extensions[0], (std::pair<std::string, int>{"e", 0}));
  EXPECT_EQ(h.extensions[1], (std::pair<std::string, int>{"f", 255}));
  EXPECT_EQ(h.extension_id("ut_metadata"), 3);
  EXPECT_EQ(h.extension_id("a"), 0);
}

TEST(ExtensionHandshake, RepeatedExtensionNamesKeepTheFirst) {
  const auto h = decode_ok("d1:md6:ut_pexi1e6:ut_pexi9eee");
  ASSERT_EQ(h.extensions.size(), 1u);
  EXPECT_EQ(h.extension_id("ut_pex"), 1);
}

TEST(ExtensionHandshake, AtMost64Extensions) {
  bencode::Value root = bencode::Value::dict();
  bencode::Value::DictType m;
  for (int i = 0; i < 100; ++i)
    m.emplace("x" + std::to_string(1000 + i), i + 1);
  root["m"] = std::move(m);
  const auto h = decode_ok(root.encode());
  ASSERT_EQ(h.extensions.size(), kMaxExtensions);
  EXPECT_EQ(h.extensions.front().first, "x1000");
  EXPECT_EQ(h.extensions.back().first, "x1063");
}

TEST(ExtensionHandshake, ListenPortRange) {
  EXPECT_EQ(decode_ok("d1:pi1ee").listen_port, 1);
  EXPECT_EQ(decode_ok("d1:pi65535ee").listen_port, 65535);
  EXPECT_FALSE(decode_ok("d1:pi0ee").listen_port.has_value());
  EXPECT_FALSE(decode_ok("d1:pi65536ee").listen_port.has_value());
  EXPECT_FALSE(decode_ok("d1:pi-5ee").listen_port.has_value());
  EXPECT_FALSE(decode_ok("d1:p4:6881e").listen_port.has_value());
}

TEST(ExtensionHandshake, ClientNameIsCleanedAndCut) {
  EXPECT_EQ(decode_ok("d1:v8:a\tb\x01\x7f\xc2\x85ze"s).client, "a_b___z");
  EXPECT_EQ(decode_ok("d1:v3:\xff\xfe"
                      "ae"s)
                .client,
            "__a");
  EXPECT_EQ(decode_ok("d1:v9:\xc2\xb5Torrente"s).client, "\xc2\xb5Torrent");
  EXPECT_EQ(decode_ok("d1:vi5ee").client, "");

  const std::string long_name(100, 'n');
  EXPECT_EQ(decode_ok("d1:v100:" + long_name + "e").client, std::string(64, 'n'));
  // A two-byte character that would straddle the limit is left out whole.
  const std::string straddling = std::string(63, 'n') + "\xc2\xb5";
  EXPECT_EQ(decode_ok("d1:v65:" + straddling + "e").client, std::string(63, 'n'));
}

TEST(ExtensionHandshake, ReqqIsClamped) {
  EXPECT_EQ(decode_ok("d4:reqqi1ee").reqq, 1);
  EXPECT_EQ(decode_ok("d4:reqqi2000ee").reqq, 2000);
  EXPECT_EQ(decode_ok("d4:reqqi99999999999ee").reqq, 2000);
  EXPECT_FALSE(decode_ok("d4:reqqi0ee").reqq.has_value());
  EXPECT_FALSE(decode_ok("d4:reqqi-3ee").reqq.has_value());
  EXPECT_FALSE(decode_ok("d4:reqq3:500e").reqq.has_value());
}

TEST(ExtensionHandshake, MetadataSizeMustBePlausible) {
  EXPECT_EQ(decode_ok("d13:metadata_sizei1ee").metadata_size, 1);
  EXPECT_EQ(decode_ok("d13:metadata_sizei8388608ee").metadata_size, kMaxMetadataSize);
  EXPECT_EQ(decode_error("d13:metadata_sizei8388609ee"), "invalid metadata_size");
  EXPECT_EQ(decode_error("d13:metadata_sizei0ee"), "invalid metadata_size");
  EXPECT_EQ(decode_error("d13:metadata_sizei-1ee"), "invalid metadata_size");
  EXPECT_EQ(decode_error("d13:metadata_size3:123e"), "invalid metadata_size");
}

TEST(ExtensionHandshake, YourIpMustBeAnAddress) {
  EXPECT_EQ(decode_ok("d6:yourip4:abcde").your_ip, "abcd");
  EXPECT_EQ(decode_ok("d6:yourip16:0123456789abcdefe").your_ip, "0123456789abcdef");
  EXPECT_EQ(decode_ok("d6:yourip5:abcdee").your_ip, "");
  EXPECT_EQ(decode_ok("d6:yourip0:e").your_ip, "");
  EXPECT_EQ(decode_ok("d6:youripi1ee").your_ip, "");
}

}  // namespace
}  // namespace lt::wire
