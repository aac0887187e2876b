#include "session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <random>

#include "core/metainfo.hpp"
#include "core/metainfo_magnet.hpp"
#include "core/mix64.hpp"
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
constexpr int kQueueEvery = 4;                           // queue decisions at 1 Hz
constexpr int kSpaceCheckEvery = 40;                     // disk-full retries every 10 s

// What the views show of a torrent that never changes (priorities and save path are filled in
// once the Torrent exists).
engine::TorrentAdded added_event(const Metainfo& meta) {
  engine::TorrentAdded added;
  added.torrent = meta.info_hash;
  added.name = meta.name;
  added.total_size = meta.total_size;
  added.num_pieces = meta.num_pieces();
  added.piece_length = meta.piece_length;
  added.comment = meta.comment;
  added.created_by = meta.created_by;
  added.creation_date = meta.creation_date.value_or(0);
  added.is_private = meta.is_private;
  added.magnet = magnet_uri_for(meta);
  std::int64_t offset = 0;
  for (const FileEntry& f : meta.files) {
    added.files.push_back({f.path, f.size, offset, f.pad});
    offset += f.size;
  }
  return added;
}

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
         a.complete != b.complete || a.stalled != b.stalled ||
         a.queue_position != b.queue_position || a.upload_limit != b.upload_limit ||
         a.download_limit != b.download_limit || moved(a.down_rate, b.down_rate) ||
         moved(a.up_rate, b.up_rate);
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
      seed_state_(pick_seed(settings.random_seed) ^ 0x5eed5eed5eed5eedULL),
      status_timer_(io) {}

Session::~Session() = default;

std::uint64_t Session::next_seed() noexcept {
  return splitmix64(seed_state_);
}

void Session::start() {
  open_store();
  load_settings();
  emit_settings();
  open_listeners();
  if (settings_.restore_torrents) restore_torrents();
  asio::co_spawn(io_, status_loop(), asio::detached);
  if (store_) asio::co_spawn(io_, save_loop(), asio::detached);
}

void Session::open_store() {
  if (settings_.db_path.empty()) return;
  try {
    // The lock first: a second process must not even open (and possibly migrate or move
    // aside) a database another one is using.
    if (settings_.db_path != ":memory:" && settings_.db_path.has_parent_path()) {
      std::filesystem::create_directories(settings_.db_path.parent_path());
    }
    lock_.emplace(settings_.db_path);
  } catch (const std::exception& e) {
    emit(engine::Error{std::nullopt, e.what()});
    return;
  }
  try {
    store_ = std::make_unique<store::ClientStore>(settings_.db_path);
  } catch (const std::exception& e) {
    emit(engine::Error{std::nullopt,
                       "cannot use the database " + settings_.db_path.string() + ": " + e.what()});
    return;
  }
  if (!store_->moved_aside()) return;
  // Whatever .torrent blobs can still be read come back (their pieces are checked again).
  std::size_t salvaged = 0;
  for (store::StoredTorrent& row : store::ClientStore::salvage_torrents(*store_->moved_aside())) {
    try {
      row.state = row.state == TorrentState::stopped ? TorrentState::stopped : TorrentState::queued;
      store_->upsert_torrent(row);
      ++salvaged;
    } catch (const std::exception& e) {
      spdlog::warn("engine: cannot salvage torrent {}: {}", row.name, e.what());
    }
  }
  std::string message = "the database " + settings_.db_path.string() + " was unreadable (" +
                        store_->moved_aside_reason() + "); moved it aside to " +
                        store_->moved_aside()->string() + " and started a fresh one; " +
                        std::to_string(salvaged) + " torrent(s) salvaged";
  spdlog::info("engine: {}", message);  // the Notice carries it to the user
  emit(engine::Notice{std::nullopt, std::move(message)});
}

void Session::load_settings() {
  // A setting given by the owner wins and is remembered; otherwise the stored one applies.
  const auto pick = [this](std::string_view key, std::optional<std::int64_t> given,
                           std::int64_t fallback) -> std::int64_t {
    if (given) {
      store_setting(key, *given);
      return *given;
    }
    if (store_) {
      try {
        if (const auto text = store_->setting(key)) {
          std::int64_t value = 0;
          const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
          if (ec == std::errc{} && end == text->data() + text->size()) return value;
          spdlog::warn("engine: ignoring the stored setting {}={:?}", key, *text);
        }
      } catch (const std::exception& e) {
        spdlog::warn("engine: cannot read setting {}: {}", key, e.what());
      }
    }
    return fallback;
  };
  const auto now = Clock::now();
  global_upload_.set_rate(pick("upload_limit", settings_.upload_limit, 0), now);
  global_download_.set_rate(pick("download_limit", settings_.download_limit, 0), now);
  const auto as_int = [](std::optional<int> v) -> std::optional<std::int64_t> {
    if (!v) return std::nullopt;
    return *v;
  };
  queue_limits_.max_active_downloads = static_cast<int>(std::clamp<std::int64_t>(
      pick("max_active_downloads", as_int(settings_.max_active_downloads), 3), -1, 100000));
  queue_limits_.max_active_seeds = static_cast<int>(std::clamp<std::int64_t>(
      pick("max_active_seeds", as_int(settings_.max_active_seeds), 5), -1, 100000));
}

void Session::emit_settings() {
  emit(engine::SettingsState{global_upload_.rate(), global_download_.rate(),
                             queue_limits_.max_active_downloads, queue_limits_.max_active_seeds});
}

void Session::store_setting(std::string_view key, std::int64_t value) {
  if (!store_) return;
  try {
    store_->set_setting(key, std::to_string(value));
  } catch (const std::exception& e) {
    spdlog::warn("engine: cannot store setting {}: {}", key, e.what());
  }
}

void Session::restore_torrents() {
  if (!store_) return;
  std::vector<store::StoredTorrent> rows;
  try {
    rows = store_->torrents();
  } catch (const std::exception& e) {
    emit(engine::Error{std::nullopt, std::string("cannot read the stored torrents: ") + e.what()});
    return;
  }
  for (store::StoredTorrent& row : rows) {
    Metainfo meta;
    try {
      meta = parse_metainfo(row.metainfo);
    } catch (const MetainfoError& e) {
      // Kept in the database: a newer version may read it; the user hears about it.
      emit(engine::Error{row.info_hash, "stored torrent " + row.name +
                                            " is unreadable: " + std::string(e.what())});
      continue;
    }
    if (torrents_.contains(meta.info_hash)) continue;
    engine::AddTorrent options;
    options.save_dir = row.save_path;
    options.paused = row.state == TorrentState::paused;
    options.sequential = row.sequential;
    try {
      for (const store::StoredFile& f : store_->files(meta.info_hash)) {
        const auto i = static_cast<std::size_t>(f.index.get());
        if (i >= meta.files.size()) continue;
        options.file_priorities.resize(meta.files.size(), Priority::normal);
        options.file_priorities[i] = f.priority;
      }
    } catch (const std::exception& e) {
      spdlog::warn("engine: {}: cannot read file priorities: {}", row.name, e.what());
    }
    const InfoHash hash = meta.info_hash;
    engine::TorrentAdded added = added_event(meta);
    options.torrent_bytes = std::move(row.metainfo);
    row.metainfo = "stored";  // non-empty: the row exists, no need to write it again
    std::shared_ptr<Torrent> torrent;
    try {
      torrent = std::make_shared<Torrent>(*this, std::move(meta), std::move(options), &row);
    } catch (const std::exception& e) {
      emit(engine::Error{hash, e.what()});
      continue;
    }
    torrent->hold(row.state == TorrentState::stopped ? Hold::stopped : Hold::queued);
    saved_rows_[hash] = torrent->stored_row();
    torrents_.emplace(hash, torrent);
    added.save_path = torrent->options().save_dir.string();
    added.priorities = torrent->file_priorities();
    emit(std::move(added));
  }
  spdlog::info("engine: {} stored torrent(s) restored", torrents_.size());
  update_queue();
  force_status_ = true;
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
    if (!stopping_) save_rows();
  }
}

void Session::save_rows() {
  if (!store_) return;
  try {
    store_->in_transaction([&] {
      for (const auto& [hash, torrent] : torrents_) {
        store::StoredTorrent row = torrent->stored_row();
        auto& last = saved_rows_[hash];
        if (!(row == last)) {
          store_->update_torrent(row);
          last = std::move(row);
        }
        if (auto peers = torrent->peers_to_save()) store_->save_peers(hash, *peers);
      }
    });
  } catch (const std::exception& e) {
    spdlog::warn("engine: cannot save torrents to the database: {}", e.what());
    saved_rows_.clear();  // written again next time
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
          force_snapshots_ = true;
          force_status_ = true;  // and every status: a GUI resyncs after dropped events this way
        } else if constexpr (std::is_same_v<T, engine::Shutdown>) {
          // Handled by Engine::Impl.
        } else if constexpr (std::is_same_v<T, engine::SetQueueLimits>) {
          queue_limits_.max_active_downloads = std::clamp(c.max_active_downloads, -1, 100000);
          queue_limits_.max_active_seeds = std::clamp(c.max_active_seeds, -1, 100000);
          store_setting("max_active_downloads", queue_limits_.max_active_downloads);
          store_setting("max_active_seeds", queue_limits_.max_active_seeds);
          emit_settings();
          update_queue();
        } else if constexpr (std::is_same_v<T, engine::SetRateLimit>) {
          const std::int64_t up = std::max<std::int64_t>(0, c.upload);
          const std::int64_t down = std::max<std::int64_t>(0, c.download);
          if (!c.torrent) {
            global_upload_.set_rate(up, Clock::now());
            global_download_.set_rate(down, Clock::now());
            store_setting("upload_limit", up);
            store_setting("download_limit", down);
            emit_settings();
          } else if (std::shared_ptr<Torrent> torrent = find(*c.torrent)) {
            torrent->set_rate_limit(up, down);
          } else {
            emit(engine::Error{*c.torrent, "no such torrent: " + c.torrent->hex()});
          }
          force_status_ = true;
        } else {
          std::shared_ptr<Torrent> torrent = find(c.torrent);
          if (!torrent) {
            emit(engine::Error{c.torrent, "no such torrent: " + c.torrent.hex()});
            return;
          }
          if constexpr (std::is_same_v<T, engine::Pause>) {
            torrent->pause();
            update_queue();
          } else if constexpr (std::is_same_v<T, engine::Resume>) {
            resume(torrent);
          } else if constexpr (std::is_same_v<T, engine::Stop>) {
            stop(torrent);
          } else if constexpr (std::is_same_v<T, engine::Remove>) {
            remove(torrent, c.delete_data);
          } else if constexpr (std::is_same_v<T, engine::Recheck>) {
            recheck(torrent);
          } else if constexpr (std::is_same_v<T, engine::SetQueuePosition>) {
            set_queue_position(torrent, c.position);
          } else if constexpr (std::is_same_v<T, engine::SetFilePriority>) {
            torrent->set_file_priority(c.file, c.priority);
          } else if constexpr (std::is_same_v<T, engine::SetSequential>) {
            torrent->set_sequential(c.sequential);
          } else if constexpr (std::is_same_v<T, engine::Reannounce>) {
            torrent->reannounce();
          }
        }
        mark_changed();
      },
      command);
}

void Session::resume(const std::shared_ptr<Torrent>& torrent) {
  torrent->unpause();
  if (!torrent->started()) {
    // Idle: it runs when the queue has a slot for it.
    torrent->hold(Hold::queued);
  } else if (!torrent->wants_to_run()) {
    // Stopped after a check, in error, or missing files: a fresh run (checking everything
    // when files went missing).
    const bool missing = torrent->state() == TorrentState::missing_files;
    replace(torrent, Hold::queued, missing);
  }
  update_queue();
}

void Session::stop(const std::shared_ptr<Torrent>& torrent) {
  torrent->unpause();
  if (!torrent->started()) {
    torrent->hold(Hold::stopped);
  } else {
    replace(torrent, Hold::stopped, false);
  }
  update_queue();
}

void Session::remove(const std::shared_ptr<Torrent>& torrent, bool delete_data) {
  const InfoHash hash = torrent->info_hash();
  torrents_.erase(hash);
  last_sent_.erase(hash);
  saved_rows_.erase(hash);
  torrent->forget_store();
  if (store_) {
    try {
      store_->remove_torrent(hash);
    } catch (const std::exception& e) {
      spdlog::warn("engine: cannot remove {} from the database: {}", torrent->meta().name,
                   e.what());
    }
  }
  retiring_.push_back(torrent);
  auto finish = [](Session& self, std::shared_ptr<Torrent> gone,
                   bool delete_files) -> asio::awaitable<void> {
    co_await gone->shutdown();
    if (delete_files) co_await gone->delete_data();
    std::erase(self.retiring_, gone);
  };
  asio::co_spawn(io_, finish(*this, torrent, delete_data), asio::detached);
  emit(engine::TorrentRemoved{hash});
  update_queue();
}

void Session::recheck(const std::shared_ptr<Torrent>& torrent) {
  if (torrent->state() == TorrentState::checking) return;
  // A stopped torrent is checked and stays stopped; any other runs again after its check.
  const bool was_stopped = torrent->state() == TorrentState::stopped;
  std::shared_ptr<Torrent> fresh = replace(torrent, Hold::none, true, was_stopped);
  fresh->start();
}

void Session::set_queue_position(const std::shared_ptr<Torrent>& torrent, int position) {
  std::vector<std::shared_ptr<Torrent>> order;
  for (const auto& [hash, t] : torrents_) {
    if (t != torrent) order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a->queue_position() < b->queue_position();
  });
  const auto at =
      static_cast<std::size_t>(std::clamp<int>(position, 0, static_cast<int>(order.size())));
  order.insert(order.begin() + static_cast<std::ptrdiff_t>(at), torrent);
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i]->set_queue_position(static_cast<int>(i));
  update_queue();
}

std::shared_ptr<Torrent> Session::replace(std::shared_ptr<Torrent> old, Hold hold, bool recheck,
                                          bool recheck_then_stop) {
  engine::AddTorrent options = old->options();
  options.paused = hold == Hold::stopped ? false : old->user_paused();
  options.sequential = old->picker().sequential();
  options.file_priorities = old->file_priorities();
  store::StoredTorrent row = old->stored_row();
  row.metainfo = "stored";  // the row exists: not written again
  auto fresh = std::make_shared<Torrent>(*this, old->meta(), std::move(options), &row);
  if (recheck) fresh->force_recheck(recheck_then_stop);
  if (hold != Hold::none) fresh->hold(hold);
  fresh->wait_for_predecessor();
  torrents_[old->info_hash()] = fresh;
  retiring_.push_back(old);
  asio::co_spawn(io_, retire(old, fresh, !recheck), asio::detached);
  return fresh;
}

asio::awaitable<void> Session::retire(std::shared_ptr<Torrent> old, std::shared_ptr<Torrent> fresh,
                                      bool adopt) {
  co_await old->shutdown();
  // Only pieces its own run verified (a check or the database's matching record), now flushed
  // by the shutdown's save, are believed without a check.
  if (adopt && old->verified()) {
    const Bitfield have = old->picker().have_bitfield();
    fresh->predecessor_done(&have);
  } else {
    fresh->predecessor_done(nullptr);
  }
  std::erase(retiring_, old);
  mark_changed();
}

void Session::update_queue() {
  if (stopping_) return;
  std::vector<std::shared_ptr<Torrent>> order;
  order.reserve(torrents_.size());
  for (const auto& [hash, torrent] : torrents_)
    order.push_back(torrent);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a->queue_position() < b->queue_position();
  });
  std::vector<QueueEntry> entries;
  entries.reserve(order.size());
  for (const auto& torrent : order) {
    QueueEntry e;
    e.position = torrent->queue_position();
    e.wants_to_run = torrent->wants_to_run();
    e.complete = torrent->complete();
    e.active = torrent->started() && torrent->wants_to_run();
    e.stalled = torrent->stalled();
    entries.push_back(e);
  }
  const std::vector<bool> run = decide_active(entries, queue_limits_);
  for (std::size_t i = 0; i < order.size(); ++i) {
    const std::shared_ptr<Torrent>& torrent = order[i];
    if (run[i] && !torrent->started()) {
      torrent->start();
    } else if (!run[i] && entries[i].active) {
      spdlog::info("torrent {}: queued (the queue limits allow others first)",
                   torrent->meta().name);
      replace(torrent, Hold::queued, false);
    }
  }
}

void Session::retry_when_space_returns() {
  for (const auto& [hash, torrent] : torrents_) {
    if (!torrent->failed_for_space()) continue;
    std::error_code ec;
    const auto space = std::filesystem::space(torrent->options().save_dir, ec);
    // Room for a few pieces, so the retry does not fail again at once.
    const auto needed = static_cast<std::uintmax_t>(
        std::max<std::int64_t>(4 * torrent->meta().piece_length, 16 << 20));
    if (ec || space.available < needed) continue;
    const std::string message =
        "space available again in " + torrent->options().save_dir.string() + ": resuming";
    spdlog::info("torrent {}: {}", torrent->meta().name, message);
    emit(engine::Notice{hash, message});
    replace(torrent, Hold::queued, false);
  }
  update_queue();
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
  engine::TorrentAdded added = added_event(meta);
  // A torrent the database already holds continues its row (totals, times, queue position,
  // limits); adding it again means the user wants it running.
  std::optional<store::StoredTorrent> row;
  if (store_) {
    try {
      row = store_->torrent(hash);
    } catch (const std::exception& e) {
      spdlog::warn("engine: cannot look up {} in the database: {}", meta.name, e.what());
    }
  }
  if (!row) {
    int last = -1;
    for (const auto& [h, t] : torrents_)
      last = std::max(last, t->queue_position());
    row.emplace();
    row->queue_position = last + 1;
    row->added_at = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  }
  row->metainfo.clear();  // the row is (re)written with this command's bytes and save path
  std::shared_ptr<Torrent> torrent;
  try {
    torrent = std::make_shared<Torrent>(*this, std::move(meta), std::move(command), &*row);
  } catch (const std::exception& e) {
    emit(engine::Error{hash, e.what()});
    return;
  }
  torrents_.emplace(hash, torrent);
  added.save_path = torrent->options().save_dir.string();
  added.priorities = torrent->file_priorities();
  emit(std::move(added));
  torrent->hold(Hold::queued);
  update_queue();
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
    if (++queue_counter_ >= kQueueEvery) {
      queue_counter_ = 0;
      update_queue();
    }
    if (++space_counter_ >= kSpaceCheckEvery) {
      space_counter_ = 0;
      retry_when_space_returns();
    }
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
      // Only what changed (or everything after a Select): an idle window must not redraw
      // twice a second for nothing.
      engine::PeerSnapshot peers = torrent->peer_snapshot(now);
      if (everything || force_snapshots_ || !(peers == last_peers_)) {
        last_peers_ = peers;
        emit(std::move(peers));
      }
      engine::PieceSnapshot pieces = torrent->piece_snapshot();
      if (everything || force_snapshots_ || !(pieces == last_pieces_)) {
        last_pieces_ = pieces;
        emit(std::move(pieces));
      }
      force_snapshots_ = false;
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
  // Replaced or removed torrents still shutting down finish too (bounded).
  asio::steady_timer wait(io_);
  for (int i = 0; i < 150 && !retiring_.empty(); ++i) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(kUseTuple);
  }
  save_rows();  // the final states and totals
  send_status(true);
  torrents_.clear();
}

}  // namespace lt::net
