#include "tracker_announcer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "net/http_client.hpp"
#include "session.hpp"
#include "torrent.hpp"
#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds kAnnounceTimeout{15000};
constexpr std::chrono::seconds kFastReannounceFloor{2};
constexpr std::chrono::seconds kFirstRetry{5};
constexpr std::chrono::seconds kMaxRetry{300};

std::string random_key(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string key(8, '0');
  for (char& c : key)
    c = kHex[rng() % 16];
  return key;
}

}  // namespace

TrackerAnnouncer::TrackerAnnouncer(Torrent& torrent, std::vector<std::vector<std::string>> tiers,
                                   std::uint64_t seed)
    : torrent_(torrent), tiers_(std::move(tiers)), wake_(torrent.session().io()) {
  std::mt19937_64 rng(seed);
  for (auto& tier : tiers_)
    std::shuffle(tier.begin(), tier.end(), rng);
  std::erase_if(tiers_, [](const auto& tier) { return tier.empty(); });
  key_ = random_key(rng);
}

asio::awaitable<void> TrackerAnnouncer::run() {
  if (tiers_.empty()) co_return;
  running_ = true;
  while (!stopped_) {
    using Event = tracker::AnnounceRequest::Event;
    Event event = Event::none;
    if (!started_sent_) {
      event = Event::started;
    } else if (completed_pending_) {
      event = Event::completed;
    }
    const Outcome outcome = co_await announce(event, kAnnounceTimeout);
    if (stopped_) break;
    std::chrono::seconds wait = outcome.next;
    if (outcome.ok) {
      failures_ = 0;
      if (event == Event::started) started_sent_ = true;
      if (event == Event::completed) completed_pending_ = false;
    } else {
      wait = std::min(kMaxRetry, kFirstRetry * (1 << std::min(failures_, 6)));
      ++failures_;
    }
    wake_.expires_after(wait);
    co_await wake_.async_wait(kUseTuple);
  }
  running_ = false;
}

void TrackerAnnouncer::completed() {
  // A torrent complete from the start never sends `completed` (BEP 3: only when the download
  // finishes); the caller decides.
  completed_pending_ = true;
  wake_.cancel();
}

void TrackerAnnouncer::announce_now() {
  wake_.cancel();
}

asio::awaitable<TrackerAnnouncer::Outcome> TrackerAnnouncer::announce(
    tracker::AnnounceRequest::Event event, std::chrono::milliseconds timeout) {
  using Event = tracker::AnnounceRequest::Event;
  const Torrent::AnnounceNumbers numbers = torrent_.announce_numbers();
  tracker::AnnounceParams params;
  params.info_hash = torrent_.info_hash();
  params.peer_id = torrent_.session().peer_id();
  params.port = torrent_.session().listen_port();
  params.uploaded = numbers.uploaded;
  params.downloaded = numbers.downloaded;
  params.left = numbers.left;
  params.event = event;
  params.numwant = event == Event::stopped ? 0 : 50;
  params.key = key_;
  params.tracker_id = tracker_id_;

  std::string last_error;
  for (auto& tier : tiers_) {
    for (std::size_t i = 0; i < tier.size(); ++i) {
      const std::string url = tier[i];
      std::string problem;
      try {
        HttpGetOptions options;
        options.timeout = timeout;
        std::string target = tracker::announce_url(url, params);  // named: see DiskPool::run
        const HttpGetResponse response = co_await http_get(std::move(target), options);
        if (stopped_ && event != Event::stopped) co_return Outcome{};
        if (response.status != 200) {
          problem = "HTTP " + std::to_string(response.status);
        } else {
          ParseResult<tracker::AnnounceReply> reply = tracker::parse_announce_reply(response.body);
          if (!reply) {
            problem = reply.error().reason;
          } else if (reply->failure_reason) {
            problem = "tracker says: " + *reply->failure_reason;
          } else {
            // Success: this tracker goes to the front of its tier (BEP 12).
            std::rotate(tier.begin(), tier.begin() + static_cast<std::ptrdiff_t>(i),
                        tier.begin() + static_cast<std::ptrdiff_t>(i) + 1);
            working_url_ = url;
            if (reply->tracker_id) tracker_id_ = reply->tracker_id;
            if (event == Event::stopped) co_return Outcome{true, {}};
            const auto peers = reply->peers.size();
            torrent_.add_peer_candidates(reply->peers, engine::PeerSource::tracker);
            std::string text = "ok: " + std::to_string(peers) + " peers";
            if (reply->warning) text += " (warning: " + *reply->warning + ")";
            torrent_.set_tracker_status(
                text, reply->complete ? static_cast<std::int32_t>(*reply->complete) : -1,
                reply->incomplete ? static_cast<std::int32_t>(*reply->incomplete) : -1);
            if (!reply->complete || !reply->incomplete) co_await scrape(url);
            std::chrono::seconds next{reply->interval};
            if (torrent_.wants_more_peers()) {
              const std::chrono::seconds min_wait{reply->min_interval.value_or(reply->interval)};
              next = std::max(kFastReannounceFloor, std::min(next, min_wait));
            }
            co_return Outcome{true, next};
          }
        }
      } catch (const HttpError& e) {
        problem = e.what();
      }
      if (stopped_ && event != Event::stopped) co_return Outcome{};
      spdlog::info("tracker {}: {}", url, problem);
      last_error = problem;
    }
  }
  if (event != Event::stopped) torrent_.set_tracker_status("failure: " + last_error, -1, -1);
  co_return Outcome{false, {}};
}

asio::awaitable<void> TrackerAnnouncer::scrape(const std::string& announce_url) {
  const std::optional<std::string> base = tracker::scrape_url(announce_url);
  if (!base) co_return;
  try {
    HttpGetOptions options;
    options.timeout = std::chrono::milliseconds(5000);
    std::string target = tracker::scrape_url_for(*base, torrent_.info_hash());
    const HttpGetResponse response = co_await http_get(std::move(target), options);
    if (response.status != 200) co_return;
    ParseResult<tracker::ScrapeReply> reply =
        tracker::parse_scrape_reply(response.body, torrent_.info_hash());
    if (!reply) co_return;
    torrent_.set_tracker_status(std::string{}, static_cast<std::int32_t>(reply->complete),
                                static_cast<std::int32_t>(reply->incomplete));
  } catch (const HttpError&) {
    // Scrape is optional: the announce already succeeded.
  }
}

asio::awaitable<void> TrackerAnnouncer::stop(std::chrono::milliseconds deadline) {
  if (stopped_) co_return;
  stopped_ = true;
  wake_.cancel();
  if (!started_sent_ || !working_url_) co_return;
  // Only the tracker that knows us hears `stopped`: one attempt, one deadline.
  tiers_ = {{*working_url_}};
  co_await announce(tracker::AnnounceRequest::Event::stopped, deadline);
}

}  // namespace lt::net
