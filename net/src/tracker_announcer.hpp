#pragma once
// A torrent's HTTP tracker client (BEP 3, 23, 7, 12, 48): announces `started`, then regularly,
// `completed` once when the download finishes, and `stopped` on shutdown with a short deadline.
//
// Tiers (BEP 12): trackers within a tier are shuffled once; each announce tries tier by tier,
// tracker by tracker, and a tracker that answers moves to the front of its tier. A `failure
// reason` counts as a failed attempt (the next tracker is tried) and is shown to the user.
//
// Timing: the reply's `interval`; but while the torrent has few peers, as soon as the tracker's
// `min interval` allows (at least every 2 s), so a seeder soon learns about leechers that
// cannot dial it (Transmission refuses to dial loopback addresses). Failures back off
// exponentially from 5 s to 5 minutes. Scrape (BEP 48) fills in swarm counts when an announce
// reply leaves them out.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tracker_client_protocol.hpp"

namespace lt::net {

class Torrent;

class TrackerAnnouncer {
 public:
  TrackerAnnouncer(Torrent& torrent, std::vector<std::vector<std::string>> tiers,
                   std::uint64_t seed);

  // Runs until stop(); the caller keeps the torrent (and this object) alive meanwhile.
  boost::asio::awaitable<void> run();
  // Announce `completed` now (once).
  void completed();
  // Announce now (user asked, or the torrent needs peers).
  void announce_now();
  // Ends run() and sends `stopped` to the tracker that last answered, bounded by `deadline`.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds deadline);
  [[nodiscard]] bool has_trackers() const noexcept { return !tiers_.empty(); }

 private:
  struct Outcome {
    bool ok = false;
    std::chrono::seconds next{0};
  };
  boost::asio::awaitable<Outcome> announce(tracker::AnnounceRequest::Event event,
                                           std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> scrape(const std::string& announce_url);

  Torrent& torrent_;
  std::vector<std::vector<std::string>> tiers_;
  std::string key_;
  std::optional<std::string> tracker_id_;
  std::optional<std::string> working_url_;
  boost::asio::steady_timer wake_;
  bool stopped_ = false;
  bool completed_pending_ = false;
  bool started_sent_ = false;
  bool running_ = false;
  int failures_ = 0;
};

}  // namespace lt::net
