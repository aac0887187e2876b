#include "net/tracker_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <ctime>
#include <map>
#include <random>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/hex.hpp"
#include "core/human_format.hpp"
#include "core/json_writer.hpp"
#include "core/magnet.hpp"
#include "core/metainfo.hpp"
#include "core/metainfo_magnet.hpp"
#include "core/swarm_registry.hpp"
#include "core/tracker_protocol.hpp"
#include "net/tracker_pages.hpp"
#include "net/tracker_writer.hpp"

namespace lt::net {
namespace asio = boost::asio;
using tracker::AnnounceError;
using tracker::AnnounceInput;
using tracker::AnnounceRequest;

namespace {

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Splits and percent-decodes the query. Not Boost.URL's parse_query: in Boost 1.81 its
// iterator reads past the end of the view for the last parameter (boostorg/url#757, fixed in
// 1.82), and a view into Beast's buffer is followed by " HTTP/1.1...", so the last value came
// out with extra bytes. core's percent_decode is fuzzed and bounded. nullopt on a bad escape.
std::optional<tracker::QueryParams> query_params(std::string_view target) {
  const auto q = target.find('?');
  tracker::QueryParams out;
  if (q == std::string_view::npos) return out;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

HttpResponse bencoded(std::string body) {
  return {200, "text/plain", std::move(body), {{"Cache-Control", "no-store"}}};
}

HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

struct RegisteredTorrent {
  std::string bytes;
  std::string name;
  std::int64_t total_size = 0;
  std::string magnet;
};

struct InfoHashHash {
  std::size_t operator()(const InfoHash& h) const noexcept {
    std::size_t v = 0;
    std::memcpy(&v, h.bytes.data(), sizeof v);  // already uniformly distributed
    return v;
  }
};

}  // namespace

struct TrackerServer::Impl {
  Impl(asio::io_context& io_context, TrackerOptions o)
      : io(io_context),
        options(std::move(o)),
        registry(registry_options(options), std::random_device{}()),
        timer(io_context),
        started_at(std::chrono::steady_clock::now()) {}

  static tracker::SwarmRegistry::Options registry_options(const TrackerOptions& o) {
    tracker::SwarmRegistry::Options r;
    r.announce_interval = o.announce_interval;
    r.min_interval = o.min_interval;
    r.peer_timeout = 2 * o.announce_interval + 60;  // two missed announces, then gone
    r.allow_list_only = o.allow_list;
    return r;
  }

  asio::io_context& io;
  TrackerOptions options;
  tracker::SwarmRegistry registry;
  std::unique_ptr<TrackerWriter> writer;
  std::unique_ptr<HttpServer> http;
  asio::steady_timer timer;
  std::chrono::steady_clock::time_point started_at;
  bool running = false;

  std::unordered_map<InfoHash, RegisteredTorrent, InfoHashHash> torrents;
  std::unordered_set<InfoHash, InfoHashHash> dirty_swarms;
  DirtyPeers dirty_peers;
  std::vector<store::StoredPeerKey> removed_peers;
  std::unordered_map<std::string, std::int64_t> last_full_scrape;

  std::vector<tracker::PeerOut> peers_out;  // reused by every announce
  tracker::AnnounceResponse response;       // reused by every announce
  std::uint64_t announces = 0;
  std::uint64_t scrapes = 0;
  double announce_rate = 0;
  double scrape_rate = 0;
  std::uint64_t announces_at_tick = 0;
  std::uint64_t scrapes_at_tick = 0;
  std::chrono::steady_clock::time_point last_tick = std::chrono::steady_clock::now();

  // ---- start-up ------------------------------------------------------------------------

  void open_store() {
    if (options.db_path.empty()) return;
    writer = std::make_unique<TrackerWriter>(options.db_path);
    if (writer->moved_aside()) {
      spdlog::warn(
          "tracker: the database {} was unreadable; it was moved to {} and a new one "
          "started",
          options.db_path.string(), writer->moved_aside()->string());
    }
    for (const store::StoredSwarm& s : writer->load_swarms()) {
      if (!s.metainfo.empty()) {
        try {
          add_torrent(s.metainfo, /*persist=*/false);
        } catch (const std::exception& e) {
          spdlog::warn("tracker: a stored torrent no longer loads: {}", e.what());
        }
      }
      tracker::SwarmSnapshot snap;
      snap.info_hash = s.info_hash;
      snap.name = s.name;
      snap.registered = s.registered;
      snap.downloaded = s.downloaded;
      snap.last_activity = unix_now();
      (void)registry.restore_swarm(snap);
    }
    std::vector<store::StoredPeer> peers = writer->load_peers();
    std::sort(peers.begin(), peers.end(),
              [](const auto& a, const auto& b) { return a.last_seen < b.last_seen; });
    for (const store::StoredPeer& p : peers) {
      tracker::PeerSnapshot snap;
      snap.info_hash = p.info_hash;
      snap.peer_id = p.peer_id;
      snap.endpoint.address = p.address;
      snap.endpoint.v6 = p.v6;
      snap.endpoint.port = p.port;
      snap.seeder = p.seeder;
      snap.completed = p.completed;
      snap.last_seen = p.last_seen;
      (void)registry.restore_peer(snap);
    }
    registry.expire(unix_now());
    const auto stats = registry.stats();
    spdlog::info("tracker: restored {} swarms and {} live peers", stats.swarms, stats.peers);
  }

  InfoHash add_torrent(const std::string& bytes, bool persist) {
    Metainfo m;
    try {
      m = parse_metainfo(bytes);
    } catch (const MetainfoError& e) {
      throw TrackerConfigError(e.what());
    }
    RegisteredTorrent t{bytes, m.name, m.total_size, magnet_uri_for(m)};
    (void)registry.register_swarm(m.info_hash, m.name, unix_now());
    torrents[m.info_hash] = std::move(t);
    if (persist) dirty_swarms.insert(m.info_hash);
    return m.info_hash;
  }

  // ---- periodic work -------------------------------------------------------------------

  asio::awaitable<void> tick_loop() {
    while (running) {
      timer.expires_after(options.flush_interval);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!running) break;
      tick();
    }
  }

  void tick() {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - last_tick).count();
    if (seconds > 0) {
      announce_rate = static_cast<double>(announces - announces_at_tick) / seconds;
      scrape_rate = static_cast<double>(scrapes - scrapes_at_tick) / seconds;
    }
    announces_at_tick = announces;
    scrapes_at_tick = scrapes;
    last_tick = now;
    registry.expire(unix_now());
    flush_batch();
  }

  void flush_batch() {
    if (!writer) return;
    TrackerBatch batch;
    for (const InfoHash& h : dirty_swarms) {
      const auto counts = registry.scrape(h);
      if (!counts) continue;
      store::StoredSwarm s;
      s.info_hash = h;
      s.name = std::string(counts->name);
      s.downloaded = counts->downloaded;
      s.registered = counts->registered;
      if (const auto it = torrents.find(h); it != torrents.end()) s.metainfo = it->second.bytes;
      batch.swarms.push_back(std::move(s));
    }
    dirty_swarms.clear();
    const std::size_t expected = dirty_peers.size();
    batch.peers = std::move(dirty_peers);  // O(1): the writer thread converts and frees it
    dirty_peers = {};
    dirty_peers.reserve(expected);  // about as many next time: no rehashing while it refills
    batch.removed_peers = std::move(removed_peers);
    removed_peers.clear();
    batch.expired_before = unix_now() - registry.options().peer_timeout;
    writer->submit(std::move(batch));
  }

  // ---- requests ------------------------------------------------------------------------

  HttpResponse handle(const HttpRequest& req) {
    const std::string_view path = path_of(req.target);
    if (req.method == "GET") {
      if (path == "/announce") return announce(req);
      if (path == "/scrape") return scrape(req);
      if (path == "/" || path == "/index.html") {
        return {200, "text/html; charset=utf-8", index_page(), {}};
      }
      if (path == "/stats.json") return {200, "application/json", stats_json(), {}};
      if (path.starts_with("/torrents/") && path.ends_with(".torrent")) return torrent_file(path);
      return text(404, "not found\n");
    }
    if (req.method == "POST" && path == "/torrents") return post_torrent(req);
    return text(405, "method not allowed\n");
  }

  HttpResponse announce(const HttpRequest& req) {
    ++announces;
    const auto params = query_params(req.target);
    if (!params) return bencoded(tracker::encode_failure("malformed query string"));
    auto parsed = tracker::parse_announce(*params);
    if (!parsed) return bencoded(tracker::encode_failure(parsed.error().reason));
    const AnnounceRequest& a = parsed.value();

    AnnounceInput in;
    in.info_hash = a.info_hash;
    in.peer_id = a.peer_id;
    in.left = a.left;
    in.numwant = a.numwant;
    in.event = static_cast<AnnounceInput::Event>(a.event);
    in.endpoint = endpoint_for(req.remote, a);

    tracker::SwarmCounts counts;
    const std::int64_t now = unix_now();
    const AnnounceError error = registry.announce(in, now, peers_out, counts);
    if (error != AnnounceError::none) {
      return bencoded(tracker::encode_failure(tracker::to_string(error)));
    }
    remember(in, now);

    response.interval = options.announce_interval;
    response.min_interval = options.min_interval;
    response.complete = counts.complete;
    response.incomplete = counts.incomplete;
    response.downloaded = counts.downloaded;
    response.peers.clear();
    for (const tracker::PeerOut& p : peers_out) {
      tracker::PeerEntry e;
      e.address.bytes = p.endpoint.address;
      e.address.v6 = p.endpoint.v6;
      e.port = p.endpoint.port;
      e.peer_id = p.peer_id;
      response.peers.push_back(e);
    }
    return bencoded(tracker::encode_announce(response, a.compact, a.no_peer_id));
  }

  // The peer's address is the connection's, unless it names another one and we trust it:
  // from loopback (a local proxy or test), or everywhere with --trust-ip-param.
  tracker::PeerEndpoint endpoint_for(const RemoteAddress& remote, const AnnounceRequest& a) const {
    tracker::PeerEndpoint e;
    e.address = remote.bytes;
    e.v6 = remote.v6;
    e.port = a.port;
    if (a.ip && (remote.loopback || options.trust_ip_param)) {
      if (const auto ip = tracker::parse_ip(*a.ip)) {
        const tracker::IpAddress plain = tracker::unmap_v4(*ip);
        e.address = plain.bytes;
        e.v6 = plain.v6;
      }
    }
    return e;
  }

  void remember(const AnnounceInput& in, std::int64_t now) {
    if (!writer) return;
    const store::StoredPeerKey id{in.info_hash, in.endpoint.address, in.endpoint.v6,
                                  in.endpoint.port};
    const PeerKey key = peer_key(id);
    if (in.event == AnnounceInput::Event::stopped) {
      dirty_peers.erase(key);
      removed_peers.push_back(id);
      return;
    }
    if (in.event == AnnounceInput::Event::completed) {
      dirty_swarms.insert(in.info_hash);
    }
    if (in.endpoint.port == 0) return;
    store::StoredPeer& p = dirty_peers[key];
    p.info_hash = in.info_hash;
    p.address = in.endpoint.address;
    p.v6 = in.endpoint.v6;
    p.port = in.endpoint.port;
    p.peer_id = in.peer_id;
    p.seeder = in.left == 0;
    // Sticky within a batch here and in the database (max()), like the registry's flag.
    p.completed = p.completed || in.event == AnnounceInput::Event::completed;
    p.last_seen = now;
  }

  HttpResponse scrape(const HttpRequest& req) {
    ++scrapes;
    const auto params = query_params(req.target);
    if (!params) return bencoded(tracker::encode_failure("malformed query string"));
    auto parsed = tracker::parse_scrape(*params);
    if (!parsed) return bencoded(tracker::encode_failure(parsed.error().reason));
    std::vector<tracker::ScrapeEntry> entries;
    if (parsed.value().full_scrape()) {
      // A full scrape walks every swarm: allowed, but not more often than the interval.
      const std::int64_t now = unix_now();
      auto& last = last_full_scrape[req.remote.text];
      if (last != 0 && now - last < options.full_scrape_interval.count()) {
        return bencoded(tracker::encode_failure("full scrape rate limited; try again later"));
      }
      last = now;
      if (last_full_scrape.size() > 65536) last_full_scrape.clear();  // bounded memory
      registry.for_each_swarm([&](const InfoHash& h, const tracker::SwarmCounts& c) {
        entries.push_back({h, c.complete, c.incomplete, c.downloaded, std::string(c.name)});
      });
    } else {
      for (const InfoHash& h : parsed.value().info_hashes) {
        const auto c = registry.scrape(h);
        if (c) {
          entries.push_back({h, c->complete, c->incomplete, c->downloaded, std::string(c->name)});
        } else if (!options.allow_list) {
          entries.push_back({h, 0, 0, 0, {}});
        }
      }
    }
    return bencoded(tracker::encode_scrape(entries));
  }

  HttpResponse post_torrent(const HttpRequest& req) {
    if (req.body.size() > options.max_torrent_bytes) return text(413, "torrent too large\n");
    try {
      const InfoHash h = add_torrent(std::string(req.body), /*persist=*/true);
      JsonWriter j;
      j.begin_object();
      j.field("info_hash", h.hex());
      j.field("name", torrents[h].name);
      j.field("magnet", torrents[h].magnet);
      j.end_object();
      return {201,
              "application/json",
              j.str() + "\n",
              {{"Location", "/torrents/" + h.hex() + ".torrent"}}};
    } catch (const TrackerConfigError& e) {
      return text(400, std::string("invalid torrent: ") + e.what() + "\n");
    }
  }

  HttpResponse torrent_file(std::string_view path) {
    const std::string_view hex = path.substr(10, path.size() - 10 - 8);
    const auto h = Sha1Digest::from_hex(hex);
    if (!h) return text(404, "not found\n");
    const auto it = torrents.find(*h);
    if (it == torrents.end()) return text(404, "not found\n");
    return {200,
            "application/x-bittorrent",
            it->second.bytes,
            {{"Content-Disposition", "attachment; filename=\"" + h->hex() + ".torrent\""}}};
  }

  std::vector<SwarmRow> swarm_rows() const {
    std::vector<SwarmRow> rows;
    registry.for_each_swarm([&](const InfoHash& h, const tracker::SwarmCounts& c) {
      SwarmRow r;
      r.info_hash = h.hex();
      r.name = std::string(c.name);
      r.seeders = c.complete;
      r.leechers = c.incomplete;
      r.completed = c.downloaded;
      r.last_activity = c.last_activity;
      if (const auto it = torrents.find(h); it != torrents.end()) {
        r.total_size = it->second.total_size;
        r.magnet = it->second.magnet;
        r.has_torrent = true;
      }
      rows.push_back(std::move(r));
    });
    std::sort(rows.begin(), rows.end(), [](const SwarmRow& a, const SwarmRow& b) {
      return std::tie(b.last_activity, a.info_hash) < std::tie(a.last_activity, b.info_hash);
    });
    return rows;
  }

  std::string index_page() const { return render_index_page(swarm_rows(), status(), unix_now()); }
  std::string stats_json() const { return render_stats_json(swarm_rows(), status()); }

  TrackerStatus status() const {
    TrackerStatus s;
    const auto r = registry.stats();
    s.port = http ? http->port() : 0;
    s.swarms = r.swarms;
    s.peers = r.peers;
    s.seeders = r.seeders;
    s.leechers = r.leechers;
    s.announces = announces;
    s.scrapes = scrapes;
    s.announces_per_second = announce_rate;
    s.scrapes_per_second = scrape_rate;
    s.open_connections = http ? http->open_connections() : 0;
    s.uptime_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::steady_clock::now() - started_at)
                           .count();
    return s;
  }
};

TrackerServer::TrackerServer(asio::io_context& io, TrackerOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {
  impl_->open_store();
}

TrackerServer::~TrackerServer() {
  stop();
}

std::string TrackerServer::register_torrent(const std::string& torrent_bytes) {
  return impl_->add_torrent(torrent_bytes, /*persist=*/true).hex();
}

void TrackerServer::start() {
  Impl& s = *impl_;
  HttpServerOptions http = s.options.http;
  http.body_limit = s.options.max_torrent_bytes + 1;
  s.http =
      std::make_unique<HttpServer>(s.io, http, [&s](const HttpRequest& r) { return s.handle(r); });
  s.http->start();
  s.running = true;
  asio::co_spawn(s.io, s.tick_loop(), asio::detached);
}

void TrackerServer::stop() {
  if (!impl_) return;
  Impl& s = *impl_;
  if (s.http) s.http->stop();
  if (s.running) {
    s.running = false;
    s.timer.cancel();
  }
  s.flush_batch();
  if (s.writer) s.writer->flush();
}

TrackerStatus TrackerServer::status() const {
  return impl_->status();
}
std::uint16_t TrackerServer::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

}  // namespace lt::net
