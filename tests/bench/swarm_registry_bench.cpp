// Hand-run micro-benchmark of the tracker's SwarmRegistry (not built by CMake):
//   g++ -std=c++20 -O2 -DNDEBUG -Icore/include core/src/sha1.cpp core/src/hex.cpp
//     core/src/swarm_registry.cpp tests/bench/swarm_registry_bench.cpp -lcrypto
//     -o /tmp/swarm_bench && /tmp/swarm_bench
// Prints announces/s on one core (numwant 50) and resident memory for the live peers.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/swarm_registry.hpp"

namespace {

using lt::tracker::AnnounceError;
using lt::tracker::AnnounceInput;
using lt::tracker::PeerEndpoint;
using lt::tracker::PeerOut;
using lt::tracker::SwarmCounts;
using lt::tracker::SwarmRegistry;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

lt::InfoHash hash_of(std::uint32_t n) {
  lt::InfoHash h;
  for (int i = 0; i < 20; ++i)
    h.bytes[i] = static_cast<std::uint8_t>((n * 2654435761u) >> (i % 4 * 8));
  h.bytes[0] = static_cast<std::uint8_t>(n);
  h.bytes[1] = static_cast<std::uint8_t>(n >> 8);
  return h;
}

AnnounceInput input_for(std::uint32_t swarm, std::uint32_t swarms, std::uint32_t peer) {
  AnnounceInput in;
  in.info_hash = hash_of(swarm);
  in.peer_id.fill(static_cast<std::uint8_t>(peer));
  in.peer_id[0] = static_cast<std::uint8_t>(peer >> 8);
  in.peer_id[1] = static_cast<std::uint8_t>(peer >> 16);
  in.endpoint =
      PeerEndpoint::from_v4({10, static_cast<std::uint8_t>(peer >> 16),
                             static_cast<std::uint8_t>(peer >> 8), static_cast<std::uint8_t>(peer)},
                            static_cast<std::uint16_t>(1024 + peer % 60000));
  in.left = (peer / swarms) % 4 == 0 ? 0 : 1000;  // a quarter seeders in every swarm
  in.numwant = 50;
  return in;
}

void run(const char* label, std::uint32_t swarms, std::uint32_t peers, std::uint32_t rounds) {
  const long rss_before = rss_kib();
  SwarmRegistry reg(SwarmRegistry::Options{}, 0x5eed);
  std::vector<PeerOut> out;
  out.reserve(200);
  SwarmCounts counts;
  std::int64_t now = 0;
  std::uint64_t x = 88172645463325252ULL;
  const auto rnd = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };

  const auto t0 = std::chrono::steady_clock::now();
  for (std::uint32_t p = 0; p < peers; ++p) {
    auto in = input_for(p % swarms, swarms, p);
    in.event = AnnounceInput::Event::started;
    if (reg.announce(in, now, out, counts) != AnnounceError::none) std::abort();
  }
  const auto t1 = std::chrono::steady_clock::now();
  const long rss_after = rss_kib();

  std::size_t handed_out = 0;
  for (std::uint32_t i = 0; i < rounds; ++i) {
    const auto p = static_cast<std::uint32_t>(rnd() % peers);
    auto in = input_for(p % swarms, swarms, p);
    if (i % 64 == 0) in.event = AnnounceInput::Event::completed;
    if (i % 1024 == 0) ++now;
    if (reg.announce(in, now, out, counts) != AnnounceError::none) std::abort();
    handed_out += out.size();
  }
  const auto t2 = std::chrono::steady_clock::now();

  // Churn: stop and re-start peers (index erase/insert, pool swap-remove).
  for (std::uint32_t i = 0; i < rounds / 4; ++i) {
    const auto p = static_cast<std::uint32_t>(rnd() % peers);
    auto in = input_for(p % swarms, swarms, p);
    in.event = AnnounceInput::Event::stopped;
    (void)reg.announce(in, now, out, counts);
    in.event = AnnounceInput::Event::started;
    (void)reg.announce(in, now, out, counts);
  }
  const auto t3 = std::chrono::steady_clock::now();
  const std::size_t live = reg.stats().peers;
  // Expire everything: the cost of dropping all live peers in one go.
  const std::size_t dropped = reg.expire(now + 100000);
  const auto t4 = std::chrono::steady_clock::now();

  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  std::printf("%s: %u swarms, %u peers\n", label, swarms, peers);
  std::printf("  insert (started)      %10.0f announces/s\n", peers / secs(t0, t1));
  std::printf("  re-announce numwant50 %10.0f announces/s (avg %.1f peers out)\n",
              rounds / secs(t1, t2), static_cast<double>(handed_out) / rounds);
  std::printf("  stop+start churn      %10.0f announces/s\n", rounds / 2 / secs(t2, t3));
  std::printf("  expire all            %10.0f peers/s (%zu of %zu)\n", dropped / secs(t3, t4),
              dropped, live);
  std::printf("  RSS %ld KiB -> %ld KiB: %.1f bytes per live peer (incl. swarms)\n", rss_before,
              rss_after, (rss_after - rss_before) * 1024.0 / peers);
}

}  // namespace

// One case per process so the RSS figure is not muddied by the previous case's freed heap.
int main(int argc, char** argv) {
  const std::string which = argc > 1 ? argv[1] : "spread";
  if (which == "big") {
    run("one big swarm", 1, 100000, 2000000);
  } else {
    run("spread", 1000, 100000, 2000000);
  }
  return 0;
}
