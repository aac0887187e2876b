#pragma once
// One torrent on the network thread: its metainfo, storage, piece picker, peers, choker and
// tracker announcer. Peers call into it for everything shared (picking, blocks, blame); the
// Session drives it (start, stop, status, snapshots) and routes incoming connections to it.
//
// Pieces are assembled in memory: blocks of a piece are copied into one buffer as they arrive;
// when the last one lands, the disk pool hashes the buffer and, if it matches, writes the whole
// piece. A piece therefore becomes "have" only after it verified and its bytes were written, and
// corrupt data never reaches the files. The number of pieces in memory is bounded by the
// picker, which finishes started pieces first.
//
// Lifecycle: an object runs at most once (start() -> run() -> shutdown()). Stop, queueing,
// Recheck and resuming after an error end the running object and put a fresh one in its place
// (Session::replace), which adopts the pieces its predecessor had on disk. An object that has
// not started is idle: held as stopped or queued, or paused by the user, with the pieces the
// database recorded shown in its status. Pause keeps the object running: connections close,
// but the peers met, bans and the tracker schedule stay, and resuming is immediate.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bitfield.hpp"
#include "core/choker.hpp"
#include "core/engine_commands.hpp"
#include "core/engine_events.hpp"
#include "core/metainfo.hpp"
#include "core/peer_id.hpp"
#include "core/peer_wire.hpp"
#include "core/piece_geometry.hpp"
#include "core/piece_picker.hpp"
#include "core/queue_policy.hpp"
#include "core/rate_meter.hpp"
#include "core/smart_ban.hpp"
#include "core/token_bucket.hpp"
#include "core/tracker_client_protocol.hpp"
#include "net/torrent_storage.hpp"
#include "store/client_store.hpp"

namespace lt::net {

class Session;
class PeerConnection;
class TrackerAnnouncer;

struct TorrentSettings {
  int max_peers = 50;    // connected or connecting
  int upload_slots = 8;  // unchoked peers at once (<= 0: unlimited)
};

// Why an idle (not started) torrent waits.
enum class Hold : std::uint8_t { none, stopped, queued };

class Torrent : public std::enable_shared_from_this<Torrent> {
 public:
  using Clock = std::chrono::steady_clock;

  // `row`: the database row this torrent continues (totals, times, queue position, limits,
  // paused), or nullptr for a torrent new to the database.
  Torrent(Session& session, Metainfo meta, engine::AddTorrent options,
          const store::StoredTorrent* row = nullptr);
  ~Torrent();

  // ---- Lifecycle ----
  // Runs the torrent: now, or once predecessor_done() when wait_for_predecessor() was called.
  // At most once per object.
  void start();
  [[nodiscard]] bool started() const noexcept { return started_; }
  // Idle objects only: what the torrent waits for (state stopped or queued).
  void hold(Hold why);
  [[nodiscard]] Hold held() const noexcept { return hold_; }
  // The object this one replaces is still shutting down: start() waits for it.
  void wait_for_predecessor() { predecessor_running_ = true; }
  // The predecessor finished; `have` (may be null) is what it had on disk, believed without a
  // check.
  void predecessor_done(const Bitfield* have);
  // Check every piece at start even when the database's record matches the files; with
  // `then_stop`, stop after the check instead of transferring.
  void force_recheck(bool then_stop);
  // For the queue: the user (or an error) holds it back when false.
  [[nodiscard]] bool wants_to_run() const noexcept;
  [[nodiscard]] bool stalled() const noexcept { return stall_.stalled(); }
  [[nodiscard]] bool user_paused() const noexcept { return paused_; }
  // run() has decided which pieces are on disk (checked, or the database's record matched).
  [[nodiscard]] bool verified() const noexcept { return verified_; }
  [[nodiscard]] const std::vector<Priority>& file_priorities() const noexcept {
    return file_priorities_;
  }
  // Error from a full disk: Session resumes the torrent once there is room again.
  [[nodiscard]] bool failed_for_space() const noexcept {
    return state_ == TorrentState::error && disk_full_;
  }
  // Removed from the database: nothing more is written there for it.
  void forget_store() noexcept { forgotten_ = true; }
  // After shutdown(): deletes the torrent's files (Remove with data).
  boost::asio::awaitable<void> delete_data();
  [[nodiscard]] const engine::AddTorrent& options() const noexcept { return options_; }
  [[nodiscard]] int queue_position() const noexcept { return queue_position_; }
  void set_queue_position(int position);
  void set_rate_limit(std::int64_t upload, std::int64_t download);
  [[nodiscard]] TokenBucket& upload_bucket() noexcept { return upload_limit_; }
  [[nodiscard]] TokenBucket& download_bucket() noexcept { return download_limit_; }
  // Disconnects everyone and announces `stopped` (bounded by the announcer's deadline).
  boost::asio::awaitable<void> shutdown();

  // ---- Identity and state ----
  [[nodiscard]] const InfoHash& info_hash() const noexcept { return meta_.info_hash; }
  [[nodiscard]] const Metainfo& meta() const noexcept { return meta_; }
  [[nodiscard]] const PieceGeometry& geometry() const noexcept { return geometry_; }
  [[nodiscard]] PiecePicker& picker() noexcept { return picker_; }
  [[nodiscard]] TorrentState state() const noexcept { return state_; }
  [[nodiscard]] bool transferring() const noexcept {
    return state_ == TorrentState::downloading || state_ == TorrentState::seeding;
  }
  [[nodiscard]] bool complete() const noexcept { return picker_.wanted_complete(); }
  [[nodiscard]] Session& session() noexcept { return session_; }
  [[nodiscard]] engine::TorrentStatus status(Clock::time_point now) const;
  [[nodiscard]] engine::PeerSnapshot peer_snapshot(Clock::time_point now) const;
  [[nodiscard]] engine::PieceSnapshot piece_snapshot() const;

  // ---- Peers (called by PeerConnection and the listener) ----
  void add_peer_candidates(const std::vector<tracker::PeerAddress>& peers,
                           engine::PeerSource source);
  void accept_incoming(boost::asio::ip::tcp::socket socket, const wire::Handshake& theirs);
  // After the handshake: false when the peer must be dropped (ourselves, a second connection
  // to the same peer, banned, or both sides complete).
  [[nodiscard]] bool admit(PeerConnection& peer, std::string& reason);
  void on_peer_closed(PeerConnection& peer);
  void on_peer_interested(PeerConnection& peer);
  // A validated block for one of our requests. Returns false when the peer must be dropped.
  bool on_block(PeerConnection& peer, const BlockRequest& block,
                std::span<const std::uint8_t> data);
  // Reads blocks for upload on the disk pool; an empty vector when the data cannot be read.
  boost::asio::awaitable<std::vector<std::vector<std::uint8_t>>> read_blocks(
      std::vector<BlockRequest> blocks);
  void count_upload(std::int64_t bytes);
  void count_download(std::int64_t bytes);
  void count_wasted(std::int64_t bytes) { wasted_ += bytes; }
  [[nodiscard]] bool is_banned(const tracker::PeerAddress& address, const PeerId& id) const;
  [[nodiscard]] int unchoked_count() const;
  [[nodiscard]] int connection_count() const noexcept { return static_cast<int>(peers_.size()); }
  [[nodiscard]] const TorrentSettings& settings() const noexcept { return settings_; }
  // True while more verified-but-unwritten pieces wait for the disk than the memory budget
  // allows: peers then stop asking for new blocks until the disk catches up.
  [[nodiscard]] bool disk_backlogged() const noexcept {
    return pieces_verifying_ >= max_pieces_verifying_;
  }

  // ---- Announcer ----
  struct AnnounceNumbers {
    std::int64_t uploaded = 0;
    std::int64_t downloaded = 0;
    std::int64_t left = 0;
  };
  [[nodiscard]] AnnounceNumbers announce_numbers() const;
  void set_tracker_status(std::string text, std::int32_t seeds, std::int32_t leechers);
  // The announcer asks for peers more often while we have few.
  [[nodiscard]] bool wants_more_peers() const;

  // ---- Persistence ----
  // Flushes the files, then records in the database the pieces that were written before the
  // flush, with the files' sizes and mtimes (so a restart believes exactly what is on disk).
  // No-op without a database or when nothing changed since the last save.
  boost::asio::awaitable<void> save_resume(bool force = false);
  // The database row as it should be now (no metainfo: update_torrent() keeps the stored one).
  [[nodiscard]] store::StoredTorrent stored_row() const;
  // The peers met (with this session's counts added) when they changed since the last call.
  [[nodiscard]] std::optional<std::vector<store::StoredTorrentPeer>> peers_to_save();

  // ---- Commands ----
  void pause();
  // Ends a pause of a running torrent (an idle one is started by the Session's queue).
  void unpause();
  void set_file_priority(FileIndex file, Priority priority);
  void set_sequential(bool on);
  void reannounce();

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> check_existing_data();
  // True when the stored bitfield can be believed: same piece count, and every file that has
  // pieces recorded is on disk with the size and mtime stored with them.
  [[nodiscard]] bool resume_matches_disk() const;
  // The first file that had pieces recorded and is gone, and how many such files; nullopt when
  // none is missing.
  [[nodiscard]] std::optional<std::pair<std::string, int>> missing_recorded_files() const;
  void record_in_store(const store::StoredTorrent* row);
  void load_resume_into_picker();
  void reset_picker();
  void load_known_peers();
  void remember_peer(const PeerConnection& peer, bool closing);
  boost::asio::awaitable<void> check_worker(std::shared_ptr<std::int32_t> next);
  boost::asio::awaitable<void> verify_and_write(PieceIndex piece, std::vector<std::uint8_t> data,
                                                std::vector<PeerKey> block_senders);
  void tick(Clock::time_point now);
  void run_choker(Clock::time_point now);
  void connect_to_candidates(Clock::time_point now);
  void on_piece_passed(PieceIndex piece);
  void ban(PeerKey key, const char* why);
  void become_complete();
  void fail(const std::string& message);
  void apply_file_priorities();
  void set_state(TorrentState state);

  struct PartialPiece {
    std::vector<std::uint8_t> data;
    std::vector<PeerKey> block_senders;  // who sent each block (for SmartBan)
  };
  struct Candidate {
    engine::PeerSource source = engine::PeerSource::tracker;
    Clock::time_point next_attempt{};
    int failures = 0;
  };
  struct PeerRecord {
    tracker::PeerAddress address;
    PeerId peer_id{};
  };

  Session& session_;
  Metainfo meta_;
  engine::AddTorrent options_;
  PieceGeometry geometry_;
  TorrentSettings settings_;
  std::shared_ptr<TorrentStorage> storage_;
  PiecePicker picker_;
  Choker choker_;
  std::vector<Priority> file_priorities_;
  TorrentState state_ = TorrentState::checking;
  std::string error_;
  std::string tracker_status_;
  std::int32_t swarm_seeds_ = -1;
  std::int32_t swarm_leechers_ = -1;
  bool paused_ = false;
  bool stopping_ = false;
  bool started_ = false;
  bool verified_ = false;   // run() has decided which pieces are on disk
  bool forgotten_ = false;  // removed from the database
  bool start_requested_ = false;
  bool predecessor_running_ = false;
  bool adopted_have_ = false;
  bool force_recheck_ = false;
  bool stop_after_check_ = false;
  bool disk_full_ = false;
  Hold hold_ = Hold::none;
  int queue_position_ = 0;
  std::int64_t added_at_ = 0;         // Unix seconds
  std::int64_t completed_at_ = 0;     // Unix seconds, 0 = not yet
  std::int64_t base_downloaded_ = 0;  // totals of earlier sessions
  std::int64_t base_uploaded_ = 0;
  std::int64_t active_seconds_ = 0;  // all sessions
  std::int64_t seeding_seconds_ = 0;
  TokenBucket upload_limit_;
  TokenBucket download_limit_;
  StallDetector stall_;
  // Peers met, by address (their listen address), with totals over all sessions.
  std::map<tracker::PeerAddress, store::StoredTorrentPeer,
           bool (*)(const tracker::PeerAddress&, const tracker::PeerAddress&)>
      met_;
  bool met_changed_ = false;
  bool was_complete_at_start_ = false;
  std::int64_t checked_bytes_ = 0;

  std::vector<std::shared_ptr<PeerConnection>> peers_;
  PeerKey next_key_ = 1;
  std::map<tracker::PeerAddress, Candidate,
           bool (*)(const tracker::PeerAddress&, const tracker::PeerAddress&)>
      candidates_;
  std::unordered_map<PeerKey, PeerRecord> records_;
  SmartBan smart_ban_;
  std::set<std::string> banned_;  // "ip" (or "ip:port" on loopback) and peer ids as hex
  std::unordered_map<std::int32_t, PartialPiece> partial_;
  int pieces_verifying_ = 0;
  int max_pieces_verifying_ = 4;
  // Piece buffers given back after their piece was written, reused for the next pieces: a fresh
  // 1 MiB allocation per piece costs an mmap, 256 page faults and zeroing every time.
  std::vector<std::vector<std::uint8_t>> spare_buffers_;
  std::optional<store::StoredPieces> resume_;  // what the database held at start
  std::int32_t saved_have_ = -1;               // pieces in the last save
  bool saving_ = false;

  RateMeter down_;
  RateMeter up_;
  std::int64_t downloaded_ = 0;
  std::int64_t uploaded_ = 0;
  std::int64_t wasted_ = 0;
  std::int64_t done_at_start_ = 0;
  int choker_rounds_ = 0;
  Clock::time_point last_choke_;
  std::unique_ptr<TrackerAnnouncer> announcer_;
  boost::asio::steady_timer tick_timer_;
};

}  // namespace lt::net
