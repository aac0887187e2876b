#pragma once
// Torrent queueing: which torrents may run under the "at most N active downloads and M active
// seeds" settings, and when a running torrent counts as stalled.
//
// decide_active() is a pure function of every torrent's queue state; the caller runs it whenever
// something changes (a torrent added, removed, paused, resumed, completed, moved in the queue, or
// a StallDetector flipped) and starts or queues torrents to match. Rules:
//  - Downloads (complete = false) and seeds (complete = true) have separate limits; a torrent
//    that completes moves from one kind to the other at the next call.
//  - An entry with wants_to_run = false (paused, stopped, errored, checking...) is never active
//    and never takes a slot: the user or the engine holds it, not the queue.
//  - An active stalled entry stays active and does not count toward its limit: a torrent that
//    moves no data (no seeds around, nobody wants our pieces) should not keep a healthy one
//    queued, yet stopping it would lose the chance that it picks up again. This is the
//    qBittorrent "do not count slow torrents" behaviour, on by default here because torrents
//    silently blocking the queue is a common complaint.
//  - A queued entry is never considered stalled (its flag is ignored): it moves no data because
//    it is not running, and starting it for free would let every queued torrent in.
//  - Every other candidate fills the slots of its kind strictly in queue position order, lowest
//    first, ties broken by input order. Currently active entries get no preference, so when the
//    limits shrink or a queued torrent is moved up, the active entries with the highest positions
//    are the ones queued; the caller controls churn through positions.
//  - A limit < 0 is unlimited. A limit of 0 runs nothing of that kind, stalled entries
//    included: zero slots means the user wants none running, and otherwise a stalled torrent
//    could never be stopped by the limits.
//
// StallDetector turns one torrent's rate samples into the `stalled` flag. Reset it whenever the
// torrent starts or switches between downloading and seeding, so a fresh start gets a full grace
// period to get going.
//
// Time is a parameter (core/ reads no clocks).

#include <chrono>
#include <span>
#include <vector>

namespace lt {

struct QueueLimits {
  int max_active_downloads = 3;  // < 0: unlimited
  int max_active_seeds = 5;      // < 0: unlimited
};

struct QueueEntry {
  int position = 0;          // queue position, lower runs first; ties broken by input order
  bool wants_to_run = true;  // false: held (paused, stopped, error, checking...); never active
  bool complete = false;     // true: would seed; false: would download
  bool active = false;       // currently running (not queued)
  bool stalled = false;      // running but moving no data lately (StallDetector); see above
};

// For each entry (same order): true when it should be running now, false when it should be
// queued (or is held).
[[nodiscard]] std::vector<bool> decide_active(std::span<const QueueEntry> entries,
                                              QueueLimits limits);

// Whether a running torrent is stalled: its rate has stayed below a threshold for a grace period
// (qBittorrent's "slow torrent" rate threshold and inactivity timer). The grace period keeps a
// torrent that is just connecting, or briefly between peers, from losing its slot. Recovery is
// immediate: one sample at or above the threshold clears it, because a torrent that moves data
// again deserves its slot back at once.
class StallDetector {
 public:
  using Clock = std::chrono::steady_clock;

  // `threshold` in bytes per second (a rate below it is slow); `grace` is how long the rate must
  // stay slow before the torrent is stalled.
  explicit StallDetector(double threshold = 2048, Clock::duration grace = std::chrono::seconds(60));

  // Feed the current rate (download rate when downloading, upload rate when seeding) once per
  // tick; returns stalled(). The slow period starts at the first slow sample (or at reset()).
  // Time that goes backwards does not advance the slow period. A NaN rate counts as 0.
  bool update(double rate, Clock::time_point now);

  // Not stalled, and the slow period starts at `now`: a torrent that never gets going is stalled
  // once `grace` has passed after it started, even if the first sample comes later.
  void reset(Clock::time_point now);

  [[nodiscard]] bool stalled() const noexcept { return stalled_; }

 private:
  double threshold_;
  Clock::duration grace_;
  bool slow_ = false;               // the latest sample (or a reset) was below the threshold
  Clock::time_point slow_since_{};  // when the current slow period began
  bool stalled_ = false;
};

}  // namespace lt
