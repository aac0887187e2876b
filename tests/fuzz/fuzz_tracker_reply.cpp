// libFuzzer target: the client's tracker reply codec. Any bytes are parsed as an announce reply
// and as a scrape reply. Neither may crash, hang or leak, and whatever they accept must respect
// the documented bounds: clamped intervals, capped and cleaned text, no port 0, at most
// max_peers peers, no negative counters.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/tracker_client_protocol.hpp"
#include "core/utf8.hpp"

namespace {

using namespace lt::tracker;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tracker reply invariant broken: %s\n", what);
    std::abort();
  }
}

bool clean(const std::string& text) {
  if (text.empty() || text.size() > kMaxTrackerText) return false;
  for (std::size_t pos = 0; pos < text.size();) {
    const lt::Utf8Char ch = lt::decode_utf8(text, pos);
    if (!ch.valid || lt::is_control(ch.code_point)) return false;
    pos += ch.length;
  }
  return true;
}

void check_interval(int seconds, const char* what) {
  check(seconds >= kMinAnnounceInterval && seconds <= kMaxAnnounceInterval, what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // A small cap as well as the default, so the cut-off path is exercised too.
  for (const std::size_t max_peers : {std::size_t{3}, std::size_t{1000}}) {
    const auto announce = parse_announce_reply(input, max_peers);
    if (!announce) {
      check(!announce.error().reason.empty(), "announce error without a reason");
      continue;
    }
    const AnnounceReply& reply = announce.value();
    check_interval(reply.interval, "interval out of range");
    if (reply.min_interval) check_interval(*reply.min_interval, "min interval out of range");
    if (reply.failure_reason) {
      check(clean(*reply.failure_reason), "failure reason not cleaned");
      check(reply.peers.empty(), "peers next to a failure");
    }
    if (reply.warning) check(reply.warning->empty() || clean(*reply.warning), "warning");
    check(reply.peers.size() <= max_peers, "too many peers");
    for (const PeerAddress& peer : reply.peers) {
      check(peer.port != 0, "peer with port 0");
      check(!peer.ip.is_v4_mapped(), "v4-mapped peer address");
    }
    for (const auto& counter : {reply.complete, reply.incomplete, reply.downloaded}) {
      check(!counter || *counter >= 0, "negative counter");
    }
  }

  // The scrape is looked up under a fixed hash and under the first 20 input bytes, which a
  // mutated seed can turn into a key of its own files dictionary.
  lt::InfoHash hash = *lt::InfoHash::from_bytes(std::string(20, 'a'));
  for (int round = 0; round < 2; ++round) {
    const auto scrape = parse_scrape_reply(input, hash);
    if (scrape) {
      check(scrape->complete >= 0 && scrape->incomplete >= 0 && scrape->downloaded >= 0,
            "negative scrape counter");
    } else {
      check(!scrape.error().reason.empty(), "scrape error without a reason");
    }
    if (input.size() < 20) break;
    hash = *lt::InfoHash::from_bytes(input.substr(0, 20));
  }
  return 0;
}
