#include "core/swarm_registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

namespace lt::tracker {
namespace {

using Event = AnnounceInput::Event;
using Options = SwarmRegistry::Options;

InfoHash hash_of(int n) {
  InfoHash h;
  h.bytes[0] = static_cast<std::uint8_t>(n);
  h.bytes[19] = static_cast<std::uint8_t>(n >> 8);
  return h;
}

PeerId id_of(int n) {
  PeerId id{};
  id.fill(static_cast<std::uint8_t>('A' + n % 26));
  id[0] = static_cast<std::uint8_t>(n);
  id[1] = static_cast<std::uint8_t>(n >> 8);
  id[2] = static_cast<std::uint8_t>(n >> 16);
  return id;
}

// Peer n lives at 10.x.y.z:6881, unique per n.
PeerEndpoint v4_of(int n, std::uint16_t port = 6881) {
  return PeerEndpoint::from_v4({10, static_cast<std::uint8_t>(n >> 16),
                                static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)},
                               port);
}

PeerEndpoint v6_of(int n, std::uint16_t port = 6881) {
  std::array<std::uint8_t, 16> a{};
  a[0] = 0x20;
  a[1] = 0x01;
  a[14] = static_cast<std::uint8_t>(n >> 8);
  a[15] = static_cast<std::uint8_t>(n);
  return PeerEndpoint::from_v6(a, port);
}

struct Harness {
  explicit Harness(Options options = {}, std::uint64_t seed = 42) : reg(options, seed) {}

  AnnounceError announce(int swarm, int peer, std::int64_t left, Event event = Event::none,
                         int numwant = 50, std::int64_t now = 0,
                         std::optional<PeerEndpoint> ep = std::nullopt) {
    AnnounceInput in;
    in.info_hash = hash_of(swarm);
    in.peer_id = id_of(peer);
    in.endpoint = ep ? *ep : v4_of(peer);
    in.left = left;
    in.event = event;
    in.numwant = numwant;
    return reg.announce(in, now, out, counts);
  }

  SwarmRegistry reg;
  std::vector<PeerOut> out;
  SwarmCounts counts;
};

std::set<PeerEndpoint> endpoints(const std::vector<PeerOut>& out) {
  std::set<PeerEndpoint> s;
  for (const auto& p : out)
    s.insert(p.endpoint);
  return s;
}

TEST(SwarmRegistry, StartedLeecherSeesCountsAndOtherPeers) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 100, Event::started), AnnounceError::none);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.counts.complete, 0);
  EXPECT_EQ(h.counts.incomplete, 1);
  EXPECT_EQ(h.counts.downloaded, 0);

  ASSERT_EQ(h.announce(1, 2, 0, Event::started), AnnounceError::none);
  EXPECT_EQ(h.counts.complete, 1);
  EXPECT_EQ(h.counts.incomplete, 1);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].endpoint, v4_of(1));
  EXPECT_EQ(h.out[0].peer_id, id_of(1));

  ASSERT_EQ(h.announce(1, 1, 100), AnnounceError::none);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out[0].endpoint, v4_of(2));
}

TEST(SwarmRegistry, LeecherBecomesSeederAndBack) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 100, Event::started), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 100, Event::started), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.complete, 1);
  EXPECT_EQ(h.counts.incomplete, 1);
  EXPECT_EQ(h.counts.downloaded, 1);
  ASSERT_EQ(h.announce(1, 1, 5), AnnounceError::none);  // data went missing: leecher again
  EXPECT_EQ(h.counts.complete, 0);
  EXPECT_EQ(h.counts.incomplete, 2);
  const auto st = h.reg.stats();
  EXPECT_EQ(st.swarms, 1u);
  EXPECT_EQ(st.peers, 2u);
  EXPECT_EQ(st.seeders, 0u);
  EXPECT_EQ(st.leechers, 2u);
}

TEST(SwarmRegistry, StoppedRemovesPeerAndReturnsNoPeers) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 100, Event::started), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 0, Event::started), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 100, Event::stopped), AnnounceError::none);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.counts.complete, 1);
  EXPECT_EQ(h.counts.incomplete, 0);
  ASSERT_EQ(h.announce(1, 3, 100), AnnounceError::none);
  EXPECT_EQ(endpoints(h.out), (std::set{v4_of(2)}));

  // Stopping an unknown peer or swarm is harmless.
  EXPECT_EQ(h.announce(1, 9, 100, Event::stopped), AnnounceError::none);
  EXPECT_EQ(h.announce(7, 9, 100, Event::stopped), AnnounceError::none);
  EXPECT_FALSE(h.reg.scrape(hash_of(7)));

  // The last peer of an unregistered swarm with no downloads takes the swarm with it.
  ASSERT_EQ(h.announce(1, 2, 0, Event::stopped), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 3, 100, Event::stopped), AnnounceError::none);
  EXPECT_EQ(h.counts.complete, 0);
  EXPECT_EQ(h.counts.incomplete, 0);
  EXPECT_FALSE(h.reg.scrape(hash_of(1)));
  EXPECT_EQ(h.reg.stats().swarms, 0u);
  EXPECT_EQ(h.reg.stats().peers, 0u);
}

TEST(SwarmRegistry, DownloadedCountsCompletedOncePerPeer) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 1);
  ASSERT_EQ(h.announce(1, 2, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 2);

  // Stop, come back, complete again: the same peer (id + endpoint) is remembered.
  ASSERT_EQ(h.announce(1, 1, 0, Event::stopped), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 100, Event::started), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 2);

  // A new peer id at the same endpoint is a restarted client: a new peer.
  AnnounceInput in;
  in.info_hash = hash_of(1);
  in.peer_id = id_of(77);
  in.endpoint = v4_of(1);
  in.event = Event::completed;
  ASSERT_EQ(h.reg.announce(in, 0, h.out, h.counts), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 3);
  EXPECT_EQ(h.counts.complete, 2);  // replaced, not added

  // Counters survive the swarm emptying; the swarm stays for scrape.
  ASSERT_EQ(h.announce(1, 2, 0, Event::stopped), AnnounceError::none);
  in.event = Event::stopped;
  ASSERT_EQ(h.reg.announce(in, 0, h.out, h.counts), AnnounceError::none);
  const auto scraped = h.reg.scrape(hash_of(1));
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->downloaded, 3);
  EXPECT_EQ(scraped->complete, 0);
  EXPECT_EQ(scraped->incomplete, 0);
}

TEST(SwarmRegistry, CompletedMemoryIsBounded) {
  Options o;
  o.completed_memory_per_swarm = 2;
  Harness h(o);
  ASSERT_EQ(h.announce(1, 99, 100), AnnounceError::none);  // keeps the swarm alive
  for (int p = 1; p <= 3; ++p) {
    ASSERT_EQ(h.announce(1, p, 0, Event::completed), AnnounceError::none);
    ASSERT_EQ(h.announce(1, p, 0, Event::stopped), AnnounceError::none);
  }
  EXPECT_EQ(h.counts.downloaded, 3);
  // Peer 1 fell out of the 2-entry memory, peers 2 and 3 did not.
  ASSERT_EQ(h.announce(1, 3, 0, Event::completed), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 3);
  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  EXPECT_EQ(h.counts.downloaded, 4);
}

TEST(SwarmRegistry, AskingPeerNeverReturned) {
  Harness h;
  for (int n = 1; n <= 300; ++n) {
    ASSERT_EQ(h.announce(1, n, n % 3 == 0 ? 0 : 100), AnnounceError::none);
    EXPECT_FALSE(endpoints(h.out).contains(v4_of(n))) << n;
  }
  for (int round = 0; round < 200; ++round) {
    const int n = 1 + round % 300;
    ASSERT_EQ(h.announce(1, n, 100, Event::none, 200), AnnounceError::none);
    EXPECT_EQ(h.out.size(), 200u);
    EXPECT_FALSE(endpoints(h.out).contains(v4_of(n))) << n;
  }
  // Small swarm where everyone else is returned: still never the asker.
  Harness small;
  ASSERT_EQ(small.announce(2, 1, 100), AnnounceError::none);
  ASSERT_EQ(small.announce(2, 2, 100), AnnounceError::none);
  ASSERT_EQ(small.announce(2, 3, 0), AnnounceError::none);
  ASSERT_EQ(small.announce(2, 2, 100), AnnounceError::none);
  EXPECT_EQ(endpoints(small.out), (std::set{v4_of(1), v4_of(3)}));
}

TEST(SwarmRegistry, PortZeroPeersCountedButNeverReturned) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 100, Event::started, 50, 0, v4_of(1, 0)), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 0, Event::started, 50, 0, v4_of(2, 0)), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 3, 100), AnnounceError::none);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.counts.complete, 1);
  EXPECT_EQ(h.counts.incomplete, 2);
  // A port-0 asker still gets peers.
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 50, 0, v4_of(1, 0)), AnnounceError::none);
  EXPECT_EQ(endpoints(h.out), (std::set{v4_of(3)}));
  // And is removable by stop.
  ASSERT_EQ(h.announce(1, 1, 100, Event::stopped, 50, 0, v4_of(1, 0)), AnnounceError::none);
  EXPECT_EQ(h.counts.incomplete, 1);
}

TEST(SwarmRegistry, SeedersGetOnlyLeechers) {
  Harness h;
  for (int n = 1; n <= 40; ++n)
    ASSERT_EQ(h.announce(1, n, 0), AnnounceError::none);
  for (int n = 41; n <= 45; ++n)
    ASSERT_EQ(h.announce(1, n, 100), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 0), AnnounceError::none);
  std::set<PeerEndpoint> leechers;
  for (int n = 41; n <= 45; ++n)
    leechers.insert(v4_of(n));
  EXPECT_EQ(endpoints(h.out), leechers);
  // A leecher gets both kinds.
  ASSERT_EQ(h.announce(1, 41, 100, Event::none, 200), AnnounceError::none);
  EXPECT_EQ(h.out.size(), 44u);
  // A seeder in a seeders-only swarm gets nobody.
  Harness s;
  ASSERT_EQ(s.announce(2, 1, 0), AnnounceError::none);
  ASSERT_EQ(s.announce(2, 2, 0), AnnounceError::none);
  EXPECT_TRUE(s.out.empty());
}

TEST(SwarmRegistry, NumwantRespectedAndCappedByAvailability) {
  Options o;
  o.max_numwant = 200;
  Harness h(o);
  for (int n = 1; n <= 20; ++n)
    ASSERT_EQ(h.announce(1, n, 100), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 5), AnnounceError::none);
  EXPECT_EQ(h.out.size(), 5u);
  EXPECT_EQ(endpoints(h.out).size(), 5u);  // distinct
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 50), AnnounceError::none);
  EXPECT_EQ(h.out.size(), 19u);
  EXPECT_EQ(endpoints(h.out).size(), 19u);
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 0), AnnounceError::none);
  EXPECT_TRUE(h.out.empty());
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, -1), AnnounceError::none);
  EXPECT_TRUE(h.out.empty());
  for (int n = 21; n <= 300; ++n)
    ASSERT_EQ(h.announce(1, n, 100), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 100000), AnnounceError::none);
  EXPECT_EQ(h.out.size(), 200u);
  EXPECT_EQ(endpoints(h.out).size(), 200u);
}

TEST(SwarmRegistry, RandomSelectionCoversAllPeersUniformly) {
  Harness h({}, 7);
  constexpr int kPeers = 1000;
  for (int n = 1; n <= kPeers; ++n) {
    ASSERT_EQ(h.announce(1, n, n % 4 == 0 ? 0 : 100), AnnounceError::none);
  }
  // Leecher 1 asks 2,000 times for 50 of the 999 others: each is expected ~100 times.
  std::map<PeerEndpoint, int> seen;
  std::vector<int> first_slot(kPeers + 1, 0);
  for (int round = 0; round < 2000; ++round) {
    ASSERT_EQ(h.announce(1, 1, 100), AnnounceError::none);
    ASSERT_EQ(h.out.size(), 50u);
    ASSERT_EQ(endpoints(h.out).size(), 50u);
    for (const auto& p : h.out)
      ++seen[p.endpoint];
    ++first_slot[h.out[0].endpoint.address[3] + 256 * h.out[0].endpoint.address[2]];
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kPeers - 1));
  EXPECT_FALSE(seen.contains(v4_of(1)));
  int lo = 1 << 30;
  int hi = 0;
  for (const auto& [ep, count] : seen) {
    lo = std::min(lo, count);
    hi = std::max(hi, count);
  }
  // Binomial(2000, 50/999): mean 100, sd ~9.8; these bounds are > 5 sd out.
  EXPECT_GT(lo, 50);
  EXPECT_LT(hi, 150);
  // The first slot is fair too (the output is shuffled): 2,000 draws over 999 peers.
  const int max_first = *std::max_element(first_slot.begin(), first_slot.end());
  EXPECT_LT(max_first, 15);
}

TEST(SwarmRegistry, SameSeedSameAnswers) {
  Harness a({}, 123);
  Harness b({}, 123);
  for (int n = 1; n <= 500; ++n) {
    ASSERT_EQ(a.announce(1, n, n % 2), AnnounceError::none);
    ASSERT_EQ(b.announce(1, n, n % 2), AnnounceError::none);
    ASSERT_EQ(a.out.size(), b.out.size());
    for (std::size_t i = 0; i < a.out.size(); ++i) {
      ASSERT_EQ(a.out[i].endpoint, b.out[i].endpoint);
    }
  }
}

TEST(SwarmRegistry, ExpiryIsExactAtTheBoundary) {
  Options o;
  o.peer_timeout = 3660;
  Harness h(o);
  ASSERT_EQ(h.announce(1, 1, 100, Event::started, 50, 1000), AnnounceError::none);
  EXPECT_EQ(h.reg.expire(1000 + 3660), 0u);  // now - last_seen == timeout: kept
  EXPECT_EQ(h.reg.stats().peers, 1u);
  EXPECT_EQ(h.reg.expire(1000 + 3661), 1u);  // > timeout: dropped
  EXPECT_EQ(h.reg.stats().peers, 0u);
  EXPECT_EQ(h.reg.stats().swarms, 0u);  // nothing left worth keeping
  EXPECT_EQ(Options{}.peer_timeout, 3660);
}

TEST(SwarmRegistry, ReannounceRefreshesLastSeen) {
  Options o;
  o.peer_timeout = 100;
  Harness h(o);
  ASSERT_EQ(h.announce(1, 1, 100, Event::started, 50, 0), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 100, Event::started, 50, 10), AnnounceError::none);
  ASSERT_EQ(h.announce(2, 3, 100, Event::started, 50, 20), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 100, Event::none, 50, 90), AnnounceError::none);
  EXPECT_EQ(h.reg.expire(111), 1u);  // peer 2 (seen at 10)
  EXPECT_EQ(h.reg.stats().peers, 2u);
  EXPECT_EQ(h.reg.expire(190), 1u);  // peer 3 (20); peer 1 (90) stays at exactly 100
  ASSERT_EQ(h.reg.stats().peers, 1u);
  EXPECT_FALSE(h.reg.scrape(hash_of(2)));
  EXPECT_EQ(h.reg.expire(191), 1u);
  EXPECT_EQ(h.reg.stats().peers, 0u);
}

TEST(SwarmRegistry, ExpireHonoursItsLimitAndAClockThatSteppedBack) {
  Options o;
  o.peer_timeout = 10;
  Harness h(o);
  for (int n = 1; n <= 5; ++n) {
    ASSERT_EQ(h.announce(1, n, 100, Event::none, 50, n), AnnounceError::none);
  }
  // A clock stepping back is treated as "no time passed": peer 6 counts as seen at 5.
  ASSERT_EQ(h.announce(1, 6, 100, Event::none, 50, 2), AnnounceError::none);
  EXPECT_EQ(h.reg.expire(100, 2), 2u);
  EXPECT_EQ(h.reg.stats().peers, 4u);
  EXPECT_EQ(h.reg.expire(15), 2u);  // seen at 3 and 4; not 5, nor 6 (counted as 5)
  EXPECT_EQ(h.reg.stats().peers, 2u);
  EXPECT_EQ(h.reg.expire(16), 2u);
}

TEST(SwarmRegistry, AllowListMode) {
  Options o;
  o.allow_list_only = true;
  Harness h(o);
  EXPECT_EQ(h.announce(1, 1, 100), AnnounceError::not_registered);
  EXPECT_TRUE(h.out.empty());
  EXPECT_FALSE(h.reg.scrape(hash_of(1)));
  EXPECT_EQ(h.reg.stats().swarms, 0u);

  ASSERT_TRUE(h.reg.register_swarm(hash_of(1), "ubuntu.iso", 5));
  const auto empty = h.reg.scrape(hash_of(1));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->name, "ubuntu.iso");
  EXPECT_TRUE(empty->registered);
  EXPECT_EQ(empty->complete + empty->incomplete + empty->downloaded, 0);

  ASSERT_EQ(h.announce(1, 1, 0, Event::completed), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 1, 0, Event::stopped), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 100), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 100, Event::stopped), AnnounceError::none);
  const auto after = h.reg.scrape(hash_of(1));
  ASSERT_TRUE(after);  // registered swarms outlive their peers
  EXPECT_EQ(after->downloaded, 1);
  EXPECT_EQ(h.announce(2, 1, 100), AnnounceError::not_registered);

  // Without allow-list mode registration just names the swarm.
  Harness open;
  ASSERT_EQ(open.announce(3, 1, 100), AnnounceError::none);
  ASSERT_TRUE(open.reg.register_swarm(hash_of(3), "named"));
  ASSERT_EQ(open.announce(3, 2, 100), AnnounceError::none);
  EXPECT_EQ(open.counts.name, "named");
  EXPECT_EQ(open.counts.incomplete, 2);
}

TEST(SwarmRegistry, PerSwarmAndSwarmCountCaps) {
  Options o;
  o.max_peers_per_swarm = 3;
  o.max_swarms = 2;
  Harness h(o);
  for (int n = 1; n <= 3; ++n)
    ASSERT_EQ(h.announce(1, n, 100), AnnounceError::none);
  EXPECT_EQ(h.announce(1, 4, 100), AnnounceError::swarm_full);
  EXPECT_TRUE(h.out.empty());
  EXPECT_EQ(h.announce(1, 2, 0), AnnounceError::none);  // known peers still announce
  EXPECT_EQ(h.counts.complete + h.counts.incomplete, 3);
  ASSERT_EQ(h.announce(1, 3, 100, Event::stopped), AnnounceError::none);
  EXPECT_EQ(h.announce(1, 4, 100), AnnounceError::none);  // room again

  ASSERT_EQ(h.announce(2, 1, 100), AnnounceError::none);
  EXPECT_EQ(h.announce(3, 1, 100), AnnounceError::too_many_swarms);
  EXPECT_FALSE(h.reg.register_swarm(hash_of(3), "x"));
  EXPECT_EQ(h.reg.stats().swarms, 2u);
  ASSERT_EQ(h.announce(2, 1, 100, Event::stopped), AnnounceError::none);
  EXPECT_EQ(h.announce(3, 1, 100), AnnounceError::none);
}

TEST(SwarmRegistry, Ipv6PeersAndMappedAddresses) {
  Harness h;
  ASSERT_EQ(h.announce(1, 1, 100, Event::started, 50, 0, v6_of(1)), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 2, 100, Event::started, 50, 0, v4_of(2)), AnnounceError::none);
  ASSERT_EQ(h.announce(1, 3, 100, Event::started, 50, 0, v6_of(3)), AnnounceError::none);
  EXPECT_EQ(endpoints(h.out), (std::set{v6_of(1), v4_of(2)}));
  EXPECT_EQ(h.counts.incomplete, 3);

  // ::ffff:10.0.0.2 is the IPv4 peer 2, not a fourth peer, and is not handed itself.
  std::array<std::uint8_t, 16> mapped{};
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  mapped[12] = 10;
  mapped[15] = 2;
  ASSERT_EQ(h.announce(1, 2, 100, Event::none, 50, 0, PeerEndpoint::from_v6(mapped, 6881)),
            AnnounceError::none);
  EXPECT_EQ(h.counts.incomplete, 3);
  EXPECT_EQ(endpoints(h.out), (std::set{v6_of(1), v6_of(3)}));

  // Same address, different port: a different peer.
  ASSERT_EQ(h.announce(1, 4, 100, Event::none, 50, 0, v6_of(1, 7000)), AnnounceError::none);
  EXPECT_EQ(h.counts.incomplete, 4);
  EXPECT_EQ(endpoints(h.out), (std::set{v6_of(1), v4_of(2), v6_of(3)}));
}

TEST(SwarmRegistry, IndexSurvivesHeavyChurn) {
  Harness h;
  constexpr int kPeers = 5000;
  for (int n = 0; n < kPeers; ++n)
    ASSERT_EQ(h.announce(1, n, 100, Event::none, 0), AnnounceError::none);
  for (int n = 0; n < kPeers; n += 3) {
    ASSERT_EQ(h.announce(1, n, 100, Event::stopped), AnnounceError::none);
  }
  const int remaining = kPeers - (kPeers + 2) / 3;
  EXPECT_EQ(h.reg.stats().peers, static_cast<std::size_t>(remaining));
  // Every survivor is still found (a re-announce adds nobody); every stopped one is gone.
  for (int n = 0; n < kPeers; ++n) {
    if (n % 3 == 0) continue;
    ASSERT_EQ(h.announce(1, n, 0, Event::none, 0), AnnounceError::none);
  }
  EXPECT_EQ(h.counts.complete, remaining);
  EXPECT_EQ(h.counts.incomplete, 0);
  for (int n = 0; n < kPeers; ++n) {
    ASSERT_EQ(h.announce(1, n, 0, Event::stopped), AnnounceError::none);
  }
  EXPECT_EQ(h.reg.stats().peers, 0u);
  EXPECT_EQ(h.reg.stats().swarms, 0u);
}

TEST(SwarmRegistry, RestoreFromSnapshotGivesIdenticalState) {
  Options o;
  o.peer_timeout = 1000;
  Harness h(o, 1);
  ASSERT_TRUE(h.reg.register_swarm(hash_of(9), "registered only", 3));
  for (int n = 1; n <= 60; ++n) {
    const int swarm = 1 + n % 4;
    ASSERT_EQ(
        h.announce(swarm, n, n % 3 == 0 ? 0 : 100, n % 5 == 0 ? Event::completed : Event::started,
                   50, n * 10, n % 7 == 0 ? v6_of(n) : v4_of(n)),
        AnnounceError::none);
  }
  for (int n = 1; n <= 60; n += 11) {
    const int swarm = 1 + n % 4;
    ASSERT_EQ(h.announce(swarm, n, 0, Event::stopped, 50, 700, n % 7 == 0 ? v6_of(n) : v4_of(n)),
              AnnounceError::none);
  }
  ASSERT_TRUE(h.reg.register_swarm(hash_of(2), "two"));

  std::vector<SwarmSnapshot> swarms;
  std::vector<std::string> names;
  names.reserve(100);
  h.reg.snapshot_swarms([&](const SwarmSnapshot& s) {
    names.emplace_back(s.name);
    swarms.push_back(s);
    swarms.back().name = names.back();
  });
  std::vector<PeerSnapshot> peers;
  h.reg.snapshot_peers([&](const PeerSnapshot& p) { peers.push_back(p); });
  EXPECT_EQ(peers.size(), h.reg.stats().peers);
  for (std::size_t i = 1; i < peers.size(); ++i) {
    EXPECT_LE(peers[i - 1].last_seen, peers[i].last_seen);  // oldest first
  }

  SwarmRegistry restored(o, 99);
  for (const auto& s : swarms)
    ASSERT_TRUE(restored.restore_swarm(s));
  // Out of order on purpose: restore must still keep the expiry order.
  std::reverse(peers.begin(), peers.end());
  for (const auto& p : peers)
    ASSERT_EQ(restored.restore_peer(p), AnnounceError::none);

  const auto collect = [](const SwarmRegistry& r) {
    std::map<InfoHash, std::tuple<std::int64_t, std::int64_t, std::int64_t, std::string, bool>> m;
    r.for_each_swarm([&](const InfoHash& ih, const SwarmCounts& c) {
      m[ih] = {c.complete, c.incomplete, c.downloaded, std::string(c.name), c.registered};
    });
    return m;
  };
  EXPECT_EQ(collect(h.reg), collect(restored));
  EXPECT_EQ(h.reg.stats().peers, restored.stats().peers);
  EXPECT_EQ(h.reg.stats().seeders, restored.stats().seeders);
  EXPECT_EQ(h.reg.stats().swarms, restored.stats().swarms);
  const auto scraped = restored.scrape(hash_of(9));
  ASSERT_TRUE(scraped);
  EXPECT_EQ(scraped->name, "registered only");

  // A restored peer that had completed does not count again.
  const int completer = 5;  // n % 5 == 0, not stopped
  const auto before = restored.scrape(hash_of(1 + completer % 4))->downloaded;
  AnnounceInput in;
  in.info_hash = hash_of(1 + completer % 4);
  in.peer_id = id_of(completer);
  in.endpoint = v4_of(completer);
  in.event = Event::completed;
  std::vector<PeerOut> out;
  SwarmCounts counts;
  ASSERT_EQ(restored.announce(in, 700, out, counts), AnnounceError::none);
  EXPECT_EQ(counts.downloaded, before);
  in.event = Event::stopped;  // put it back as it was in the original
  ASSERT_EQ(restored.announce(in, 700, out, counts), AnnounceError::none);
  ASSERT_EQ(h.reg.announce(in, 700, out, counts), AnnounceError::none);

  // Both expire the same peers at the same times.
  for (std::int64_t t = 1000; t <= 1700; t += 50) {
    EXPECT_EQ(h.reg.expire(t), restored.expire(t)) << t;
    EXPECT_EQ(collect(h.reg), collect(restored)) << t;
  }
  EXPECT_EQ(restored.stats().peers, 0u);
}

// Random announces, stops and expiries against a plain std::map model of the same rules.
TEST(SwarmRegistry, MatchesASimpleModelUnderRandomChurn) {
  Options o;
  o.peer_timeout = 50;
  o.max_peers_per_swarm = 40;
  Harness h(o, 5);
  struct ModelPeer {
    bool seeder;
    std::int64_t last_seen;
  };
  std::map<std::pair<int, int>, ModelPeer> model;  // (swarm, peer) -> state
  std::uint64_t x = 12345;
  const auto rnd = [&x](int bound) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((x >> 33) % static_cast<std::uint64_t>(bound));
  };
  std::int64_t now = 0;
  for (int step = 0; step < 20000; ++step) {
    now += rnd(3);
    const int swarm = rnd(3);
    const int peer = rnd(60);
    const std::pair key{swarm, peer};
    const int action = rnd(10);
    if (action == 0) {
      ASSERT_EQ(h.announce(swarm, peer, 0, Event::stopped, 50, now), AnnounceError::none);
      model.erase(key);
    } else if (action == 1) {
      const auto dropped = h.reg.expire(now);
      std::size_t expected = 0;
      for (auto it = model.begin(); it != model.end();) {
        if (now - it->second.last_seen > o.peer_timeout) {
          it = model.erase(it);
          ++expected;
        } else {
          ++it;
        }
      }
      ASSERT_EQ(dropped, expected) << step;
    } else {
      const bool seeder = rnd(3) == 0;
      int in_swarm = 0;
      for (const auto& [k, v] : model)
        in_swarm += k.first == swarm ? 1 : 0;
      const auto err = h.announce(swarm, peer, seeder ? 0 : 1, Event::none, 200, now);
      if (!model.contains(key) && in_swarm >= 40) {
        ASSERT_EQ(err, AnnounceError::swarm_full);
        continue;
      }
      ASSERT_EQ(err, AnnounceError::none);
      model[key] = {seeder, now};
      std::set<PeerEndpoint> eligible;
      int complete = 0;
      int incomplete = 0;
      for (const auto& [k, v] : model) {
        if (k.first != swarm) continue;
        (v.seeder ? complete : incomplete) += 1;
        if (k.second != peer && !(seeder && v.seeder)) eligible.insert(v4_of(k.second));
      }
      ASSERT_EQ(h.counts.complete, complete);
      ASSERT_EQ(h.counts.incomplete, incomplete);
      ASSERT_EQ(endpoints(h.out), eligible) << step;  // numwant 200 > 40: all of them
      ASSERT_EQ(h.out.size(), eligible.size());
    }
    ASSERT_EQ(h.reg.stats().peers, model.size());
  }
}

}  // namespace
}  // namespace lt::tracker
