#pragma once
// The GUI's picture of the engine, built only from the engine's Events (DESIGN.md section 1):
// the torrent table, the selected torrent's peers and pieces, notifications, the listener and
// the speed history. Pure (no ImGui, no clock, no engine access), so every rule below is unit
// tested with plain event streams; the GUI draws from it and sends Commands on its own.
//
// Decisions:
//   - Events can be lost (EventsDropped), so nothing assumes a complete stream: a StatusDelta
//     for a torrent never announced creates a row named by the info-hash hex, and a second
//     TorrentAdded for a known torrent updates its row in place.
//   - Rows are kept in arrival order; display order is a separate index list (sorted_rows), so
//     sorting never moves rows under the selection or the GUI's per-row state.
//   - Snapshots are only kept for the selected torrent, and dropped when the selection changes
//     or the selected torrent is removed: the peer and piece views never show another torrent's
//     data, even for the moment before the engine follows a new Select.
//   - Time is a parameter (`now`, seconds on the caller's clock), as everywhere in core/.
//   - Not thread-safe: the GUI thread owns it and feeds it what it drains from the event queue.
//
// Known limit: a TorrentRemoved lost in a drop leaves its row behind until restart, because a
// resync resends statuses of the torrents that exist but says nothing of those that do not.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_events.hpp"
#include "core/sha1.hpp"

namespace lt {

struct TorrentRow {
  InfoHash hash;
  std::string name;             // hash hex until a TorrentAdded names it
  std::int64_t total_size = 0;  // 0 until a TorrentAdded tells it
  std::int32_t num_pieces = 0;
  engine::TorrentAdded details;  // the whole TorrentAdded (files, comment, magnet...); empty
                                 // until one arrives
  engine::TorrentStatus status;  // default (zeros) until has_status
  bool has_status = false;
  // The latest Error event for this torrent. Kept when a later status clears status.error, so
  // the user can still read why a torrent stopped after it was resumed.
  std::string last_error;
  double added_order = 0;  // order of arrival, for the "added" sort
};

// One line of the notification log. `at` is seconds on the caller's clock.
struct Notification {
  std::string text;
  bool error = false;
  double at = 0;
};

enum class SortColumn { name, size, progress, state, peers, down_rate, up_rate, eta, ratio, added };

class ViewModel {
 public:
  static constexpr std::size_t kMaxNotifications = 50;
  static constexpr double kSpeedHistorySeconds = 300;
  static constexpr double kSpeedSampleInterval = 1;

  struct SpeedSample {
    double at;  // seconds, caller's clock
    double down;
    double up;
  };

  // Applies one event; `now` (seconds, the caller's clock) stamps notifications and speed
  // samples. A kept snapshot is copied from the const event: two small vectors at ~2 Hz.
  void apply(const engine::Event& event, double now);

  // In arrival order. Pointers and references into it are invalidated by the next apply().
  [[nodiscard]] const std::vector<TorrentRow>& rows() const noexcept { return rows_; }
  [[nodiscard]] const TorrentRow* find(const InfoHash& hash) const;

  // Selection: the GUI sets it (and posts the matching Select command); snapshots for any other
  // torrent are ignored. Changing it drops the snapshots and the selected speed history.
  void select(std::optional<InfoHash> hash);
  // The GUI posted SetFilePriority: the row's details show it at once (the engine applies it
  // and sends no event for it). Ignored for an unknown torrent or file.
  void note_file_priority(const InfoHash& hash, std::size_t file, Priority priority);
  // A notification from the GUI itself (a dropped file that is not a torrent), kept with the
  // engine's (capped the same way).
  void notify(std::string text, bool error, double now);
  [[nodiscard]] const std::optional<InfoHash>& selected() const noexcept { return selected_; }
  // Of the selected torrent; nullptr until one arrives.
  [[nodiscard]] const engine::PeerSnapshot* peers() const;
  [[nodiscard]] const engine::PieceSnapshot* pieces() const;

  // Totals over all rows with a status.
  [[nodiscard]] double total_down_rate() const;
  [[nodiscard]] double total_up_rate() const;
  [[nodiscard]] int total_peers() const;

  // After EventsDropped the owner must ask the engine for a full picture again (it posts a
  // Select, which makes the engine resend every status and the snapshots). True once per drop;
  // drops before the owner asks are merged into one request.
  [[nodiscard]] bool take_resync_request();

  // The last kMaxNotifications, newest last: Error events (error = true; "NAME: message" when
  // the torrent is known), Notice events (the same prefix), and a failed ListenState.
  [[nodiscard]] const std::deque<Notification>& notifications() const noexcept {
    return notifications_;
  }

  // The listener: the port once a ListenState succeeded, else nullopt and the error, if any.
  [[nodiscard]] std::optional<std::uint16_t> listen_port() const { return listen_port_; }
  [[nodiscard]] const std::string& listen_error() const { return listen_error_; }

  // Stopped arrived: the engine thread is done and nothing else will come.
  // The engine's settings as last reported (nullopt before the first report).
  [[nodiscard]] const std::optional<engine::SettingsState>& settings() const noexcept {
    return settings_;
  }
  [[nodiscard]] bool engine_stopped() const noexcept { return stopped_; }

  // Speed history for the Speed tab: at most one sample per kSpeedSampleInterval, covering the
  // last kSpeedHistorySeconds, oldest first. Sampled when the rates can change (a StatusDelta,
  // a removal). A change within a second of the last sample overwrites that sample instead of
  // being dropped: the engine sends no delta while nothing changes, so the newest sample must
  // always hold the current rates or the graph would show a stale speed through the silence.
  [[nodiscard]] const std::deque<SpeedSample>& total_speed() const noexcept { return total_speed_; }
  // The same for the selected torrent, from the selection on.
  [[nodiscard]] const std::deque<SpeedSample>& selected_speed() const noexcept {
    return selected_speed_;
  }

 private:
  void on_added(const engine::TorrentAdded& added);
  void on_removed(const engine::TorrentRemoved& removed, double now);
  void on_status(const engine::StatusDelta& delta, double now);
  void on_listen(const engine::ListenState& listen, double now);
  void on_message(const std::optional<InfoHash>& torrent, const std::string& message, bool error,
                  double now);
  [[nodiscard]] TorrentRow* find_mutable(const InfoHash& hash);
  TorrentRow& add_row(const InfoHash& hash);
  void record_speed(double now);
  void clear_selected_views();

  std::vector<TorrentRow> rows_;
  std::map<InfoHash, std::size_t> index_;  // hash -> position in rows_
  double next_order_ = 0;
  std::optional<InfoHash> selected_;
  std::optional<engine::SettingsState> settings_;
  std::optional<engine::PeerSnapshot> peers_;
  std::optional<engine::PieceSnapshot> pieces_;
  bool resync_requested_ = false;
  std::deque<Notification> notifications_;
  std::optional<std::uint16_t> listen_port_;
  std::string listen_error_;
  bool stopped_ = false;
  std::deque<SpeedSample> total_speed_;
  std::deque<SpeedSample> selected_speed_;
};

// Row indexes in display order, stably sorted so ties keep arrival order in both directions.
// Rows without a status sort as an all-zero status. Keys: name case-insensitively (ASCII);
// state by its to_string() word, the text the table shows; progress = progress_fraction();
// ratio = share_ratio(); ETA = eta_seconds(), rows with none sorting as if infinite (last when
// ascending, first when descending); added = added_order.
[[nodiscard]] std::vector<std::size_t> sorted_rows(const std::vector<TorrentRow>& rows,
                                                   SortColumn column, bool descending);

// Seconds until the wanted bytes are done at the current download rate (rounded up); nullopt
// when not downloading or the rate is below 1 B/s, where a number would only flicker between
// huge values.
[[nodiscard]] std::optional<std::int64_t> eta_seconds(const engine::TorrentStatus& s);

// wanted_done / wanted_bytes in 0..1; a torrent that wants nothing is 1 when complete, else 0.
// Shared with the GUI so the progress bar and the progress sort agree.
[[nodiscard]] double progress_fraction(const engine::TorrentStatus& s);

// total_uploaded / max(1, total_downloaded): over all sessions, as users compare ratios.
[[nodiscard]] double share_ratio(const engine::TorrentStatus& s);

}  // namespace lt
