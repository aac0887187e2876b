#include "core/peer_id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace lt {
namespace {

// A peer id starting with `head`, padded with random-looking printable bytes.
PeerId id_of(std::string_view head) {
  PeerId id{};
  std::fill(id.begin(), id.end(), static_cast<std::uint8_t>('x'));
  std::copy_n(head.begin(), std::min(head.size(), id.size()), id.begin());
  return id;
}

bool is_id_char(std::uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

TEST(PeerId, StartsWithOurPrefix) {
  const PeerId id = make_peer_id(42);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(id.data()), kPeerIdPrefix.size()),
            kPeerIdPrefix);
  EXPECT_EQ(kPeerIdPrefix.size(), 8u);
}

TEST(PeerId, RandomPartIsAlphanumeric) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    const PeerId id = make_peer_id(seed);
    EXPECT_TRUE(std::all_of(id.begin() + 8, id.end(), is_id_char)) << seed;
  }
}

TEST(PeerId, SameSeedSameId) {
  EXPECT_EQ(make_peer_id(7), make_peer_id(7));
  EXPECT_NE(make_peer_id(7), make_peer_id(8));
}

TEST(PeerId, KnownSeedGivesKnownIdOnEveryPlatform) {
  // mt19937_64's output is fixed by the standard and no distribution is involved, so these hold
  // with every standard library.
  const PeerId one = make_peer_id(1);
  EXPECT_EQ(std::string(one.begin(), one.end()), "-LK0100-IGYUCLI3WkO7");
  const PeerId zero = make_peer_id(0);
  EXPECT_EQ(std::string(zero.begin(), zero.end()), "-LK0100-CBLkgQ5WgdhU");
}

TEST(PeerId, OurOwnIdNamesUs) {
  EXPECT_EQ(client_name(make_peer_id(3)), "Like-Torrent 0.1.0");
}

TEST(PeerId, Transmission) {
  EXPECT_EQ(client_name(id_of("-TR3000-")), "Transmission 3.00");
  EXPECT_EQ(client_name(id_of("-TR2940-")), "Transmission 2.94");
  EXPECT_EQ(client_name(id_of("-TR4050-")), "Transmission 4.0.5");
  EXPECT_EQ(client_name(id_of("-TR4060-")), "Transmission 4.0.6");
  EXPECT_EQ(client_name(id_of("-TR410Z-")), "Transmission 4.1.0+");
  EXPECT_EQ(client_name(id_of("-TR400B-")), "Transmission 4.0.0 beta");
  EXPECT_EQ(client_name(id_of("-TR0072-")), "Transmission 0.72");
  EXPECT_EQ(client_name(id_of("-TR0006-")), "Transmission 0.6");
}

TEST(PeerId, AzureusStyleClients) {
  EXPECT_EQ(client_name(id_of("-LT2080-")), "libtorrent 2.0.8");
  EXPECT_EQ(client_name(id_of("-LT1215-")), "libtorrent 1.2.1.5");
  EXPECT_EQ(client_name(id_of("-lt0D60-")), "libTorrent (rakshasa) 0.13.6");
  EXPECT_EQ(client_name(id_of("-qB4520-")), "qBittorrent 4.5.2");
  EXPECT_EQ(client_name(id_of("-DE13F0-")), "Deluge 1.3.15");
  EXPECT_EQ(client_name(id_of("-UT355W-")), "\u00b5Torrent 3.5.5");
  EXPECT_EQ(client_name(id_of("-UM1870-")), "\u00b5Torrent Mac 1.8.7");
  EXPECT_EQ(client_name(id_of("-BI3500-")), "BiglyBT 3.5.0.0");
  EXPECT_EQ(client_name(id_of("-AZ5770-")), "Vuze 5.7.7.0");
  EXPECT_EQ(client_name(id_of("-KT5100-")), "KTorrent 5.1.0");
  EXPECT_EQ(client_name(id_of("-LK0100-")), "Like-Torrent 0.1.0");
}

TEST(PeerId, Aria2) {
  EXPECT_EQ(client_name(id_of("A2-1-36-0-")), "aria2 1.36.0");
  EXPECT_EQ(client_name(id_of("A2-1-18-10-")), "aria2 1.18.10");
  EXPECT_EQ(client_name(id_of("A2-1-36-")), "unknown (A2-1-36-)");  // only two groups
  EXPECT_EQ(client_name(id_of("A2-1-3a-0-")), "unknown (A2-1-3a-)");
}

TEST(PeerId, Mainline) {
  EXPECT_EQ(client_name(id_of("M7-4-3--")), "Mainline 7.4.3");
  EXPECT_EQ(client_name(id_of("M4-20-8-")), "Mainline 4.20.8");
  EXPECT_EQ(client_name(id_of("M7-4-3-x")), "unknown (M7-4-3-x)");  // padding must be '-'
  EXPECT_EQ(client_name(id_of("M7-4-333")), "unknown (M7-4-333)");  // no room for the last '-'
}

TEST(PeerId, BitComet) {
  PeerId id = id_of("exbc");
  id[4] = 0;
  id[5] = 61;
  EXPECT_EQ(client_name(id), "BitComet 0.61");
  id[4] = 1;
  id[5] = 5;
  EXPECT_EQ(client_name(id), "BitComet 1.05");
}

TEST(PeerId, UnknownShowsThePrintablePrefix) {
  EXPECT_EQ(client_name(id_of("-ZZ1234-")), "unknown (-ZZ1234-)");  // unknown client code
  EXPECT_EQ(client_name(id_of("-TR30.0-")), "unknown (-TR30.0-)");  // bad version character
  EXPECT_EQ(client_name(id_of("-TR3000x")), "unknown (-TR3000x)");  // no closing dash
  EXPECT_EQ(client_name(id_of("-TRA000-")), "unknown (-TRA000-)");  // Transmission is digits
  EXPECT_EQ(client_name(PeerId{}), "unknown (........)");
  PeerId high{};
  high.fill(0xff);
  high[2] = 'Q';
  EXPECT_EQ(client_name(high), "unknown (..Q.....)");
}

TEST(PeerId, ArbitraryBytesNeverBreakIt) {
  std::mt19937_64 rng(99);
  const std::string_view heads[] = {"-", "-TR", "-qB", "A2-", "M", "exbc", "-LT"};
  for (int i = 0; i < 20000; ++i) {
    PeerId id{};
    for (auto& b : id)
      b = static_cast<std::uint8_t>(rng());
    const std::string_view head = heads[rng() % std::size(heads)];
    std::copy(head.begin(), head.end(), id.begin());
    if (rng() % 2 == 0) id[7] = '-';
    const std::string name = client_name(id);
    EXPECT_FALSE(name.empty());
  }
}

}  // namespace
}  // namespace lt
