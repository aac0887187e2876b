#include "core/choker.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <vector>

namespace lt {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Time = std::chrono::steady_clock::time_point;

const Time kT0 = Time{} + hours(100);
constexpr seconds kTick(10);

// Interested peers 1..n, connected long ago, with these download rates (to us).
std::vector<ChokeCandidate> swarm(std::initializer_list<double> download_rates) {
  std::vector<ChokeCandidate> peers;
  PeerKey key = 1;
  for (double rate : download_rates) {
    peers.push_back(
        {.peer = key++, .interested = true, .download_rate = rate, .connected_at = kT0 - hours(1)});
  }
  return peers;
}

bool contains(const std::vector<PeerKey>& keys, PeerKey key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

ChokeCandidate& find(std::vector<ChokeCandidate>& peers, PeerKey key) {
  return *std::find_if(peers.begin(), peers.end(),
                       [&](const ChokeCandidate& c) { return c.peer == key; });
}

// Does what the session does with a decision.
void apply(std::vector<ChokeCandidate>& peers, const ChokeDecision& d) {
  for (ChokeCandidate& c : peers)
    c.unchoked = contains(d.unchoke, c.peer);
}

// The decision's regular (non-optimistic) unchokes, in order.
std::vector<PeerKey> regular(const ChokeDecision& d) {
  std::vector<PeerKey> keys = d.unchoke;
  if (d.optimistic) {
    EXPECT_FALSE(keys.empty());
    EXPECT_EQ(keys.back(), *d.optimistic);
    keys.pop_back();
  }
  return keys;
}

// ---- leeching ----------------------------------------------------------------------------

TEST(Choker, LeechingUnchokesTheFastestUploadersToUsPlusOneOptimistic) {
  Choker choker(1);
  const auto peers = swarm({10, 60, 30, 50, 20, 40});
  const ChokeDecision d = choker.run(peers, false, 4, kT0);
  EXPECT_EQ(regular(d), (std::vector<PeerKey>{2, 4, 6}));
  ASSERT_TRUE(d.optimistic.has_value());
  EXPECT_TRUE(*d.optimistic == 1 || *d.optimistic == 3 || *d.optimistic == 5);
  EXPECT_EQ(d.unchoke.size(), 4u);
}

TEST(Choker, LeechingWithOneSlotHasOnlyTheOptimistic) {
  Choker choker(1);
  const ChokeDecision d = choker.run(swarm({10, 60, 30}), false, 1, kT0);
  EXPECT_TRUE(regular(d).empty());
  EXPECT_TRUE(d.optimistic.has_value());
  EXPECT_EQ(d.unchoke.size(), 1u);
}

TEST(Choker, SnubbedPeersGetNoRegularSlotButCanBeOptimistic) {
  auto peers = swarm({1000, 50, 40, 30});
  find(peers, 1).snubbed = true;
  int snubbed_optimistic = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    Choker choker(seed);
    const ChokeDecision d = choker.run(peers, false, 3, kT0);
    EXPECT_EQ(regular(d), (std::vector<PeerKey>{2, 3}));
    ASSERT_TRUE(d.optimistic.has_value());
    EXPECT_TRUE(*d.optimistic == 1 || *d.optimistic == 4);
    snubbed_optimistic += *d.optimistic == 1 ? 1 : 0;
  }
  EXPECT_GT(snubbed_optimistic, 20);
  EXPECT_LT(snubbed_optimistic, 80);
}

TEST(Choker, OptimisticRotatesEveryThirdCall) {
  Choker choker(7);
  auto peers = swarm({100, 0, 0, 0, 0});
  std::vector<PeerKey> optimistic;
  for (int call = 0; call < 15; ++call) {
    const ChokeDecision d = choker.run(peers, false, 2, kT0 + call * kTick);
    EXPECT_EQ(regular(d), (std::vector<PeerKey>{1}));
    ASSERT_TRUE(d.optimistic.has_value());
    optimistic.push_back(*d.optimistic);
    apply(peers, d);
  }
  for (std::size_t call = 1; call < optimistic.size(); ++call) {
    if (call % Choker::kOptimisticRounds == 0) {
      EXPECT_NE(optimistic[call], optimistic[call - 1]) << "call " << call;
    } else {
      EXPECT_EQ(optimistic[call], optimistic[call - 1]) << "call " << call;
    }
  }
}

TEST(Choker, OptimisticIsReplacedWhenItDisconnects) {
  Choker choker(3);
  auto peers = swarm({100, 0, 0, 0, 0});
  const ChokeDecision first = choker.run(peers, false, 2, kT0);
  ASSERT_TRUE(first.optimistic.has_value());
  apply(peers, first);
  std::erase_if(peers, [&](const ChokeCandidate& c) { return c.peer == *first.optimistic; });

  // The replacement starts a full period of its own.
  std::vector<PeerKey> optimistic;
  for (int call = 1; call <= 4; ++call) {
    const ChokeDecision d = choker.run(peers, false, 2, kT0 + call * kTick);
    ASSERT_TRUE(d.optimistic.has_value());
    EXPECT_FALSE(contains(d.unchoke, *first.optimistic));
    optimistic.push_back(*d.optimistic);
    apply(peers, d);
  }
  EXPECT_EQ(optimistic[0], optimistic[1]);
  EXPECT_EQ(optimistic[1], optimistic[2]);
  EXPECT_NE(optimistic[2], optimistic[3]);
}

TEST(Choker, OptimisticIsReplacedWhenItLosesInterest) {
  Choker choker(4);
  auto peers = swarm({100, 0, 0, 0});
  const ChokeDecision first = choker.run(peers, false, 2, kT0);
  ASSERT_TRUE(first.optimistic.has_value());
  apply(peers, first);
  find(peers, *first.optimistic).interested = false;
  const ChokeDecision second = choker.run(peers, false, 2, kT0 + kTick);
  ASSERT_TRUE(second.optimistic.has_value());
  EXPECT_NE(*second.optimistic, *first.optimistic);
  EXPECT_FALSE(contains(second.unchoke, *first.optimistic));
}

TEST(Choker, OptimisticThatEarnsARegularSlotFreesTheOptimisticSlot) {
  Choker choker(5);
  auto peers = swarm({100, 0, 0, 0});
  const ChokeDecision first = choker.run(peers, false, 3, kT0);
  ASSERT_TRUE(first.optimistic.has_value());
  apply(peers, first);
  find(peers, *first.optimistic).download_rate = 500;  // it reciprocated
  const ChokeDecision second = choker.run(peers, false, 3, kT0 + kTick);
  EXPECT_EQ(regular(second).front(), *first.optimistic);
  ASSERT_TRUE(second.optimistic.has_value());
  EXPECT_NE(*second.optimistic, *first.optimistic);
  EXPECT_EQ(second.unchoke.size(), 3u);
}

TEST(Choker, OnlyEligiblePeerStaysOptimisticAcrossRotations) {
  Choker choker(6);
  auto peers = swarm({100, 0});
  for (int call = 0; call < 7; ++call) {
    const ChokeDecision d = choker.run(peers, false, 2, kT0 + call * kTick);
    EXPECT_EQ(d.optimistic, PeerKey{2});
    apply(peers, d);
  }
}

TEST(Choker, NewPeersAreThreeTimesAsLikelyToBeOptimistic) {
  auto peers = swarm({0, 0, 0, 0});
  find(peers, 4).connected_at = kT0 - seconds(10);
  find(peers, 3).connected_at = kT0 - Choker::kNewPeerAge;  // exactly 60 s: no longer new
  std::map<PeerKey, int> picked;
  constexpr int kSeeds = 4000;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    Choker choker(seed);
    const ChokeDecision d = choker.run(peers, false, 1, kT0);
    ASSERT_TRUE(d.optimistic.has_value());
    ++picked[*d.optimistic];
  }
  // Weights 1, 1, 1, 3: the new peer is expected 2000 times (sd ~32), each other ~667 (sd ~24).
  EXPECT_GT(picked[4], 1850);
  EXPECT_LT(picked[4], 2150);
  for (PeerKey old : {1u, 2u, 3u}) {
    EXPECT_GT(picked[old], 560) << old;
    EXPECT_LT(picked[old], 780) << old;
  }
}

TEST(Choker, EqualRatesAreBrokenStablyAndDeterministically) {
  auto peers = swarm({0, 0, 0, 0, 0, 0, 0, 0});
  std::set<std::vector<PeerKey>> first_choices;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Choker a(seed);
    Choker b(seed);
    auto pa = peers;
    auto pb = peers;
    std::vector<PeerKey> first_regular;
    for (int call = 0; call < 9; ++call) {
      const ChokeDecision da = a.run(pa, false, 4, kT0 + call * kTick);
      const ChokeDecision db = b.run(pb, false, 4, kT0 + call * kTick);
      EXPECT_EQ(da.unchoke, db.unchoke);
      EXPECT_EQ(da.optimistic, db.optimistic);
      // The regular slots do not flap between equally fast peers.
      if (call == 0) first_regular = regular(da);
      EXPECT_EQ(regular(da), first_regular);
      apply(pa, da);
      apply(pb, db);
    }
    first_choices.insert(first_regular);
  }
  EXPECT_GT(first_choices.size(), 1u);  // the seed, not the key, decides ties
}

TEST(Choker, TiesPreferThePeerAlreadyUnchoked) {
  auto peers = swarm({50, 50, 50});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    for (PeerKey holder = 1; holder <= 3; ++holder) {
      for (ChokeCandidate& c : peers)
        c.unchoked = c.peer == holder;
      Choker choker(seed);
      EXPECT_EQ(regular(choker.run(peers, false, 2, kT0)), std::vector<PeerKey>{holder});
    }
  }
}

TEST(Choker, DecisionDoesNotDependOnInputOrder) {
  auto peers = swarm({30, 0, 30, 0, 0, 10, 0});
  auto reversed = peers;
  std::reverse(reversed.begin(), reversed.end());
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Choker a(seed);
    Choker b(seed);
    const ChokeDecision da = a.run(peers, false, 3, kT0);
    const ChokeDecision db = b.run(reversed, false, 3, kT0);
    EXPECT_EQ(da.unchoke, db.unchoke);
    EXPECT_EQ(da.optimistic, db.optimistic);
  }
}

// ---- seeding -----------------------------------------------------------------------------

// Seeding: a peer we upload to reads at 1000 * key B/s; a choked one at 0.
void set_upload_rates(std::vector<ChokeCandidate>& peers) {
  for (ChokeCandidate& c : peers)
    c.upload_rate = c.unchoked ? 1000.0 * c.peer : 0.0;
}

TEST(Choker, SeedingRotationGivesEveryPeerATurnWithinTheBound) {
  constexpr int kSlots = 3;
  auto peers = swarm({0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const int n = static_cast<int>(peers.size());
  const int bound = Choker::kSeedTurnRounds * ((n + kSlots - 1) / kSlots);
  Choker choker(11);
  std::map<PeerKey, int> last_unchoked;  // call of the latest unchoke
  std::map<PeerKey, int> held;           // consecutive calls unchoked
  for (ChokeCandidate& c : peers)
    last_unchoked[c.peer] = -1;
  for (int call = 0; call < 100; ++call) {
    const ChokeDecision d = choker.run(peers, true, kSlots, kT0 + call * kTick);
    EXPECT_FALSE(d.optimistic.has_value());
    ASSERT_EQ(d.unchoke.size(), static_cast<std::size_t>(kSlots));
    for (const ChokeCandidate& c : peers) {
      if (contains(d.unchoke, c.peer)) {
        last_unchoked[c.peer] = call;
        ++held[c.peer];
        EXPECT_LE(held[c.peer], Choker::kSeedTurnRounds) << "peer " << c.peer;
      } else {
        held[c.peer] = 0;
        EXPECT_LT(call - last_unchoked[c.peer], bound) << "peer " << c.peer << " call " << call;
      }
    }
    apply(peers, d);
    set_upload_rates(peers);
  }
}

TEST(Choker, SeedingNewcomersDoNotStarveWaitingPeers) {
  constexpr int kSlots = 2;
  auto peers = swarm({0, 0, 0, 0, 0, 0});
  Choker choker(12);
  std::map<PeerKey, int> deadline;  // the call by which each waiting peer must be unchoked
  std::set<PeerKey> served;
  for (int call = 0; call < 40; ++call) {
    if (call > 0) {  // a new interested peer every call, ahead of nobody
      peers.push_back({.peer = static_cast<PeerKey>(100 + call),
                       .interested = true,
                       .connected_at = kT0 + call * kTick});
    }
    const int n = static_cast<int>(peers.size());
    for (const ChokeCandidate& c : peers) {
      if (!deadline.contains(c.peer)) {
        deadline[c.peer] = call + Choker::kSeedTurnRounds * ((n + kSlots - 1) / kSlots);
      }
    }
    const ChokeDecision d = choker.run(peers, true, kSlots, kT0 + call * kTick);
    for (PeerKey key : d.unchoke)
      served.insert(key);
    for (const auto& [key, due] : deadline) {
      if (call >= due) {
        EXPECT_TRUE(served.contains(key)) << "peer " << key << " call " << call;
      }
    }
    apply(peers, d);
    set_upload_rates(peers);
  }
  for (PeerKey original = 1; original <= 6; ++original)
    EXPECT_TRUE(served.contains(original));
}

TEST(Choker, SeedingKeepsTheFastestReadersAmongPeersInTheirTurn) {
  auto peers = swarm({0, 0, 0});
  for (ChokeCandidate& c : peers)
    c.unchoked = true;
  find(peers, 1).upload_rate = 100;
  find(peers, 2).upload_rate = 300;
  find(peers, 3).upload_rate = 200;
  Choker choker(13);
  EXPECT_EQ(choker.run(peers, true, 2, kT0).unchoke, (std::vector<PeerKey>{2, 3}));
}

TEST(Choker, SeedingPeersWhoseTurnIsOverGiveWayThenTheFastestKeepsItsSlot) {
  auto peers = swarm({0, 0, 0});
  find(peers, 3).interested = false;
  Choker choker(14);
  for (int call = 0; call < Choker::kSeedTurnRounds; ++call) {
    const ChokeDecision d = choker.run(peers, true, 2, kT0 + call * kTick);
    EXPECT_EQ(d.unchoke.size(), 2u);  // nobody waits: the turn never ends
    apply(peers, d);
    find(peers, 1).upload_rate = 500;
    find(peers, 2).upload_rate = 900;
  }
  find(peers, 3).interested = true;
  const ChokeDecision d = choker.run(peers, true, 2, kT0 + Choker::kSeedTurnRounds * kTick);
  EXPECT_EQ(d.unchoke, (std::vector<PeerKey>{3, 2}));
}

TEST(Choker, SeedingIgnoresSnubbed) {
  auto peers = swarm({0, 0});
  for (ChokeCandidate& c : peers)
    c.snubbed = true;
  Choker choker(15);
  EXPECT_EQ(choker.run(peers, true, 4, kT0).unchoke.size(), 2u);
}

// ---- both --------------------------------------------------------------------------------

TEST(Choker, UninterestedPeersAreNeverUnchoked) {
  auto peers = swarm({1000, 10, 0});
  find(peers, 1).interested = false;
  find(peers, 1).upload_rate = 1e9;
  find(peers, 1).connected_at = kT0;
  for (bool seeding : {false, true}) {
    for (int slots : {-1, 0, 1, 2, 10}) {
      Choker choker(16);
      auto p = peers;
      for (int call = 0; call < 7; ++call) {
        const ChokeDecision d = choker.run(p, seeding, slots, kT0 + call * kTick);
        EXPECT_FALSE(contains(d.unchoke, 1)) << seeding << " " << slots;
        apply(p, d);
      }
    }
  }
}

TEST(Choker, UnlimitedSlotsUnchokeEveryInterestedPeer) {
  auto peers = swarm({0, 5, 10, 0});
  find(peers, 2).snubbed = true;
  find(peers, 4).interested = false;
  for (bool seeding : {false, true}) {
    for (int slots : {0, -1}) {
      Choker choker(17);
      const ChokeDecision d = choker.run(peers, seeding, slots, kT0);
      EXPECT_EQ(d.unchoke, (std::vector<PeerKey>{1, 2, 3}));
      EXPECT_FALSE(d.optimistic.has_value());
    }
  }
}

TEST(Choker, ZeroPeers) {
  for (bool seeding : {false, true}) {
    for (int slots : {-1, 0, 1, 4}) {
      Choker choker(18);
      const ChokeDecision d = choker.run({}, seeding, slots, kT0);
      EXPECT_TRUE(d.unchoke.empty());
      EXPECT_FALSE(d.optimistic.has_value());
    }
  }
}

TEST(Choker, FewerPeersThanSlots) {
  auto peers = swarm({10, 30, 20, 99});
  find(peers, 4).interested = false;
  Choker leecher(19);
  ChokeDecision d = leecher.run(peers, false, 10, kT0);
  EXPECT_EQ(d.unchoke, (std::vector<PeerKey>{2, 3, 1}));
  EXPECT_FALSE(d.optimistic.has_value());  // nobody left to try

  find(peers, 1).snubbed = true;  // its only way in is the optimistic slot
  d = leecher.run(peers, false, 10, kT0 + kTick);
  EXPECT_EQ(d.unchoke, (std::vector<PeerKey>{2, 3, 1}));
  EXPECT_EQ(d.optimistic, PeerKey{1});

  Choker seeder(19);
  d = seeder.run(peers, true, 10, kT0);
  EXPECT_EQ(std::set<PeerKey>(d.unchoke.begin(), d.unchoke.end()), (std::set<PeerKey>{1, 2, 3}));
  EXPECT_FALSE(d.optimistic.has_value());
}

}  // namespace
}  // namespace lt
