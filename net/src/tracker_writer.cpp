#include "net/tracker_writer.hpp"

#include <spdlog/spdlog.h>

namespace lt::net {
namespace {

void merge(TrackerBatch& into, TrackerBatch&& from) {
  // Upserts are idempotent and applied in order, so appending keeps "later wins".
  into.swarms.insert(into.swarms.end(), std::make_move_iterator(from.swarms.begin()),
                     std::make_move_iterator(from.swarms.end()));
  into.peers.insert(into.peers.end(), from.peers.begin(), from.peers.end());
  into.removed_peers.insert(into.removed_peers.end(), from.removed_peers.begin(),
                            from.removed_peers.end());
  into.expired_before = std::max(into.expired_before, from.expired_before);
}

}  // namespace

TrackerWriter::TrackerWriter(const std::filesystem::path& path) : store_(path) {
  thread_ = std::thread([this] { run(); });
}

TrackerWriter::~TrackerWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::vector<store::StoredSwarm> TrackerWriter::load_swarms() {
  return store_.load_swarms();
}
std::vector<store::StoredPeer> TrackerWriter::load_peers() {
  return store_.load_peers();
}

void TrackerWriter::submit(TrackerBatch batch) {
  {
    std::lock_guard lock(mutex_);
    merge(pending_, std::move(batch));
    has_pending_ = true;
  }
  wake_.notify_one();
}

void TrackerWriter::flush() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !has_pending_ && !writing_; });
}

void TrackerWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return has_pending_ || stopping_; });
    if (has_pending_) {
      TrackerBatch batch = std::move(pending_);
      pending_ = {};
      has_pending_ = false;
      writing_ = true;
      lock.unlock();
      try {
        store_.save(batch.swarms, batch.peers, batch.removed_peers, batch.expired_before);
      } catch (const std::exception& e) {
        // A failed write (disk full) loses this batch, not the tracker: state is in memory
        // and the next batch carries the current counters again.
        spdlog::error("tracker: cannot write the database: {}", e.what());
      }
      lock.lock();
      writing_ = false;
    }
    if (!has_pending_) idle_.notify_all();
    if (stopping_ && !has_pending_) return;
  }
}

}  // namespace lt::net
