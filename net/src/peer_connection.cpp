#include "peer_connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/extension_handshake.hpp"
#include "peer_address.hpp"
#include "session.hpp"
#include "torrent.hpp"
#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::chrono::seconds kSilenceLimit{180};    // no byte at all for this long: drop
constexpr std::chrono::seconds kKeepAliveEvery{110};  // under the usual 2-minute limit
constexpr std::chrono::seconds kSnubAfter{30};        // requested blocks, none arrived
constexpr std::size_t kReadChunk = 256 * 1024;
constexpr std::size_t kLimitedChunk = 16 * 1024;  // reads while a download limit applies
constexpr std::size_t kMaxUploadQueue = 500;      // what we advertise as reqq
constexpr int kMaxChokedRequests = 1000;          // requests after our choke before it is abuse
constexpr std::size_t kUploadBatch = 32;          // blocks read per disk job (512 KiB)
constexpr std::size_t kMaxCancelledRemembered = 1024;
constexpr std::size_t kMaxAllowedFast = 64;
constexpr std::int32_t kMinPipeline = 32;
constexpr std::int32_t kMaxPipeline = 1000;

const std::string kClientName = std::string("Like-Torrent ") + LT_VERSION;

template <typename Container>
bool erase_one(Container& c, const BlockRequest& b) {
  const auto it = std::find(c.begin(), c.end(), b);
  if (it == c.end()) return false;
  c.erase(it);
  return true;
}

}  // namespace

PeerConnection::PeerConnection(std::shared_ptr<Torrent> torrent, tcp::socket socket, PeerKey key,
                               tracker::PeerAddress address, engine::PeerSource source)
    : torrent_(std::move(torrent)),
      socket_(std::move(socket)),
      key_(key),
      address_(address),
      source_(source),
      writer_wake_(socket_.get_executor()),
      throttle_(socket_.get_executor()),
      peer_has_(torrent_->geometry().num_pieces()) {
  const auto now = Clock::now();
  connected_at_ = last_received_ = last_sent_ = last_block_at_ = now;
}

std::string PeerConnection::describe() const {
  return to_string(address_) + (client_.empty() ? "" : " (" + client_ + ")");
}

void PeerConnection::spawn(asio::awaitable<void> work, const char* what) {
  asio::co_spawn(socket_.get_executor(), std::move(work),
                 [self = shared_from_this(), what](const std::exception_ptr& error) {
                   if (!error) return;
                   try {
                     std::rethrow_exception(error);
                   } catch (const std::exception& e) {
                     self->close(std::string(what) + " failed: " + e.what());
                   }
                 });
}

void PeerConnection::start_outgoing() {
  spawn(run_outgoing(), "connection");
}

void PeerConnection::start_incoming(const wire::Handshake& theirs) {
  spawn(run_incoming(theirs), "connection");
}

asio::awaitable<void> PeerConnection::run_outgoing() {
  asio::steady_timer deadline(socket_.get_executor(), kHandshakeTimeout);
  {
    auto result = co_await (socket_.async_connect(to_endpoint(address_), kUseTuple) ||
                            deadline.async_wait(kUseTuple));
    if (result.index() == 1) {
      close("connect timed out");
      co_return;
    }
    if (auto [ec] = std::get<0>(result); ec) {
      close("connect failed: " + ec.message());
      co_return;
    }
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  const auto ours = wire::encode_handshake(
      wire::Handshake::ours(torrent_->info_hash(), torrent_->session().peer_id()));
  std::array<std::uint8_t, wire::kHandshakeLength> theirs_bytes{};
  {
    auto sent = co_await (asio::async_write(socket_, asio::buffer(ours), kUseTuple) ||
                          deadline.async_wait(kUseTuple));
    if (sent.index() == 1 || std::get<0>(std::get<0>(sent))) {
      close(sent.index() == 1 ? "handshake timed out" : "handshake failed: connection closed");
      co_return;
    }
    auto got = co_await (asio::async_read(socket_, asio::buffer(theirs_bytes), kUseTuple) ||
                         deadline.async_wait(kUseTuple));
    if (got.index() == 1 || std::get<0>(std::get<0>(got))) {
      close(got.index() == 1 ? "handshake timed out" : "handshake failed: connection closed");
      co_return;
    }
  }
  const ParseResult<wire::Handshake> theirs = wire::decode_handshake(theirs_bytes);
  if (!theirs) {
    close(theirs.error().reason);
    co_return;
  }
  if (theirs->info_hash != torrent_->info_hash()) {
    close("wrong info-hash in the handshake");
    co_return;
  }
  if (!accept_handshake(theirs.value())) co_return;
  co_await run_session();
}

asio::awaitable<void> PeerConnection::run_incoming(wire::Handshake theirs) {
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  const auto ours = wire::encode_handshake(
      wire::Handshake::ours(torrent_->info_hash(), torrent_->session().peer_id()));
  asio::steady_timer deadline(socket_.get_executor(), kHandshakeTimeout);
  auto result = co_await (asio::async_write(socket_, asio::buffer(ours), kUseTuple) ||
                          deadline.async_wait(kUseTuple));
  if (result.index() == 1 || std::get<0>(std::get<0>(result))) {
    close("handshake failed");
    co_return;
  }
  if (!accept_handshake(theirs)) co_return;
  co_await run_session();
}

bool PeerConnection::accept_handshake(const wire::Handshake& theirs) {
  peer_id_ = theirs.peer_id;
  fast_ = theirs.supports_fast();
  extended_ = theirs.supports_extensions();
  client_ = client_name(peer_id_);
  std::string reason;
  if (!torrent_->admit(*this, reason)) {
    close(reason);
    return false;
  }
  handshaked_ = true;
  last_received_ = Clock::now();
  spdlog::debug("peer {}: connected{}", describe(), incoming() ? " (incoming)" : "");
  return true;
}

asio::awaitable<void> PeerConnection::run_session() {
  send_opening_messages();
  spawn(write_loop(), "writer");
  co_await read_loop();
}

void PeerConnection::send_opening_messages() {
  const PiecePicker& picker = torrent_->picker();
  const std::int32_t have = picker.num_have();
  const std::int32_t pieces = torrent_->geometry().num_pieces();
  // BEP 6: with the fast extension exactly one of have-all, have-none or bitfield comes first.
  if (fast_ && have == pieces) {
    queue(wire::HaveAll{});
  } else if (fast_ && have == 0) {
    queue(wire::HaveNone{});
  } else if (have > 0) {
    queue(wire::Bitfield{picker.have_bitfield().bytes()});
  }
  if (extended_) {
    wire::ExtensionHandshake hs;
    hs.client = kClientName;
    hs.reqq = static_cast<std::int32_t>(kMaxUploadQueue);
    if (torrent_->session().listen_port() != 0) hs.listen_port = torrent_->session().listen_port();
    const std::string payload = wire::encode_extension_handshake(hs);
    const auto* p = reinterpret_cast<const std::uint8_t*>(payload.data());
    queue(wire::Extended{wire::kExtendedHandshakeId, std::span(p, payload.size())});
  }
}

asio::awaitable<void> PeerConnection::read_loop() {
  TokenBucket& torrent_limit = torrent_->download_bucket();
  TokenBucket& global_limit = torrent_->session().download_bucket();
  while (!closed_) {
    // Download limits: not reading leaves the data in the kernel and TCP slows the sender
    // down. Small reads while limited keep the pace even.
    const bool limited = !torrent_limit.unlimited() || !global_limit.unlimited();
    if (limited) {
      const auto wait = combined_delay(torrent_limit, global_limit, Clock::now());
      if (wait > Clock::duration::zero()) {
        throttle_.expires_after(wait);
        co_await throttle_.async_wait(kUseTuple);
        if (closed_) co_return;
        continue;  // the limits may have changed meanwhile
      }
    }
    std::span<std::uint8_t> space = splitter_.prepare(limited ? kLimitedChunk : kReadChunk);
    auto [ec, n] =
        co_await socket_.async_read_some(asio::buffer(space.data(), space.size()), kUseTuple);
    if (closed_) co_return;
    if (ec) {
      close(ec == asio::error::eof ? "the peer closed the connection"
                                   : "read failed: " + ec.message());
      co_return;
    }
    splitter_.commit(n);
    last_received_ = Clock::now();
    if (limited) {
      torrent_limit.consume(static_cast<std::int64_t>(n), last_received_);
      global_limit.consume(static_cast<std::int64_t>(n), last_received_);
    }
    for (;;) {
      auto frame = splitter_.next();
      if (std::holds_alternative<wire::FrameSplitter::NeedMore>(frame)) break;
      if (const auto* big = std::get_if<wire::FrameSplitter::Oversized>(&frame)) {
        close("message length " + std::to_string(big->length) + " over the limit");
        co_return;
      }
      const auto& body = std::get<wire::FrameSplitter::Frame>(frame).body;
      ParseResult<wire::Message> message = wire::decode_message(body);
      if (!message) {
        close("malformed message: " + message.error().reason);
        co_return;
      }
      if (auto problem = wire::validate(message.value(), torrent_->geometry())) {
        close("invalid " + std::string(wire::name(message.value())) + ": " + *problem);
        co_return;
      }
      if (!handle(message.value()) || closed_) {
        close("protocol error");  // no-op when a handler already closed with its reason
        co_return;
      }
    }
    request_more();
  }
}

// BEP 3/6 want the have-state (bitfield, have-all or have-none) as the first message, but real
// clients do otherwise: libtorrent, Transmission and aria2 send their extension handshake
// first, and aria2 sends have-none and later a bitfield. A late have-state therefore replaces
// the one we knew (availability is moved over) instead of ending the connection.
bool PeerConnection::replace_have_state(Bitfield bits, bool all) {
  PiecePicker& picker = torrent_->picker();
  if (peer_has_all_) {
    picker.peer_lost_all();
  } else {
    picker.peer_lost_bitfield(peer_has_);
  }
  peer_has_ = std::move(bits);
  peer_has_all_ = all;
  if (all) {
    picker.peer_has_all();
  } else {
    picker.peer_has_bitfield(peer_has_);
  }
  update_interest();
  if (torrent_->complete() && is_seed()) {
    close("both sides are seeds");
    return false;
  }
  return true;
}

bool PeerConnection::handle(const wire::Message& message) {
  const bool ok = std::visit(
      [&](const auto& m) -> bool {
        using T = std::decay_t<decltype(m)>;
        constexpr bool fast_only =
            std::is_same_v<T, wire::HaveAll> || std::is_same_v<T, wire::HaveNone> ||
            std::is_same_v<T, wire::Reject> || std::is_same_v<T, wire::AllowedFast> ||
            std::is_same_v<T, wire::Suggest>;
        if constexpr (fast_only) {
          if (!fast_) {
            close(std::string(wire::name(message)) + " without the fast extension");
            return false;
          }
        }
        if constexpr (std::is_same_v<T, wire::KeepAlive> || std::is_same_v<T, wire::Port> ||
                      std::is_same_v<T, wire::Suggest> || std::is_same_v<T, wire::Unknown>) {
          return true;
        } else if constexpr (std::is_same_v<T, wire::Choke>) {
          on_peer_choked();
          return true;
        } else if constexpr (std::is_same_v<T, wire::Unchoke>) {
          peer_choking_ = false;
          return true;
        } else if constexpr (std::is_same_v<T, wire::Interested>) {
          peer_interested_ = true;
          torrent_->on_peer_interested(*this);
          return true;
        } else if constexpr (std::is_same_v<T, wire::NotInterested>) {
          peer_interested_ = false;
          return true;
        } else if constexpr (std::is_same_v<T, wire::Have>) {
          return on_have(m.piece);
        } else if constexpr (std::is_same_v<T, wire::Bitfield>) {
          return on_bitfield(m);
        } else if constexpr (std::is_same_v<T, wire::HaveAll>) {
          return replace_have_state(Bitfield(torrent_->geometry().num_pieces(), true), true);
        } else if constexpr (std::is_same_v<T, wire::HaveNone>) {
          return replace_have_state(Bitfield(torrent_->geometry().num_pieces()), false);
        } else if constexpr (std::is_same_v<T, wire::Request>) {
          return on_request(m.block);
        } else if constexpr (std::is_same_v<T, wire::Cancel>) {
          erase_one(upload_queue_, m.block);
          return true;
        } else if constexpr (std::is_same_v<T, wire::Piece>) {
          return on_piece(m);
        } else if constexpr (std::is_same_v<T, wire::Reject>) {
          return on_reject(m.block);
        } else if constexpr (std::is_same_v<T, wire::AllowedFast>) {
          if (allowed_fast_.size() < kMaxAllowedFast) allowed_fast_.insert(m.piece);
          return true;
        } else if constexpr (std::is_same_v<T, wire::Extended>) {
          return on_extended(m);
        } else {
          return true;
        }
      },
      message);
  return ok;
}

void PeerConnection::on_peer_choked() {
  peer_choking_ = true;
  if (fast_) return;  // BEP 6: pending requests stay until the peer rejects or serves them
  // BEP 3: a choke drops every pending request; those blocks go back to the picker.
  for (const BlockRequest& b : outstanding_) {
    torrent_->picker().abort_request(b, key_);
    cancelled_.push_back(b);
  }
  outstanding_.clear();
  while (cancelled_.size() > kMaxCancelledRemembered)
    cancelled_.pop_front();
}

bool PeerConnection::on_bitfield(const wire::Bitfield& m) {
  std::optional<Bitfield> bits = Bitfield::from_bytes(m.bits, torrent_->geometry().num_pieces());
  if (!bits) {
    close("invalid bitfield");
    return false;
  }
  return replace_have_state(std::move(*bits), false);
}

bool PeerConnection::on_have(PieceIndex piece) {
  if (peer_has_.test(piece)) return true;
  peer_has_.set(piece);
  PiecePicker& picker = torrent_->picker();
  picker.peer_has(piece);
  if (!am_interested_ && !picker.have(piece) && picker.priority(piece) != Priority::skip &&
      !torrent_->complete()) {
    am_interested_ = true;
    queue(wire::Interested{});
  }
  if (torrent_->complete() && is_seed()) {
    close("both sides are seeds");
    return false;
  }
  return true;
}

bool PeerConnection::on_request(const BlockRequest& block) {
  if (am_choking_ || !torrent_->picker().have(block.piece)) {
    // Requests can cross our choke on the wire; answer them (BEP 6) or drop them, and only
    // call it abuse when it goes on far beyond any such race.
    if (++choked_requests_ > kMaxChokedRequests) {
      close("request flood while choked");
      return false;
    }
    if (fast_) queue(wire::Reject{block});
    return true;
  }
  if (upload_queue_.size() >= kMaxUploadQueue) {
    close("request flood: more than " + std::to_string(kMaxUploadQueue) + " queued requests");
    return false;
  }
  upload_queue_.push_back(block);
  wake_writer();
  return true;
}

bool PeerConnection::on_piece(const wire::Piece& m) {
  const BlockRequest block{m.piece, m.begin, static_cast<std::int32_t>(m.data.size())};
  const std::int64_t n = static_cast<std::int64_t>(m.data.size());
  const auto now = Clock::now();
  down_.add(n, now);
  downloaded_ += n;
  if (!erase_one(outstanding_, block)) {
    if (erase_one(cancelled_, block)) {
      torrent_->count_download(n);
      torrent_->count_wasted(n);
      return true;
    }
    close("unsolicited piece data (piece " + std::to_string(block.piece.get()) + ", offset " +
          std::to_string(block.begin) + ")");
    return false;
  }
  last_block_at_ = now;
  snubbed_ = false;
  torrent_->count_download(n);
  if (!torrent_->on_block(*this, block, m.data)) return false;
  return !closed_;
}

bool PeerConnection::on_reject(const BlockRequest& block) {
  if (erase_one(outstanding_, block)) {
    torrent_->picker().abort_request(block, key_);
    return true;
  }
  if (erase_one(cancelled_, block)) return true;
  close("reject for a block we never requested");
  return false;
}

bool PeerConnection::on_extended(const wire::Extended& m) {
  if (m.id != wire::kExtendedHandshakeId) return true;  // we announce no extensions yet
  ParseResult<wire::ExtensionHandshake> hs = wire::decode_extension_handshake(m.payload);
  if (!hs) {
    close("bad extension handshake: " + hs.error().reason);
    return false;
  }
  if (!hs->client.empty()) client_ = hs->client;
  if (hs->listen_port) listen_port_ = *hs->listen_port;
  if (hs->reqq) peer_reqq_ = std::clamp(*hs->reqq, 1, kMaxPipeline);
  return true;
}

void PeerConnection::update_interest() {
  const PiecePicker& picker = torrent_->picker();
  bool want = false;
  if (!torrent_->complete()) {
    const std::int32_t n = torrent_->geometry().num_pieces();
    for (std::int32_t i = 0; i < n && !want; ++i) {
      const PieceIndex p{i};
      want = peer_has_.test(p) && !picker.have(p) && picker.priority(p) != Priority::skip;
    }
  }
  if (want == am_interested_) return;
  am_interested_ = want;
  if (want) {
    queue(wire::Interested{});
  } else {
    queue(wire::NotInterested{});
  }
}

std::int32_t PeerConnection::pipeline_target(Clock::time_point now) const {
  // Enough requests to cover about one second of this peer's measured rate, so the pipe never
  // drains on a fast link, bounded by what the peer says it can queue (reqq).
  const double blocks = down_.rate(now) / kBlockSize;
  const auto target = static_cast<std::int32_t>(std::min<double>(blocks, kMaxPipeline));
  return std::clamp(target, std::min(kMinPipeline, peer_reqq_), peer_reqq_);
}

void PeerConnection::request_more() {
  if (closed_ || !handshaked_ || !am_interested_ || !torrent_->transferring() ||
      torrent_->complete()) {
    return;
  }
  if (peer_choking_ && allowed_fast_.empty()) return;
  if (torrent_->disk_backlogged()) return;  // resumed by the torrent when the disk catches up
  const auto now = Clock::now();
  const std::int32_t target = snubbed_ ? 1 : pipeline_target(now);
  const auto want = target - static_cast<std::int32_t>(outstanding_.size());
  if (want <= 0) return;
  PiecePicker& picker = torrent_->picker();
  std::vector<BlockRequest> picks;
  PickOptions options;
  // A peer delivering more than a piece per second gets whole pieces of its own, so slow
  // peers do not hold up pieces a fast one could finish.
  options.prefer_whole_pieces =
      down_.rate(now) > static_cast<double>(torrent_->geometry().piece_length());
  if (peer_choking_) {
    Bitfield allowed(peer_has_.size());
    for (PieceIndex p : allowed_fast_) {
      if (peer_has_.test(p)) allowed.set(p);
    }
    picks = picker.pick(allowed, false, want, key_, options);
  } else {
    picks = picker.pick(peer_has_, is_seed(), want, key_, options);
  }
  if (picks.empty()) {
    if (outstanding_.empty() && !picker.in_endgame()) update_interest();
    return;
  }
  if (outstanding_.empty()) last_block_at_ = now;
  for (const BlockRequest& b : picks) {
    outstanding_.push_back(b);
    queue(wire::Request{b});
  }
}

void PeerConnection::set_choking(bool choke) {
  if (closed_ || !handshaked_ || am_choking_ == choke) return;
  am_choking_ = choke;
  if (choke) {
    queue(wire::Choke{});
    if (fast_) {
      for (const BlockRequest& b : upload_queue_)
        queue(wire::Reject{b});
    }
    upload_queue_.clear();
  } else {
    choked_requests_ = 0;
    queue(wire::Unchoke{});
  }
}

void PeerConnection::send_have(PieceIndex piece) {
  if (closed_ || !handshaked_) return;
  queue(wire::Have{piece});
}

void PeerConnection::send_cancel(const BlockRequest& block) {
  if (closed_ || !erase_one(outstanding_, block)) return;
  cancelled_.push_back(block);
  while (cancelled_.size() > kMaxCancelledRemembered)
    cancelled_.pop_front();
  queue(wire::Cancel{block});
}

void PeerConnection::on_we_completed() {
  if (closed_ || !handshaked_) return;
  if (is_seed()) {
    close("both sides are seeds");
    return;
  }
  update_interest();
}

void PeerConnection::tick(Clock::time_point now) {
  if (closed_ || !handshaked_) return;
  if (now - last_received_ > kSilenceLimit) {
    close("silent for 3 minutes");
    return;
  }
  if (now - last_sent_ > kKeepAliveEvery) queue(wire::KeepAlive{});
  if (!outstanding_.empty() && now - last_block_at_ > kSnubAfter) {
    // Snubbed: give its blocks to others and keep only one request with it.
    spdlog::debug("peer {}: snubbed (no block for {} s)", describe(), kSnubAfter.count());
    snubbed_ = true;
    for (const BlockRequest& b : outstanding_) {
      torrent_->picker().abort_request(b, key_);
      cancelled_.push_back(b);
      queue(wire::Cancel{b});
    }
    outstanding_.clear();
    while (cancelled_.size() > kMaxCancelledRemembered)
      cancelled_.pop_front();
    last_block_at_ = now;
  }
  request_more();
}

void PeerConnection::queue(const wire::Message& m) {
  wire::append_message(send_buffer_, m);
  wake_writer();
}

void PeerConnection::wake_writer() {
  writer_wake_.cancel();
  throttle_.cancel();
}

asio::awaitable<void> PeerConnection::write_loop() {
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> headers;
  std::vector<asio::const_buffer> gather;
  TokenBucket& torrent_limit = torrent_->upload_bucket();
  TokenBucket& global_limit = torrent_->session().upload_bucket();
  while (!closed_) {
    bool uploads = !upload_queue_.empty() && !am_choking_;
    // Upload limits: blocks wait for the budget (one block per write while limited, so the
    // pace stays even); control messages never do.
    const bool limited = !torrent_limit.unlimited() || !global_limit.unlimited();
    Clock::duration budget_wait{};
    if (uploads && limited) {
      budget_wait = combined_delay(torrent_limit, global_limit, Clock::now());
      if (budget_wait > Clock::duration::zero()) uploads = false;
    }
    if (send_buffer_.empty() && !uploads) {
      if (budget_wait > Clock::duration::zero()) {
        writer_wake_.expires_after(budget_wait);
      } else {
        writer_wake_.expires_at(Clock::time_point::max());
      }
      co_await writer_wake_.async_wait(kUseTuple);
      continue;
    }
    std::vector<BlockRequest> batch;
    std::vector<std::vector<std::uint8_t>> blocks;
    if (uploads) {
      const std::size_t max_batch = limited ? 1 : kUploadBatch;
      while (!upload_queue_.empty() && batch.size() < max_batch) {
        batch.push_back(upload_queue_.front());
        upload_queue_.pop_front();
      }
      blocks = co_await torrent_->read_blocks(batch);
      if (closed_) co_return;
      if (blocks.size() != batch.size()) {
        close("cannot read the data a peer asked for");
        co_return;
      }
      if (am_choking_) {  // choked while reading: BEP 3 says the requests are void
        batch.clear();
        blocks.clear();
      }
    }
    out.clear();
    out.swap(send_buffer_);
    headers.clear();
    for (const BlockRequest& b : batch)
      wire::append_piece_header(headers, b.piece, b.begin, b.length);
    gather.clear();
    if (!out.empty()) gather.emplace_back(asio::buffer(out));
    std::int64_t payload = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      gather.emplace_back(asio::buffer(headers.data() + i * 13, 13));
      gather.emplace_back(asio::buffer(blocks[i]));
      payload += static_cast<std::int64_t>(blocks[i].size());
    }
    if (gather.empty()) continue;
    auto [ec, n] = co_await asio::async_write(socket_, gather, kUseTuple);
    if (closed_) co_return;
    if (ec) {
      close("write failed: " + ec.message());
      co_return;
    }
    const auto now = Clock::now();
    last_sent_ = now;
    if (payload > 0 && limited) {
      torrent_limit.consume(payload, now);
      global_limit.consume(payload, now);
    }
    if (payload > 0) {
      up_.add(payload, now);
      uploaded_ += payload;
      torrent_->count_upload(payload);
    }
  }
}

void PeerConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("peer {}: closed: {}", describe(), reason);
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  writer_wake_.cancel();
  if (handshaked_) {
    PiecePicker& picker = torrent_->picker();
    picker.abort_peer(key_);
    if (peer_has_all_) {
      picker.peer_lost_all();
    } else {
      picker.peer_lost_bitfield(peer_has_);
    }
  }
  outstanding_.clear();
  upload_queue_.clear();
  torrent_->on_peer_closed(*this);
}

engine::PeerInfo PeerConnection::info(Clock::time_point now) const {
  engine::PeerInfo p;
  p.address = to_string(address_);
  p.client = client_;
  p.am_choking = am_choking_;
  p.am_interested = am_interested_;
  p.peer_choking = peer_choking_;
  p.peer_interested = peer_interested_;
  p.snubbed = snubbed_;
  p.incoming = incoming();
  p.progress = peer_has_.size() == 0
                   ? 0.0F
                   : static_cast<float>(peer_has_.count()) / static_cast<float>(peer_has_.size());
  p.down_rate = down_.rate(now);
  p.up_rate = up_.rate(now);
  p.downloaded = downloaded_;
  p.uploaded = uploaded_;
  p.source = source_;
  return p;
}

}  // namespace lt::net
