#pragma once
// The HTTP tracker as a component: `liketorrent tracker` runs it alone, the GUI will start and
// stop it from a menu. It serves /announce and /scrape (BEP 3, 7, 23, 48), an HTML index at /,
// /stats.json, POST /torrents (register a .torrent) and GET /torrents/<hex>.torrent, over
// http_server. All state lives on the io_context's thread; the database is written by a
// separate writer thread from batches, so no request waits on SQLite.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "net/http_server.hpp"

namespace boost::asio {
class io_context;
}

namespace lt::net {

struct TrackerOptions {
  HttpServerOptions http;
  std::filesystem::path db_path;  // empty: no persistence
  bool allow_list = false;        // only registered torrents are tracked
  bool trust_ip_param = false;    // honour `ip=` from any client, not only from loopback
  int announce_interval = 1800;
  int min_interval = 900;
  std::chrono::milliseconds flush_interval{5000};    // expiry + database batch
  std::size_t max_torrent_bytes = 10 * 1024 * 1024;  // POST /torrents body cap
  std::chrono::seconds full_scrape_interval{10};     // per client address
};

struct TrackerStatus {
  std::uint16_t port = 0;
  std::size_t swarms = 0;
  std::size_t peers = 0;
  std::size_t seeders = 0;
  std::size_t leechers = 0;
  std::uint64_t announces = 0;
  std::uint64_t scrapes = 0;
  double announces_per_second = 0;
  double scrapes_per_second = 0;
  std::size_t open_connections = 0;
  std::int64_t uptime_seconds = 0;
};

// Thrown for configuration the user must fix (an invalid --register file): CLI exit code 2.
class TrackerConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TrackerServer {
 public:
  // Opens the database (a corrupt one is moved aside with a warning) and restores swarms,
  // counters and live peers. Throws store::DatabaseError or std::runtime_error.
  TrackerServer(boost::asio::io_context& io, TrackerOptions options);
  ~TrackerServer();
  TrackerServer(const TrackerServer&) = delete;
  TrackerServer& operator=(const TrackerServer&) = delete;

  // Registers a .torrent (what POST /torrents and --register do). Returns the info-hash hex.
  // Throws TrackerConfigError when the bytes are not a valid torrent.
  std::string register_torrent(const std::string& torrent_bytes);

  void start();  // listen; throws std::runtime_error when no address can be bound
  void stop();   // stop listening, close connections, write the last batch

  [[nodiscard]] TrackerStatus status() const;
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lt::net
