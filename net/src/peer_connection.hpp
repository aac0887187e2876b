#pragma once
// One BitTorrent peer connection (BEP 3, 6, 10): the handshake, then one reader and one writer
// coroutine over a TCP socket. Lives on the network thread only; the Torrent owns it.
//
// - The reader reads large chunks into a FrameSplitter, decodes and validates every message
//   against the torrent's geometry, and reacts; protocol violations close the connection with
//   the reason in the log.
// - The writer drains an outgoing byte queue (control messages, requests) and the peer's upload
//   queue: blocks are read in batches on the disk pool and sent with gather writes.
// - Timeouts are driven by Torrent::tick (once a second): silent peers are dropped, keep-alives
//   sent, snubbing detected. The connect and handshake phase has its own deadline.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bitfield.hpp"
#include "core/engine_events.hpp"
#include "core/peer_id.hpp"
#include "core/peer_wire.hpp"
#include "core/piece_picker.hpp"
#include "core/rate_meter.hpp"
#include "core/tracker_client_protocol.hpp"

namespace lt::net {

class Torrent;

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  using Clock = std::chrono::steady_clock;
  using tcp = boost::asio::ip::tcp;
  // Connect plus handshake, and the listener's wait for an incoming peer's handshake.
  static constexpr std::chrono::seconds kHandshakeTimeout{10};

  PeerConnection(std::shared_ptr<Torrent> torrent, tcp::socket socket, PeerKey key,
                 tracker::PeerAddress address, engine::PeerSource source);

  // Outgoing: connect to address(), exchange handshakes. Incoming: the listener already read
  // and matched the peer's handshake.
  void start_outgoing();
  void start_incoming(const wire::Handshake& theirs);
  // Closes the socket; the coroutines end and the torrent forgets the peer. Idempotent.
  void close(const std::string& reason);

  // ---- Called by the Torrent ----
  void tick(Clock::time_point now);
  void set_choking(bool choke);
  void send_have(PieceIndex piece);
  void send_cancel(const BlockRequest& block);
  // Interest follows what the peer has that we still want; recomputed after our pieces change.
  void update_interest();
  // Ask for more blocks if the pipeline has room.
  void request_more();
  void on_we_completed();

  [[nodiscard]] PeerKey key() const noexcept { return key_; }
  [[nodiscard]] const tracker::PeerAddress& address() const noexcept { return address_; }
  [[nodiscard]] bool handshaked() const noexcept { return handshaked_; }
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] bool incoming() const noexcept { return source_ == engine::PeerSource::incoming; }
  [[nodiscard]] const PeerId& peer_id() const noexcept { return peer_id_; }
  [[nodiscard]] bool am_choking() const noexcept { return am_choking_; }
  [[nodiscard]] bool peer_interested() const noexcept { return peer_interested_; }
  [[nodiscard]] bool is_seed() const noexcept { return peer_has_.size() > 0 && peer_has_.all(); }
  [[nodiscard]] bool snubbed() const noexcept { return snubbed_; }
  [[nodiscard]] double download_rate(Clock::time_point now) const { return down_.rate(now); }
  [[nodiscard]] double upload_rate(Clock::time_point now) const { return up_.rate(now); }
  [[nodiscard]] Clock::time_point connected_at() const noexcept { return connected_at_; }
  [[nodiscard]] std::uint16_t listen_port() const noexcept { return listen_port_; }
  [[nodiscard]] engine::PeerInfo info(Clock::time_point now) const;
  [[nodiscard]] std::string describe() const;

 private:
  // Runs `work` on the connection's executor; an escaped exception closes the connection.
  void spawn(boost::asio::awaitable<void> work, const char* what);
  boost::asio::awaitable<void> run_outgoing();
  boost::asio::awaitable<void> run_incoming(wire::Handshake theirs);
  boost::asio::awaitable<void> run_session();
  boost::asio::awaitable<void> read_loop();
  boost::asio::awaitable<void> write_loop();
  bool accept_handshake(const wire::Handshake& theirs);
  void send_opening_messages();
  // Returns false when the connection must close (reason already given to close()).
  bool handle(const wire::Message& message);
  bool on_bitfield(const wire::Bitfield& m);
  bool on_have(PieceIndex piece);
  bool on_request(const BlockRequest& block);
  bool on_piece(const wire::Piece& m);
  bool on_reject(const BlockRequest& block);
  bool on_extended(const wire::Extended& m);
  void on_peer_choked();
  void queue(const wire::Message& m);
  void wake_writer();
  [[nodiscard]] std::int32_t pipeline_target(Clock::time_point now) const;
  bool replace_have_state(Bitfield bits, bool all);

  std::shared_ptr<Torrent> torrent_;
  tcp::socket socket_;
  PeerKey key_;
  tracker::PeerAddress address_;
  engine::PeerSource source_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer throttle_;  // the reader waits here for the download budget

  bool handshaked_ = false;
  bool closed_ = false;
  bool fast_ = false;          // both sides support BEP 6
  bool extended_ = false;      // both sides support BEP 10
  bool peer_has_all_ = false;  // counted once in the picker, not per piece
  bool am_choking_ = true;
  bool am_interested_ = false;
  bool peer_choking_ = true;
  bool peer_interested_ = false;
  bool snubbed_ = false;
  PeerId peer_id_{};
  std::string client_;
  std::uint16_t listen_port_ = 0;
  std::int32_t peer_reqq_ = 250;
  Bitfield peer_has_;
  std::set<PieceIndex> allowed_fast_;  // pieces the peer lets us request while choked

  // Our requests to the peer, in the order sent.
  std::deque<BlockRequest> outstanding_;
  // Requests we cancelled whose blocks may still arrive (not counted as unsolicited).
  std::deque<BlockRequest> cancelled_;
  Clock::time_point last_block_at_;
  // The peer's requests to us, not yet served.
  std::deque<BlockRequest> upload_queue_;
  std::vector<std::uint8_t> send_buffer_;
  bool write_in_progress_ = false;

  wire::FrameSplitter splitter_;
  RateMeter down_;
  RateMeter up_;
  std::int64_t downloaded_ = 0;  // payload
  std::int64_t uploaded_ = 0;
  Clock::time_point connected_at_;
  Clock::time_point last_received_;
  Clock::time_point last_sent_;
  Clock::time_point last_choked_by_peer_;
  int unsolicited_blocks_ = 0;
  int choked_requests_ = 0;
};

}  // namespace lt::net
