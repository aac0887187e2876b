#include "session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "core/metainfo.hpp"
#include "core/peer_wire.hpp"
#include "peer_connection.hpp"
#include "torrent.hpp"
#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::chrono::milliseconds kStatusPeriod{250};  // deltas at most 4 Hz
constexpr int kSnapshotEvery = 2;                        // selected torrent's views at 2 Hz
constexpr std::chrono::seconds kSaveEvery{5};            // pieces recorded in the database

std::uint64_t pick_seed(std::uint64_t configured) {
  if (configured != 0) return configured;
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device();
}

// Fields that make a status worth sending again. Rates change all the time while
// transferring; they are sent whenever they moved by more than a little.
bool differs(const engine::TorrentStatus& a, const engine::TorrentStatus& b) {
  auto moved = [](double x, double y) { return x != y && (x > y ? x - y : y - x) > 1024.0; };
  return a.state != b.state || a.error != b.error || a.tracker_status != b.tracker_status ||
         a.wanted_done != b.wanted_done || a.pieces_have != b.pieces_have ||
         a.checked_bytes != b.checked_bytes || a.downloaded != b.downloaded ||
         a.uploaded != b.uploaded || a.peers != b.peers || a.seeds != b.seeds ||
         a.swarm_seeds != b.swarm_seeds || a.swarm_leechers != b.swarm_leechers ||
         a.complete != b.complete || moved(a.down_rate, b.down_rate) || moved(a.up_rate, b.up_rate);
}

}  // namespace

Session::Session(asio::io_context& io, EngineSettings settings,
                 std::function<void(engine::Event)> emit)
    : io_(io),
      settings_(settings),
      emit_(std::move(emit)),
      disk_(settings.disk_threads == 0 ? 1 : settings.disk_threads),
      peer_id_(make_peer_id(pick_seed(settings.random_seed))),
      save_timer_(io),
      status_timer_(io) {}

Session::~Session() = default;

void Session::start() {
  open_store();
  open_listeners();
  asio::co_spawn(io_, status_loop(), asio::detached);
  if (store_) asio::co_spawn(io_, save_loop(), asio::detached);
}

void Session::open_store() {
  if (settings_.db_path.empty()) return;
  try {
    store_ = std::make_unique<store::ClientStore>(settings_.db_path);
    if (store_->moved_aside()) {
      spdlog::warn("database {} was unreadable ({}); moved aside to {}, starting a fresh one",
                   settings_.db_path.string(), store_->moved_aside_reason(),
                   store_->moved_aside()->string());
    }
  } catch (const std::exception& e) {
    emit(engine::Error{std::nullopt,
                       "cannot use the database " + settings_.db_path.string() + ": " + e.what()});
  }
}

asio::awaitable<void> Session::save_loop() {
  // Crash safety: every few seconds each torrent flushes its files, then records the pieces
  // that were on disk before the flush (Torrent::save_resume).
  while (!stopping_) {
    save_timer_.expires_after(kSaveEvery);
    co_await save_timer_.async_wait(kUseTuple);
    if (stopping_) co_return;
    // A copy: a Remove command may change the map while a save is awaited.
    std::vector<std::shared_ptr<Torrent>> torrents;
    for (const auto& [hash, torrent] : torrents_)
      torrents.push_back(torrent);
    for (const auto& torrent : torrents)
      co_await torrent->save_resume();
  }
}

void Session::open_listeners() {
  engine::ListenState state;
  const auto try_open = [&](const tcp::endpoint& endpoint, bool v6_only) -> bool {
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    boost::system::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec && endpoint.protocol() == tcp::v6())
      acceptor->set_option(asio::ip::v6_only(v6_only), ec);
    // SO_REUSEADDR: the port is bindable again right after a kill -9 (DESIGN.md section 4).
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      if (state.error.empty()) {
        state.error =
            "cannot listen on port " + std::to_string(endpoint.port()) + ": " + ec.message();
      }
      return false;
    }
    listen_port_ = acceptor->local_endpoint().port();
    acceptors_.push_back(std::move(acceptor));
    return true;
  };
  const asio::ip::address v4 = settings_.loopback_only
                                   ? asio::ip::address(asio::ip::address_v4::loopback())
                                   : asio::ip::address(asio::ip::address_v4::any());
  const bool v4_ok = try_open(tcp::endpoint(v4, settings_.listen_port), false);
  if (v4_ok && settings_.listen_ipv6) {
    // The same port on IPv6, v6-only so the two sockets don't collide; losing IPv6 (no IPv6
    // on this host) is not an error.
    const asio::ip::address v6 = settings_.loopback_only
                                     ? asio::ip::address(asio::ip::address_v6::loopback())
                                     : asio::ip::address(asio::ip::address_v6::any());
    const std::string saved = state.error;
    if (!try_open(tcp::endpoint(v6, listen_port_), true)) state.error = saved;
  }
  state.ok = v4_ok;
  state.port = listen_port_;
  if (v4_ok) state.error.clear();
  if (state.ok) {
    spdlog::info("engine: listening for peers on port {}", listen_port_);
  } else {
    spdlog::info("engine: {}", state.error);  // the ListenState event carries it to the owner
  }
  for (auto& acceptor : acceptors_)
    asio::co_spawn(io_, accept_loop(*acceptor), asio::detached);
  emit(std::move(state));
}

asio::awaitable<void> Session::accept_loop(tcp::acceptor& acceptor) {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      // Out of descriptors and the like: back off a little instead of spinning.
      spdlog::warn("engine: accept failed: {}", ec.message());
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(kUseTuple);
      continue;
    }
    asio::co_spawn(io_, handle_incoming(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Session::handle_incoming(tcp::socket socket) {
  // Read the handshake to learn which torrent the peer wants; drop it on a timeout or garbage.
  std::array<std::uint8_t, wire::kHandshakeLength> buffer{};
  asio::steady_timer deadline(io_, PeerConnection::kHandshakeTimeout);
  auto result = co_await (asio::async_read(socket, asio::buffer(buffer), kUseTuple) ||
                          deadline.async_wait(kUseTuple));
  if (result.index() != 0) co_return;
  auto [ec, n] = std::get<0>(result);
  if (ec || n != buffer.size()) co_return;
  const ParseResult<wire::Handshake> theirs = wire::decode_handshake(buffer);
  boost::system::error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  if (!theirs) {
    spdlog::debug("engine: incoming {}: {}", remote.address().to_string(), theirs.error().reason);
    co_return;
  }
  std::shared_ptr<Torrent> torrent = find(theirs->info_hash);
  if (!torrent || stopping_ || !torrent->transferring()) {
    spdlog::debug("engine: incoming {} for an unknown or inactive torrent",
                  remote.address().to_string());
    co_return;
  }
  torrent->accept_incoming(std::move(socket), theirs.value());
}

void Session::handle(engine::Command command) {
  std::visit(
      [this](auto& c) {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, engine::AddTorrent>) {
          add_torrent(std::move(c));
        } else if constexpr (std::is_same_v<T, engine::Select>) {
          selected_ = c.torrent;
          snapshot_counter_ = kSnapshotEvery;  // send the views at the next status tick
        } else if constexpr (std::is_same_v<T, engine::Shutdown>) {
          // Handled by Engine::Impl.
        } else {
          std::shared_ptr<Torrent> torrent = find(c.torrent);
          if (!torrent) {
            emit(engine::Error{c.torrent, "no such torrent: " + c.torrent.hex()});
            return;
          }
          if constexpr (std::is_same_v<T, engine::Pause>) {
            torrent->pause();
          } else if constexpr (std::is_same_v<T, engine::Resume>) {
            torrent->resume();
          } else if constexpr (std::is_same_v<T, engine::SetFilePriority>) {
            torrent->set_file_priority(c.file, c.priority);
          } else if constexpr (std::is_same_v<T, engine::SetSequential>) {
            torrent->set_sequential(c.sequential);
          } else if constexpr (std::is_same_v<T, engine::Reannounce>) {
            torrent->reannounce();
          } else if constexpr (std::is_same_v<T, engine::Remove>) {
            torrents_.erase(c.torrent);
            last_sent_.erase(c.torrent);
            asio::co_spawn(io_, torrent->shutdown(), asio::detached);
            // delete_data is applied once the peers are gone (lifecycle issue); refused until
            // then rather than done halfway.
            if (c.delete_data) {
              emit(engine::Error{c.torrent, "remove with data is not supported yet"});
            }
            emit(engine::TorrentRemoved{c.torrent});
          } else {
            // Stop and Recheck belong to the lifecycle work (issue 5); say so instead of
            // pretending.
            emit(engine::Error{c.torrent, "command not supported yet"});
          }
        }
      },
      command);
}

void Session::add_torrent(engine::AddTorrent command) {
  Metainfo meta;
  try {
    meta = parse_metainfo(command.torrent_bytes);
  } catch (const MetainfoError& e) {
    emit(engine::Error{std::nullopt, std::string("invalid torrent: ") + e.what()});
    return;
  }
  if (torrents_.contains(meta.info_hash)) {
    emit(engine::Error{meta.info_hash, "torrent already added: " + meta.name});
    return;
  }
  const InfoHash hash = meta.info_hash;
  engine::TorrentAdded added{hash, meta.name, meta.total_size, meta.num_pieces()};
  std::shared_ptr<Torrent> torrent;
  try {
    torrent = std::make_shared<Torrent>(*this, std::move(meta), std::move(command));
  } catch (const std::exception& e) {
    emit(engine::Error{hash, e.what()});
    return;
  }
  torrents_.emplace(hash, torrent);
  emit(std::move(added));
  torrent->start();
  force_status_ = true;
}

std::shared_ptr<Torrent> Session::find(const InfoHash& hash) {
  const auto it = torrents_.find(hash);
  return it == torrents_.end() ? nullptr : it->second;
}

void Session::mark_changed() {
  force_status_ = true;
  if (status_posted_ || stopping_) return;
  status_posted_ = true;
  asio::post(io_, [this] {
    status_posted_ = false;
    if (!stopping_) send_status(false);
  });
}

bool Session::can_open_connection() const {
  int n = 0;
  for (const auto& [hash, torrent] : torrents_)
    n += torrent->connection_count();
  return n < settings_.max_connections;
}

asio::awaitable<void> Session::status_loop() {
  while (!stopping_) {
    status_timer_.expires_after(kStatusPeriod);
    co_await status_timer_.async_wait(kUseTuple);
    if (stopping_) co_return;
    send_status(false);
  }
}

void Session::send_status(bool everything) {
  const auto now = Clock::now();
  engine::StatusDelta delta;
  for (const auto& [hash, torrent] : torrents_) {
    engine::TorrentStatus status = torrent->status(now);
    const auto it = last_sent_.find(hash);
    if (everything || force_status_ || it == last_sent_.end() || differs(it->second, status)) {
      last_sent_[hash] = status;
      delta.changed.push_back(std::move(status));
    }
  }
  force_status_ = false;
  if (!delta.changed.empty()) emit(std::move(delta));
  if (selected_ && ++snapshot_counter_ >= kSnapshotEvery) {
    snapshot_counter_ = 0;
    if (std::shared_ptr<Torrent> torrent = find(*selected_)) {
      emit(torrent->peer_snapshot(now));
      emit(torrent->piece_snapshot());
    }
  }
}

asio::awaitable<void> Session::shutdown() {
  stopping_ = true;
  status_timer_.cancel();
  save_timer_.cancel();
  for (auto& acceptor : acceptors_) {
    boost::system::error_code ignored;
    acceptor->close(ignored);
  }
  // Stop the torrents side by side; each bounds its own `stopped` announce, so the whole
  // shutdown takes about as long as the slowest tracker's deadline, not the sum.
  auto remaining = std::make_shared<std::size_t>(torrents_.size());
  asio::steady_timer all_done(io_, std::chrono::steady_clock::time_point::max());
  for (auto& [hash, torrent] : torrents_) {
    asio::co_spawn(io_, torrent->shutdown(), [remaining, &all_done](const std::exception_ptr&) {
      if (--*remaining == 0) all_done.cancel();
    });
  }
  if (*remaining > 0) co_await all_done.async_wait(kUseTuple);
  send_status(true);
  torrents_.clear();
}

}  // namespace lt::net
