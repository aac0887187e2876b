#pragma once
// Everything the network thread owns: the torrents, the peer listener, the disk pool, our peer
// id, and the outgoing event stream. Engine (engine.cpp) runs it on its thread and feeds it
// commands; nothing here is touched from another thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/engine_commands.hpp"
#include "core/engine_events.hpp"
#include "core/peer_id.hpp"
#include "core/queue_policy.hpp"
#include "core/token_bucket.hpp"
#include "disk_pool.hpp"
#include "net/engine.hpp"
#include "net/instance_lock.hpp"
#include "store/client_store.hpp"

namespace lt::net {

class Torrent;
enum class Hold : std::uint8_t;

class Session {
 public:
  using Clock = std::chrono::steady_clock;

  Session(boost::asio::io_context& io, EngineSettings settings,
          std::function<void(engine::Event)> emit);
  ~Session();

  void start();
  void handle(engine::Command command);
  // Stops every torrent (bounded), closes the listeners; `done` runs when finished.
  boost::asio::awaitable<void> shutdown();

  [[nodiscard]] boost::asio::io_context& io() noexcept { return io_; }
  [[nodiscard]] DiskPool& disk() noexcept { return disk_; }
  [[nodiscard]] const PeerId& peer_id() const noexcept { return peer_id_; }
  // A seed for a torrent's picker, choker or announcer: one std::random_device read per
  // session, not three per torrent (each costs ~20 us on a VM; 1,000 torrents at start-up).
  [[nodiscard]] std::uint64_t next_seed() noexcept;
  [[nodiscard]] std::uint16_t listen_port() const noexcept { return listen_port_; }
  [[nodiscard]] const EngineSettings& settings() const noexcept { return settings_; }
  // The client database, or nullptr when persistence is off.
  [[nodiscard]] store::ClientStore* store() noexcept { return store_.get(); }
  void emit(engine::Event event) { emit_(std::move(event)); }
  // A torrent's state changed in a way worth telling now: a status delta goes out at once
  // rather than at the next 250 ms tick (a finished download should not wait for it).
  void mark_changed();
  // False once the global connection limit is reached (EngineSettings::max_connections).
  [[nodiscard]] bool can_open_connection() const;
  // The global rate limits; every peer also obeys its torrent's.
  [[nodiscard]] TokenBucket& upload_bucket() noexcept { return global_upload_; }
  [[nodiscard]] TokenBucket& download_bucket() noexcept { return global_download_; }

 private:
  void add_torrent(engine::AddTorrent command);
  // Starts every torrent the database holds, each in its stored state.
  void restore_torrents();
  // Settings: the EngineSettings values that were given win and are stored; else the stored.
  void load_settings();
  void store_setting(std::string_view key, std::int64_t value);
  void emit_settings();
  void resume(const std::shared_ptr<Torrent>& torrent);
  void stop(const std::shared_ptr<Torrent>& torrent);
  void remove(const std::shared_ptr<Torrent>& torrent, bool delete_data);
  void recheck(const std::shared_ptr<Torrent>& torrent);
  void set_queue_position(const std::shared_ptr<Torrent>& torrent, int position);
  // Ends `old`'s run and puts a fresh, idle object in its place (see torrent.hpp). It adopts the
  // pieces `old` had verified on disk unless it must check everything again.
  // `old` by value: callers often pass the map's own element, which this reassigns.
  std::shared_ptr<Torrent> replace(std::shared_ptr<Torrent> old, Hold hold, bool recheck,
                                   bool recheck_then_stop = false);
  boost::asio::awaitable<void> retire(std::shared_ptr<Torrent> old, std::shared_ptr<Torrent> fresh,
                                      bool adopt);
  // Starts and queues torrents by the queue limits (core/queue_policy.hpp); also resumes
  // torrents that failed for lack of space once there is room again.
  void update_queue();
  void retry_when_space_returns();
  // Writes the torrents' rows and peers that changed since the last save, in one transaction.
  void save_rows();
  std::shared_ptr<Torrent> find(const InfoHash& hash);
  void open_listeners();
  boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor);
  boost::asio::awaitable<void> handle_incoming(boost::asio::ip::tcp::socket socket);
  boost::asio::awaitable<void> status_loop();
  boost::asio::awaitable<void> save_loop();
  void open_store();
  void send_status(bool everything);

  boost::asio::io_context& io_;
  EngineSettings settings_;
  std::function<void(engine::Event)> emit_;
  DiskPool disk_;
  PeerId peer_id_;
  std::uint16_t listen_port_ = 0;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::optional<InstanceLock> lock_;  // held while the database is ours
  std::unique_ptr<store::ClientStore> store_;
  std::map<InfoHash, store::StoredTorrent> saved_rows_;  // as last written
  std::vector<std::shared_ptr<Torrent>> retiring_;       // replaced, still shutting down
  TokenBucket global_upload_;
  TokenBucket global_download_;
  QueueLimits queue_limits_;
  int queue_counter_ = 0;
  int space_counter_ = 0;
  boost::asio::steady_timer save_timer_;
  std::uint64_t seed_state_ = 0;  // splitmix64 state for the torrents' random seeds
  std::map<InfoHash, std::shared_ptr<Torrent>> torrents_;
  std::map<InfoHash, engine::TorrentStatus> last_sent_;
  std::optional<InfoHash> selected_;
  engine::PeerSnapshot last_peers_;  // as last sent for the selected torrent
  engine::PieceSnapshot last_pieces_;
  bool force_snapshots_ = false;
  boost::asio::steady_timer status_timer_;
  bool force_status_ = false;
  bool status_posted_ = false;
  bool stopping_ = false;
  int snapshot_counter_ = 0;
};

}  // namespace lt::net
