// The Torrent's side of the client database: what it records (pieces after a flush, its row,
// the peers met) and what it believes at start (a record whose files still match, known peers).
// Declared in torrent.hpp; split from torrent.cpp to keep one concept per file.

#include <spdlog/spdlog.h>

#include "peer_connection.hpp"
#include "session.hpp"
#include "torrent.hpp"
#include "torrent_keys.hpp"

namespace lt::net {
namespace asio = boost::asio;

namespace {

tracker::PeerAddress from_stored(const store::StoredTorrentPeer& stored) {
  tracker::PeerAddress a;
  a.ip.bytes = stored.address;
  a.ip.v6 = stored.v6;
  a.port = stored.port;
  return a;
}

store::StoredTorrentPeer to_stored(const tracker::PeerAddress& a) {
  store::StoredTorrentPeer stored;
  stored.address = a.ip.bytes;
  stored.v6 = a.ip.v6;
  stored.port = a.port;
  return stored;
}

}  // namespace

void Torrent::record_in_store(const store::StoredTorrent* row) {
  store::ClientStore* db = session_.store();
  if (db == nullptr) return;
  try {
    resume_ = db->pieces(meta_.info_hash);
    // A restored row is already what it should be; rewriting 1,000 of them at start-up would
    // cost a commit each.
    if (row != nullptr && !row->metainfo.empty() && row->save_path == options_.save_dir.string())
      return;
    store::StoredTorrent fresh = stored_row();
    fresh.metainfo = options_.torrent_bytes;
    db->upsert_torrent(fresh);
  } catch (const std::exception& e) {
    spdlog::warn("torrent {}: database: {}", meta_.name, e.what());
    resume_.reset();
  }
}

void Torrent::load_resume_into_picker() {
  // Shown while the torrent is idle and used by the queue; run() believes it only when the
  // files still match (else it starts over from a check).
  if (!resume_ || !resume_->issue.empty() || resume_->num_pieces != geometry_.num_pieces()) return;
  const auto bits = Bitfield::from_bytes(resume_->have, geometry_.num_pieces());
  if (!bits) return;
  for (std::int32_t p = 0; p < geometry_.num_pieces(); ++p) {
    if (bits->test(PieceIndex{p})) picker_.set_have(PieceIndex{p});
  }
}

std::optional<std::pair<std::string, int>> Torrent::missing_recorded_files() const {
  if (!resume_ || resume_->num_pieces != geometry_.num_pieces()) return std::nullopt;
  const auto bits = Bitfield::from_bytes(resume_->have, geometry_.num_pieces());
  if (!bits || bits->count() == 0) return std::nullopt;
  const std::vector<FileStat> stats = storage_->stat_files();
  std::optional<std::pair<std::string, int>> missing;
  for (const store::StoredFile& f : resume_->files) {
    const auto i = static_cast<std::size_t>(f.index.get());
    if (i >= stats.size() || meta_.files[i].pad || f.size <= 0 || stats[i].exists) continue;
    if (!missing) missing.emplace(meta_.files[i].path, 0);
    ++missing->second;
  }
  return missing;
}

bool Torrent::resume_matches_disk() const {
  if (!resume_ || !resume_->issue.empty() || resume_->num_pieces != geometry_.num_pieces()) {
    return false;
  }
  const std::vector<FileStat> stats = storage_->stat_files();
  for (const store::StoredFile& f : resume_->files) {
    const auto i = static_cast<std::size_t>(f.index.get());
    if (i >= stats.size()) return false;
    if (meta_.files[i].pad || f.size < 0) continue;  // nothing of it recorded
    const FileStat& disk = stats[i];
    if (!disk.exists || disk.size != f.size || disk.mtime_ns != f.mtime_ns) return false;
  }
  return true;
}

asio::awaitable<void> Torrent::save_resume(bool force) {
  store::ClientStore* db = session_.store();
  // Before its check has decided what is on disk, a torrent has nothing to record: the files
  // may not match the pieces it shows.
  if (db == nullptr || saving_ || !verified_ || forgotten_) co_return;
  if (!force && picker_.num_have() == saved_have_) co_return;
  saving_ = true;
  // The snapshot comes before the flush: a piece written after it may not be on disk yet.
  const Bitfield have = picker_.have_bitfield();
  std::shared_ptr<TorrentStorage> storage = storage_;
  struct Flushed {
    std::vector<FileStat> stats;
    std::string error;
  };
  auto job = [storage]() -> Flushed {
    try {
      storage->flush();
      return {storage->stat_files(), {}};
    } catch (const std::exception& e) {
      return {{}, e.what()};
    }
  };
  const Flushed flushed = co_await session_.disk().run(std::move(job));
  saving_ = false;
  if (!flushed.error.empty()) {
    spdlog::warn("torrent {}: cannot flush before recording pieces: {}", meta_.name, flushed.error);
    co_return;
  }
  std::vector<store::StoredFile> files;
  for (std::size_t i = 0; i < flushed.stats.size(); ++i) {
    store::StoredFile f;
    f.index = FileIndex{static_cast<std::int32_t>(i)};
    f.priority = file_priorities_[i];
    if (flushed.stats[i].exists) {
      f.size = flushed.stats[i].size;
      f.mtime_ns = flushed.stats[i].mtime_ns;
    }
    files.push_back(f);
  }
  try {
    db->save_pieces(meta_.info_hash, have.bytes(), have.size(), files);
    saved_have_ = have.count();
  } catch (const std::exception& e) {
    spdlog::warn("torrent {}: cannot record pieces in the database: {}", meta_.name, e.what());
  }
}

store::StoredTorrent Torrent::stored_row() const {
  store::StoredTorrent row;
  row.info_hash = meta_.info_hash;
  row.name = meta_.name;
  row.save_path = options_.save_dir.string();
  // What the user should find after a restart: a held or paused torrent stays so; a queued,
  // checking or errored one runs again (subject to the queue).
  if (hold_ == Hold::stopped || state_ == TorrentState::stopped) {
    row.state = TorrentState::stopped;
  } else if (paused_) {
    row.state = TorrentState::paused;
  } else {
    row.state = state_;
  }
  row.queue_position = queue_position_;
  row.added_at = added_at_;
  row.completed_at = completed_at_;
  row.uploaded = base_uploaded_ + uploaded_;
  row.downloaded = base_downloaded_ + downloaded_;
  row.last_error = error_;
  row.sequential = picker_.sequential();
  row.upload_limit = upload_limit_.rate();
  row.download_limit = download_limit_.rate();
  row.active_seconds = active_seconds_;
  row.seeding_seconds = seeding_seconds_;
  return row;
}

void Torrent::load_known_peers() {
  // Known peers first: a resumed torrent reconnects to them before the tracker answers.
  store::ClientStore* db = session_.store();
  if (db == nullptr) return;
  std::vector<store::StoredTorrentPeer> known;
  try {
    known = db->peers(meta_.info_hash, store::kMaxPeersPerTorrent, true);
  } catch (const std::exception& e) {
    spdlog::warn("torrent {}: cannot load known peers: {}", meta_.name, e.what());
    return;
  }
  std::vector<tracker::PeerAddress> candidates;
  for (const store::StoredTorrentPeer& stored : known) {
    tracker::PeerAddress address = from_stored(stored);
    met_.emplace(address, stored);
    if (stored.banned) {
      banned_.insert(address_key(address));
      if (stored.peer_id) banned_.insert(peer_id_key(*stored.peer_id));
    } else {
      candidates.push_back(address);
    }
  }
  add_peer_candidates(candidates, engine::PeerSource::resume);
}

void Torrent::remember_peer(const PeerConnection& peer, bool closing) {
  // An incoming peer is reachable only at the listen port its extension handshake named.
  tracker::PeerAddress address = peer.address();
  if (peer.incoming()) {
    if (peer.listen_port() == 0) return;
    address.port = peer.listen_port();
  }
  auto [it, inserted] = met_.try_emplace(address);
  store::StoredTorrentPeer& met = it->second;
  const std::int64_t now = unix_now();
  if (inserted) {
    met = to_stored(address);
    met.first_seen = now;
  }
  met.last_seen = now;
  met.peer_id = peer.peer_id();
  const engine::PeerInfo info = peer.info(Clock::now());
  if (!info.client.empty()) met.client = info.client;
  if (closing) {
    met.bytes_from += info.downloaded;
    met.bytes_to += info.uploaded;
  }
  met_changed_ = true;
}

std::optional<std::vector<store::StoredTorrentPeer>> Torrent::peers_to_save() {
  if (!met_changed_ && peers_.empty()) return std::nullopt;
  met_changed_ = false;
  std::vector<store::StoredTorrentPeer> out;
  out.reserve(met_.size());
  const auto now = Clock::now();
  for (const auto& [address, met] : met_)
    out.push_back(met);
  // Live connections: their bytes so far on top of the totals (added for good when they close).
  for (const auto& peer : peers_) {
    if (peer->closed() || !peer->handshaked()) continue;
    tracker::PeerAddress address = peer->address();
    if (peer->incoming()) address.port = peer->listen_port();
    for (store::StoredTorrentPeer& stored : out) {
      if (from_stored(stored) == address) {
        const engine::PeerInfo info = peer->info(now);
        stored.bytes_from += info.downloaded;
        stored.bytes_to += info.uploaded;
        stored.last_seen = unix_now();
        break;
      }
    }
  }
  return out;
}

}  // namespace lt::net
