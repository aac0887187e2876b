#include "torrent.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>
#include <random>

#include "core/human_format.hpp"
#include "peer_address.hpp"
#include "peer_connection.hpp"
#include "session.hpp"
#include "torrent_keys.hpp"
#include "tracker_announcer.hpp"
#include "use_tuple.hpp"

namespace lt::net {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::chrono::milliseconds kTick{1000};
constexpr std::chrono::seconds kChokeEvery{10};
constexpr std::chrono::milliseconds kStoppedDeadline{2000};
constexpr std::chrono::seconds kRetryAfter{30};
constexpr std::size_t kMaxCandidates = 2000;
// Memory for pieces waiting for their hash check and write: a slow disk makes peers wait
// instead of letting received data pile up (measured: 690 MB for a 1 GiB download on a
// cold ext4 page cache without this).
constexpr std::int64_t kDiskBacklogBytes = 64 << 20;

// Spawns a member coroutine that keeps the torrent alive until it ends and turns an escaped
// exception into a log line.
template <typename Awaitable>
void spawn(asio::io_context& io, std::shared_ptr<Torrent> self, Awaitable work, const char* what) {
  asio::co_spawn(io, std::move(work), [self = std::move(self), what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("torrent {}: {} failed: {}", self->meta().name, what, ex.what());
    }
  });
}

}  // namespace

Torrent::Torrent(Session& session, Metainfo meta, engine::AddTorrent options,
                 const store::StoredTorrent* row)
    : session_(session),
      meta_(std::move(meta)),
      options_(std::move(options)),
      geometry_(meta_.total_size, meta_.piece_length),
      picker_(geometry_, session.next_seed()),
      choker_(session.next_seed()),
      met_(&address_less),
      candidates_(&address_less),
      tick_timer_(session.io()) {
  settings_.max_peers = session.settings().max_peers_per_torrent;
  settings_.upload_slots = session.settings().upload_slots;
  max_pieces_verifying_ =
      static_cast<int>(std::max<std::int64_t>(4, kDiskBacklogBytes / geometry_.piece_length()));
  storage_ = std::make_shared<TorrentStorage>(options_.save_dir, meta_);
  file_priorities_ = options_.file_priorities;
  file_priorities_.resize(meta_.files.size(), Priority::normal);
  apply_file_priorities();
  picker_.set_sequential(options_.sequential);
  paused_ = options_.paused;
  if (paused_) state_ = TorrentState::paused;
  added_at_ = unix_now();
  if (row != nullptr) {
    queue_position_ = row->queue_position;
    added_at_ = row->added_at;
    completed_at_ = row->completed_at;
    base_downloaded_ = row->downloaded;
    base_uploaded_ = row->uploaded;
    set_rate_limit(row->upload_limit, row->download_limit);
    active_seconds_ = row->active_seconds;
    seeding_seconds_ = row->seeding_seconds;
  }
  announcer_ = std::make_unique<TrackerAnnouncer>(*this, meta_.trackers, session.next_seed());
  record_in_store(row);
  load_resume_into_picker();
}

void Torrent::reset_picker() {
  // Only before any peer exists: peers keep requests and availability in the picker.
  const bool sequential = picker_.sequential();
  picker_ = PiecePicker(geometry_, session_.next_seed());
  apply_file_priorities();
  picker_.set_sequential(sequential);
}

Torrent::~Torrent() = default;

void Torrent::apply_file_priorities() {
  // A piece gets the highest priority of the files it touches; pad files do not count.
  const FileLayout layout = meta_.layout();
  std::vector<Priority> piece_priority(static_cast<std::size_t>(geometry_.num_pieces()),
                                       Priority::skip);
  for (std::int32_t f = 0; f < layout.num_files(); ++f) {
    const auto& entry = meta_.files[static_cast<std::size_t>(f)];
    const Priority priority = file_priorities_[static_cast<std::size_t>(f)];
    storage_->set_file_wanted(FileIndex{f}, priority != Priority::skip);
    if (entry.pad) continue;
    const PieceRange range = layout.pieces_for_file(FileIndex{f});
    for (std::int32_t p = range.first.get(); p < range.last.get(); ++p) {
      Priority& current = piece_priority[static_cast<std::size_t>(p)];
      if (static_cast<int>(priority) > static_cast<int>(current)) current = priority;
    }
  }
  for (std::int32_t p = 0; p < geometry_.num_pieces(); ++p) {
    picker_.set_priority(PieceIndex{p}, piece_priority[static_cast<std::size_t>(p)]);
  }
}

void Torrent::start() {
  if (started_ || stopping_) return;
  if (predecessor_running_) {
    start_requested_ = true;
    return;
  }
  started_ = true;
  hold_ = Hold::none;
  spawn(session_.io(), shared_from_this(), run(), "run");
}

void Torrent::hold(Hold why) {
  if (started_) return;
  hold_ = why;
  start_requested_ = false;
  if (why == Hold::stopped) set_state(TorrentState::stopped);
  if (why == Hold::queued) set_state(paused_ ? TorrentState::paused : TorrentState::queued);
}

void Torrent::predecessor_done(const Bitfield* have) {
  predecessor_running_ = false;
  if (have != nullptr && !force_recheck_ && have->size() == geometry_.num_pieces()) {
    reset_picker();
    for (std::int32_t p = 0; p < geometry_.num_pieces(); ++p) {
      if (have->test(PieceIndex{p})) picker_.set_have(PieceIndex{p});
    }
    adopted_have_ = true;
  }
  if (start_requested_) {
    start_requested_ = false;
    start();
  }
}

void Torrent::force_recheck(bool then_stop) {
  force_recheck_ = true;
  stop_after_check_ = then_stop;
}

bool Torrent::wants_to_run() const noexcept {
  if (paused_ || stopping_) return false;
  if (!started_) return hold_ != Hold::stopped;
  return state_ != TorrentState::error && state_ != TorrentState::missing_files &&
         state_ != TorrentState::stopped;
}

void Torrent::set_queue_position(int position) {
  queue_position_ = position;
}

void Torrent::set_rate_limit(std::int64_t upload, std::int64_t download) {
  const auto now = Clock::now();
  upload_limit_.set_rate(upload, now);
  download_limit_.set_rate(download, now);
  // Peers waiting on the old limit wake up and look again.
  for (const auto& peer : peers_)
    peer->request_more();
}

asio::awaitable<void> Torrent::run() {
  load_known_peers();
  if (adopted_have_) {
    // The pieces the previous run of this torrent (in this process) had on disk.
    saved_have_ = -1;
  } else if (!force_recheck_ && resume_ && resume_matches_disk()) {
    // The files are exactly as they were when these pieces were recorded: no recheck. The
    // picker holds them since construction.
    saved_have_ = picker_.num_have();
    spdlog::info("torrent {}: resumed {} of {} pieces from the database without a recheck",
                 meta_.name, picker_.num_have(), geometry_.num_pieces());
  } else if (const auto missing = force_recheck_ ? std::nullopt : missing_recorded_files()) {
    // Data that was there is gone (a moved folder, an unplugged disk): say so rather than
    // download everything again behind the user's back. Resume or Recheck starts over.
    error_ = "missing " + missing->first +
             (missing->second > 1 ? " and " + std::to_string(missing->second - 1) + " more file(s)"
                                  : std::string());
    spdlog::info("torrent {}: {}", meta_.name, error_);
    set_state(TorrentState::missing_files);
    co_return;
  } else {
    reset_picker();
    if (storage_->any_file_exists()) {
      if (resume_ && !force_recheck_) {
        spdlog::info("torrent {}: files changed since the database recorded them: checking",
                     meta_.name);
      }
      set_state(TorrentState::checking);
      co_await check_existing_data();
      if (stopping_) co_return;
    }
  }
  if (state_ == TorrentState::error) co_return;
  if (stop_after_check_) {
    stop_after_check_ = false;
    hold_ = Hold::stopped;
    set_state(TorrentState::stopped);
    co_await save_resume(true);
    storage_->release_files();
    co_return;
  }
  if (options_.seed_only && !complete()) {
    fail("the data in " + options_.save_dir.string() +
         " is incomplete: " + std::to_string(picker_.num_have()) + " of " +
         std::to_string(geometry_.num_pieces()) + " pieces verified");
    co_return;
  }
  verified_ = true;
  was_complete_at_start_ = complete();
  stall_.reset(Clock::now());
  if (paused_) {
    set_state(TorrentState::paused);
  } else {
    set_state(complete() ? TorrentState::seeding : TorrentState::downloading);
  }
  spdlog::info("torrent {}: {} ({} of {} pieces)", meta_.name, to_string(state_),
               picker_.num_have(), geometry_.num_pieces());
  spawn(session_.io(), shared_from_this(), announcer_->run(), "tracker announce");
  while (!stopping_) {
    tick_timer_.expires_after(kTick);
    co_await tick_timer_.async_wait(kUseTuple);
    if (stopping_) break;
    tick(Clock::now());
  }
}

asio::awaitable<void> Torrent::check_existing_data() {
  // Two workers side by side keep both disk threads busy; the counter hands out pieces.
  auto next = std::make_shared<std::int32_t>(0);
  co_await (check_worker(next) && check_worker(next));
  storage_->release_files();
}

asio::awaitable<void> Torrent::check_worker(std::shared_ptr<std::int32_t> next) {
  struct Checked {
    std::optional<bool> ok;
    std::string error;
  };
  std::shared_ptr<TorrentStorage> storage = storage_;
  while (!stopping_ && state_ != TorrentState::error) {
    const std::int32_t p = (*next)++;
    if (p >= geometry_.num_pieces()) co_return;
    // Errors are caught inside the job: no try block around a co_await (GCC 12 coroutine
    // code generation has had bugs there).
    auto job = [storage, p]() -> Checked {
      try {
        return {storage->check_existing_piece(PieceIndex{p}), {}};
      } catch (const std::exception& e) {
        return {std::nullopt, e.what()};
      }
    };
    const Checked checked = co_await session_.disk().run(std::move(job));
    if (!checked.error.empty()) {
      fail("checking failed: " + checked.error);
      co_return;
    }
    if (checked.ok && *checked.ok) picker_.set_have(PieceIndex{p});
    checked_bytes_ += geometry_.piece_size(PieceIndex{p});
  }
}

void Torrent::tick(Clock::time_point now) {
  std::erase_if(peers_, [](const auto& peer) { return peer->closed(); });
  if (!transferring()) return;
  stall_.update(state_ == TorrentState::seeding ? up_.rate(now) : down_.rate(now), now);
  ++active_seconds_;  // tick() runs once a second
  if (state_ == TorrentState::seeding) ++seeding_seconds_;
  for (const auto& peer : peers_)
    peer->tick(now);
  if (now - last_choke_ >= kChokeEvery) {
    last_choke_ = now;
    run_choker(now);
  }
  connect_to_candidates(now);
}

void Torrent::run_choker(Clock::time_point now) {
  std::vector<ChokeCandidate> candidates;
  for (const auto& peer : peers_) {
    if (peer->closed() || !peer->handshaked()) continue;
    ChokeCandidate c;
    c.peer = peer->key();
    c.interested = peer->peer_interested();
    c.download_rate = peer->download_rate(now);
    c.upload_rate = peer->upload_rate(now);
    c.unchoked = !peer->am_choking();
    c.snubbed = peer->snubbed();
    c.connected_at = peer->connected_at();
    candidates.push_back(c);
  }
  const ChokeDecision decision = choker_.run(candidates, complete(), settings_.upload_slots, now);
  for (const auto& peer : peers_) {
    if (peer->closed() || !peer->handshaked()) continue;
    const bool unchoke = std::find(decision.unchoke.begin(), decision.unchoke.end(), peer->key()) !=
                             decision.unchoke.end() ||
                         (decision.optimistic && *decision.optimistic == peer->key());
    peer->set_choking(!unchoke);
  }
}

int Torrent::unchoked_count() const {
  int n = 0;
  for (const auto& peer : peers_)
    n += (!peer->closed() && !peer->am_choking()) ? 1 : 0;
  return n;
}

void Torrent::on_peer_interested(PeerConnection& peer) {
  // Waiting up to 10 s for the next choker round would leave a free slot idle: unchoke at once.
  if (!transferring() || !peer.am_choking()) return;
  if (settings_.upload_slots <= 0 || unchoked_count() < settings_.upload_slots) {
    peer.set_choking(false);
  }
}

void Torrent::add_peer_candidates(const std::vector<tracker::PeerAddress>& peers,
                                  engine::PeerSource source) {
  for (const tracker::PeerAddress& a : peers) {
    if (a.port == 0 || candidates_.size() >= kMaxCandidates) continue;
    auto [it, inserted] = candidates_.try_emplace(a);
    if (inserted) it->second.source = source;
  }
  if (transferring()) connect_to_candidates(Clock::now());
}

void Torrent::connect_to_candidates(Clock::time_point now) {
  if (stopping_ || paused_ || !transferring()) return;
  for (auto& [address, candidate] : candidates_) {
    if (static_cast<int>(peers_.size()) >= settings_.max_peers) break;
    if (!session_.can_open_connection()) break;
    if (candidate.next_attempt > now) continue;
    if (banned_.contains(address_key(address))) continue;
    const bool connected = std::any_of(peers_.begin(), peers_.end(), [&](const auto& peer) {
      if (peer->closed()) return false;
      if (peer->address() == address) return true;
      // An incoming peer is known by its listen port from the extension handshake.
      return peer->incoming() && peer->address().ip == address.ip &&
             peer->listen_port() == address.port;
    });
    if (connected) continue;
    candidate.next_attempt = now + kRetryAfter * (1 << std::min(candidate.failures, 5));
    ++candidate.failures;
    const PeerKey key = next_key_++;
    auto peer = std::make_shared<PeerConnection>(shared_from_this(), tcp::socket(session_.io()),
                                                 key, address, candidate.source);
    records_[key] = PeerRecord{address, {}};
    peers_.push_back(peer);
    peer->start_outgoing();
  }
}

void Torrent::accept_incoming(tcp::socket socket, const wire::Handshake& theirs) {
  std::erase_if(peers_, [](const auto& peer) { return peer->closed(); });
  if (static_cast<int>(peers_.size()) >= settings_.max_peers || stopping_ || paused_ ||
      !session_.can_open_connection()) {
    return;
  }
  boost::system::error_code ec;
  const tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;
  const tracker::PeerAddress address = from_endpoint(remote);
  if (banned_.contains(address_key(address))) return;
  const PeerKey key = next_key_++;
  auto peer = std::make_shared<PeerConnection>(shared_from_this(), std::move(socket), key, address,
                                               engine::PeerSource::incoming);
  records_[key] = PeerRecord{address, {}};
  peers_.push_back(peer);
  peer->start_incoming(theirs);
}

bool Torrent::admit(PeerConnection& peer, std::string& reason) {
  if (peer.peer_id() == session_.peer_id()) {
    reason = "connected to ourselves";
    if (auto it = candidates_.find(peer.address()); it != candidates_.end()) {
      it->second.next_attempt = Clock::time_point::max();
    }
    return false;
  }
  if (banned_.contains(peer_id_key(peer.peer_id())) ||
      banned_.contains(address_key(peer.address()))) {
    reason = "banned";
    return false;
  }
  for (const auto& other : peers_) {
    if (other.get() != &peer && !other->closed() && other->handshaked() &&
        other->peer_id() == peer.peer_id()) {
      reason = "already connected to this peer";
      return false;
    }
  }
  if (auto it = records_.find(peer.key()); it != records_.end())
    it->second.peer_id = peer.peer_id();
  remember_peer(peer, false);
  if (auto it = candidates_.find(peer.address()); it != candidates_.end()) it->second.failures = 0;
  return true;
}

void Torrent::on_peer_closed(PeerConnection& peer) {
  if (peer.handshaked()) remember_peer(peer, true);
  // Removed from peers_ at the next tick: this may run while someone iterates peers_.
  if (auto it = candidates_.find(peer.address()); it != candidates_.end() && peer.handshaked()) {
    it->second.next_attempt = Clock::now() + kRetryAfter;
  }
  // The peer count reaches the owner with the next regular delta (at most 4 Hz): a burst of
  // disconnects must not turn into a burst of events.
}

bool Torrent::on_block(PeerConnection& peer, const BlockRequest& block,
                       std::span<const std::uint8_t> data) {
  std::vector<PeerKey> cancel_from;
  const BlockResult result = picker_.on_block(block, peer.key(), cancel_from);
  if (result != BlockResult::accepted) {
    wasted_ += static_cast<std::int64_t>(data.size());
    return true;
  }
  for (const PeerKey key : cancel_from) {
    for (const auto& other : peers_) {
      if (other->key() == key) other->send_cancel(block);
    }
  }
  PartialPiece& partial = partial_[block.piece.get()];
  if (partial.data.empty()) {
    if (!spare_buffers_.empty()) {
      partial.data = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
    partial.data.resize(static_cast<std::size_t>(geometry_.piece_size(block.piece)));
    partial.block_senders.assign(static_cast<std::size_t>(geometry_.blocks_in_piece(block.piece)),
                                 0);
  }
  std::memcpy(partial.data.data() + block.begin, data.data(), data.size());
  partial.block_senders[static_cast<std::size_t>(block.begin / kBlockSize)] = peer.key();
  if (picker_.all_blocks_received(block.piece)) {
    auto node = partial_.extract(block.piece.get());
    spawn(session_.io(), shared_from_this(),
          verify_and_write(block.piece, std::move(node.mapped().data),
                           std::move(node.mapped().block_senders)),
          "piece verification");
  }
  return true;
}

asio::awaitable<void> Torrent::verify_and_write(PieceIndex piece, std::vector<std::uint8_t> data,
                                                std::vector<PeerKey> block_senders) {
  enum class Outcome { passed, failed, io_error };
  struct Result {
    Outcome outcome = Outcome::passed;
    std::string error;
    bool no_space = false;
    std::vector<Sha1Digest> block_digests;  // when failed, or passed after an earlier failure
  };
  ++pieces_verifying_;
  std::shared_ptr<TorrentStorage> storage = storage_;
  const Sha1Digest expected = meta_.piece_hash(piece);
  const bool suspect = smart_ban_.is_suspect(piece);
  auto buffer = std::make_shared<std::vector<std::uint8_t>>(std::move(data));
  // Hash and write in one job: writes from both disk threads run in parallel (the copy into
  // the page cache is the cost; serializing writes was measured 25% slower, even though the
  // threads then contend for the file's inode lock).
  auto job = [storage, buffer, piece, expected, suspect] {
    const std::string_view bytes(reinterpret_cast<const char*>(buffer->data()), buffer->size());
    Result result;
    const bool ok = Sha1::digest(bytes) == expected;
    if (!ok || suspect) {
      for (std::size_t at = 0; at < bytes.size(); at += kBlockSize) {
        result.block_digests.push_back(Sha1::digest(bytes.substr(at, kBlockSize)));
      }
    }
    if (!ok) {
      result.outcome = Outcome::failed;
      return result;
    }
    try {
      storage->write(BlockRequest{piece, 0, static_cast<std::int32_t>(buffer->size())}, *buffer);
    } catch (const StorageError& e) {
      result.outcome = Outcome::io_error;
      result.error = e.what();
      result.no_space = e.code() == std::errc::no_space_on_device;
    } catch (const std::exception& e) {
      result.outcome = Outcome::io_error;
      result.error = e.what();
    }
    return result;
  };
  const Result result = co_await session_.disk().run(std::move(job));
  const bool was_backlogged = disk_backlogged();
  --pieces_verifying_;
  if (stopping_) co_return;
  if (static_cast<int>(spare_buffers_.size()) < max_pieces_verifying_) {
    spare_buffers_.push_back(std::move(*buffer));
  }
  if (was_backlogged) {
    for (const auto& peer : peers_)
      peer->request_more();
  }
  switch (result.outcome) {
    case Outcome::passed:
      if (suspect) {
        for (const PeerKey key : smart_ban_.on_passed(piece, result.block_digests)) {
          ban(key, "its block of a failed piece differed from the good copy");
        }
      }
      on_piece_passed(piece);
      break;
    case Outcome::failed: {
      picker_.on_hash_failed(piece);
      wasted_ += geometry_.piece_size(piece);
      std::vector<BlockSender> senders;
      for (std::size_t i = 0; i < block_senders.size(); ++i) {
        senders.push_back({block_senders[i], result.block_digests.at(i)});
      }
      const std::vector<PeerKey> convicted = smart_ban_.on_failed(piece, senders);
      spdlog::warn("torrent {}: piece {} failed its hash check", meta_.name, piece.get());
      for (const PeerKey key : convicted)
        ban(key, "sent corrupt data");
      break;
    }
    case Outcome::io_error:
      picker_.on_hash_failed(piece);
      if (state_ != TorrentState::error) {
        disk_full_ = result.no_space;
        fail(result.error);
      }
      break;
  }
}

void Torrent::on_piece_passed(PieceIndex piece) {
  picker_.on_hash_passed(piece);
  for (const auto& peer : peers_)
    peer->send_have(piece);
  if (complete()) become_complete();
}

void Torrent::ban(PeerKey key, const char* why) {
  const auto it = records_.find(key);
  if (it == records_.end()) return;
  const PeerRecord& record = it->second;
  if (is_banned(record.address, record.peer_id)) return;
  banned_.insert(address_key(record.address));
  if (record.peer_id != PeerId{}) banned_.insert(peer_id_key(record.peer_id));
  if (auto met = met_.find(record.address); met != met_.end()) {
    met->second.banned = true;
    ++met->second.hash_failures;
    met_changed_ = true;
  }
  spdlog::warn("torrent {}: banned {}: {}", meta_.name, to_string(record.address), why);
  for (const auto& peer : peers_) {
    if (peer->key() == key) peer->close(std::string("banned: ") + why);
  }
}

void Torrent::become_complete() {
  if (state_ == TorrentState::seeding) return;
  set_state(TorrentState::seeding);
  stall_.reset(Clock::now());
  if (completed_at_ == 0) completed_at_ = unix_now();
  spdlog::info("torrent {}: download complete", meta_.name);
  if (!was_complete_at_start_) announcer_->completed();
  for (const auto& peer : peers_)
    peer->on_we_completed();
  session_.mark_changed();
}

void Torrent::fail(const std::string& message) {
  error_ = message;
  // Info, not error: the owner gets the Error event and shows it (the CLI prints it once).
  spdlog::info("torrent {}: {}", meta_.name, message);
  set_state(TorrentState::error);
  for (const auto& peer : peers_)
    peer->close("torrent error");
  session_.emit(engine::Error{meta_.info_hash, message});
}

void Torrent::set_state(TorrentState state) {
  if (state_ == state) return;
  state_ = state;
  session_.mark_changed();
}

asio::awaitable<std::vector<std::vector<std::uint8_t>>> Torrent::read_blocks(
    std::vector<BlockRequest> blocks) {
  std::shared_ptr<TorrentStorage> storage = storage_;
  auto job = [storage, blocks = std::move(blocks)] {
    std::vector<std::vector<std::uint8_t>> out;
    out.reserve(blocks.size());
    try {
      for (const BlockRequest& b : blocks) {
        std::vector<std::uint8_t> data(static_cast<std::size_t>(b.length));
        storage->read(b, data);
        out.push_back(std::move(data));
      }
    } catch (const std::exception& e) {
      spdlog::warn("cannot read data to upload: {}", e.what());
      out.clear();
    }
    return out;
  };
  co_return co_await session_.disk().run(std::move(job));
}

void Torrent::count_upload(std::int64_t bytes) {
  uploaded_ += bytes;
  up_.add(bytes, Clock::now());
}

void Torrent::count_download(std::int64_t bytes) {
  downloaded_ += bytes;
  down_.add(bytes, Clock::now());
}

bool Torrent::is_banned(const tracker::PeerAddress& address, const PeerId& id) const {
  return banned_.contains(address_key(address)) || banned_.contains(peer_id_key(id));
}

Torrent::AnnounceNumbers Torrent::announce_numbers() const {
  return {uploaded_, downloaded_, picker_.wanted_bytes_left()};
}

void Torrent::set_tracker_status(std::string text, std::int32_t seeds, std::int32_t leechers) {
  if (!text.empty()) tracker_status_ = std::move(text);
  if (seeds >= 0) swarm_seeds_ = seeds;
  if (leechers >= 0) swarm_leechers_ = leechers;
}

bool Torrent::wants_more_peers() const {
  return static_cast<int>(peers_.size()) < std::max(1, settings_.max_peers / 5);
}

engine::TorrentStatus Torrent::status(Clock::time_point now) const {
  engine::TorrentStatus s;
  s.torrent = meta_.info_hash;
  s.state = state_;
  s.error = error_;
  s.tracker_status = tracker_status_;
  s.num_pieces = geometry_.num_pieces();
  s.pieces_have = picker_.num_have();
  std::int64_t wanted = 0;
  for (std::int32_t p = 0; p < geometry_.num_pieces(); ++p) {
    if (picker_.priority(PieceIndex{p}) != Priority::skip)
      wanted += geometry_.piece_size(PieceIndex{p});
  }
  s.wanted_bytes = wanted;
  s.wanted_done = wanted - picker_.wanted_bytes_left();
  s.checked_bytes = checked_bytes_;
  s.downloaded = downloaded_;
  s.uploaded = uploaded_;
  s.wasted = wasted_;
  s.down_rate = down_.rate(now);
  s.up_rate = up_.rate(now);
  for (const auto& peer : peers_) {
    if (peer->closed() || !peer->handshaked()) continue;
    ++s.peers;
    if (peer->is_seed()) ++s.seeds;
  }
  s.swarm_seeds = swarm_seeds_;
  s.swarm_leechers = swarm_leechers_;
  s.complete = complete() && pieces_verifying_ == 0 &&
               (state_ == TorrentState::seeding || state_ == TorrentState::paused);
  s.stalled = transferring() && stall_.stalled();
  s.queue_position = queue_position_;
  s.upload_limit = upload_limit_.rate();
  s.download_limit = download_limit_.rate();
  s.total_downloaded = base_downloaded_ + downloaded_;
  s.total_uploaded = base_uploaded_ + uploaded_;
  s.active_seconds = active_seconds_;
  s.seeding_seconds = seeding_seconds_;
  return s;
}

engine::PeerSnapshot Torrent::peer_snapshot(Clock::time_point now) const {
  engine::PeerSnapshot snapshot;
  snapshot.torrent = meta_.info_hash;
  for (const auto& peer : peers_) {
    if (!peer->closed() && peer->handshaked()) snapshot.peers.push_back(peer->info(now));
  }
  return snapshot;
}

engine::PieceSnapshot Torrent::piece_snapshot() const {
  engine::PieceSnapshot snapshot;
  snapshot.torrent = meta_.info_hash;
  const auto n = static_cast<std::size_t>(geometry_.num_pieces());
  snapshot.state.resize(n);
  snapshot.availability.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const PieceIndex p{static_cast<std::int32_t>(i)};
    snapshot.state[i] = static_cast<std::uint8_t>(picker_.state(p));
    snapshot.availability[i] = static_cast<std::uint8_t>(std::min(255, picker_.availability(p)));
  }
  return snapshot;
}

void Torrent::pause() {
  if (paused_ || stopping_) return;
  paused_ = true;
  for (const auto& peer : peers_)
    peer->close("paused");
  if (!started_ || state_ == TorrentState::downloading || state_ == TorrentState::seeding) {
    set_state(TorrentState::paused);
  }
  session_.mark_changed();
}

void Torrent::unpause() {
  if (!paused_) return;
  paused_ = false;
  if (!started_) {
    set_state(hold_ == Hold::stopped ? TorrentState::stopped : TorrentState::queued);
  } else if (state_ == TorrentState::paused) {
    set_state(complete() ? TorrentState::seeding : TorrentState::downloading);
    stall_.reset(Clock::now());
    announcer_->announce_now();
  }
  session_.mark_changed();
}

void Torrent::set_file_priority(FileIndex file, Priority priority) {
  if (file.get() < 0 || file.get() >= static_cast<std::int32_t>(file_priorities_.size())) {
    session_.emit(engine::Error{meta_.info_hash, "no such file: " + std::to_string(file.get())});
    return;
  }
  file_priorities_[static_cast<std::size_t>(file.get())] = priority;
  apply_file_priorities();
  if (store::ClientStore* db = session_.store(); db != nullptr && !forgotten_) {
    try {
      db->set_file_priority(meta_.info_hash, file, priority);
    } catch (const std::exception& e) {
      spdlog::warn("torrent {}: cannot store a file priority: {}", meta_.name, e.what());
    }
  }
  for (const auto& peer : peers_)
    peer->update_interest();
  if (complete() && state_ == TorrentState::downloading) become_complete();
  if (!complete() && state_ == TorrentState::seeding) set_state(TorrentState::downloading);
}

void Torrent::set_sequential(bool on) {
  picker_.set_sequential(on);
}

void Torrent::reannounce() {
  announcer_->announce_now();
}

asio::awaitable<void> Torrent::shutdown() {
  if (stopping_) co_return;
  stopping_ = true;
  tick_timer_.cancel();
  for (const auto& peer : peers_)
    peer->close("shutting down");
  peers_.clear();
  co_await announcer_->stop(kStoppedDeadline);
  // Pieces still being hashed or written finish first (bounded), then the last save.
  asio::steady_timer wait(session_.io());
  for (int i = 0; i < 100 && pieces_verifying_ > 0; ++i) {
    wait.expires_after(std::chrono::milliseconds(20));
    co_await wait.async_wait(kUseTuple);
  }
  co_await save_resume(true);
  storage_->release_files();
}

asio::awaitable<void> Torrent::delete_data() {
  std::shared_ptr<TorrentStorage> storage = storage_;
  auto job = [storage]() -> std::string {
    try {
      storage->delete_files();
      return {};
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  const std::string error = co_await session_.disk().run(std::move(job));
  if (!error.empty()) session_.emit(engine::Error{meta_.info_hash, "cannot delete data: " + error});
}

}  // namespace lt::net
