#include "core/view_model.hpp"

#include <algorithm>
#include <cmath>
#include <compare>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/torrent_state.hpp"

namespace lt {
namespace {

// Below this the rate is noise (a keep-alive's worth), and an ETA from it would be absurd.
constexpr double kMinEtaRate = 1.0;

char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::weak_ordering compare_names(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    // Compare as unsigned so UTF-8 names sort after ASCII ones, as their code points do.
    const auto ca = static_cast<unsigned char>(ascii_lower(a[i]));
    const auto cb = static_cast<unsigned char>(ascii_lower(b[i]));
    if (ca != cb) return ca <=> cb;
  }
  return a.size() <=> b.size();
}

// Doubles from the engine are never NaN, but a NaN would break std::stable_sort's strict weak
// ordering (undefined behaviour), so it is read as 0 rather than trusted.
double sane(double x) noexcept {
  return std::isnan(x) ? 0.0 : x;
}

std::weak_ordering compare_doubles(double a, double b) noexcept {
  a = sane(a);
  b = sane(b);
  if (a < b) return std::weak_ordering::less;
  if (b < a) return std::weak_ordering::greater;
  return std::weak_ordering::equivalent;
}

std::weak_ordering compare_eta(const engine::TorrentStatus& a, const engine::TorrentStatus& b) {
  const std::optional<std::int64_t> ea = eta_seconds(a);
  const std::optional<std::int64_t> eb = eta_seconds(b);
  if (ea && eb) return *ea <=> *eb;
  // No ETA is "never": after every known one.
  if (ea) return std::weak_ordering::less;
  if (eb) return std::weak_ordering::greater;
  return std::weak_ordering::equivalent;
}

std::weak_ordering compare_rows(const TorrentRow& a, const TorrentRow& b, SortColumn column) {
  const engine::TorrentStatus& sa = a.status;
  const engine::TorrentStatus& sb = b.status;
  switch (column) {
    case SortColumn::name:
      return compare_names(a.name, b.name);
    case SortColumn::size:
      return a.total_size <=> b.total_size;
    case SortColumn::progress:
      return compare_doubles(progress_fraction(sa), progress_fraction(sb));
    case SortColumn::state:
      return compare_names(to_string(sa.state), to_string(sb.state));
    case SortColumn::peers:
      return sa.peers <=> sb.peers;
    case SortColumn::down_rate:
      return compare_doubles(sa.down_rate, sb.down_rate);
    case SortColumn::up_rate:
      return compare_doubles(sa.up_rate, sb.up_rate);
    case SortColumn::eta:
      return compare_eta(sa, sb);
    case SortColumn::ratio:
      return compare_doubles(share_ratio(sa), share_ratio(sb));
    case SortColumn::added:
      return compare_doubles(a.added_order, b.added_order);
  }
  return std::weak_ordering::equivalent;
}

// Appends to a speed history under ViewModel::total_speed()'s rules.
void add_sample(std::deque<ViewModel::SpeedSample>& history, double now, double down, double up) {
  if (!history.empty() && now - history.back().at < ViewModel::kSpeedSampleInterval) {
    // Within the interval (or a clock that went back): the newest sample takes the newest rates.
    history.back().down = down;
    history.back().up = up;
  } else {
    history.push_back({now, down, up});
  }
  while (!history.empty() && history.front().at < now - ViewModel::kSpeedHistorySeconds)
    history.pop_front();
}

}  // namespace

std::optional<std::int64_t> eta_seconds(const engine::TorrentStatus& s) {
  if (s.state != TorrentState::downloading) return std::nullopt;
  // Written so that a NaN rate fails the test too.
  if (!(s.down_rate >= kMinEtaRate)) return std::nullopt;
  const std::int64_t left = s.wanted_bytes - s.wanted_done;
  if (left <= 0) return 0;
  const double seconds = std::ceil(static_cast<double>(left) / s.down_rate);
  // An infinite rate gives 0; a huge left over a tiny rate must not overflow the conversion.
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (seconds >= static_cast<double>(kMax)) return kMax;
  return static_cast<std::int64_t>(seconds);
}

double progress_fraction(const engine::TorrentStatus& s) {
  if (s.wanted_bytes <= 0) return s.complete ? 1.0 : 0.0;
  const double f = static_cast<double>(s.wanted_done) / static_cast<double>(s.wanted_bytes);
  return std::clamp(f, 0.0, 1.0);
}

double share_ratio(const engine::TorrentStatus& s) {
  return static_cast<double>(s.total_uploaded) /
         static_cast<double>(std::max<std::int64_t>(1, s.total_downloaded));
}

std::vector<std::size_t> sorted_rows(const std::vector<TorrentRow>& rows, SortColumn column,
                                     bool descending) {
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  // Descending swaps the comparison rather than reversing the result, so equal rows stay in
  // arrival order in both directions (a reversed list would flip them).
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::weak_ordering c = compare_rows(rows[a], rows[b], column);
    return descending ? c > 0 : c < 0;
  });
  return order;
}

void ViewModel::apply(const engine::Event& event, double now) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, engine::TorrentAdded>) {
          on_added(e);
        } else if constexpr (std::is_same_v<T, engine::TorrentRemoved>) {
          on_removed(e, now);
        } else if constexpr (std::is_same_v<T, engine::StatusDelta>) {
          on_status(e, now);
        } else if constexpr (std::is_same_v<T, engine::PeerSnapshot>) {
          if (selected_ == e.torrent) peers_ = e;
        } else if constexpr (std::is_same_v<T, engine::PieceSnapshot>) {
          if (selected_ == e.torrent) pieces_ = e;
        } else if constexpr (std::is_same_v<T, engine::ListenState>) {
          on_listen(e, now);
        } else if constexpr (std::is_same_v<T, engine::Error>) {
          on_message(e.torrent, e.message, true, now);
        } else if constexpr (std::is_same_v<T, engine::Notice>) {
          on_message(e.torrent, e.message, false, now);
        } else if constexpr (std::is_same_v<T, engine::SettingsState>) {
          settings_ = e;
        } else if constexpr (std::is_same_v<T, engine::EventsDropped>) {
          resync_requested_ = true;
        } else if constexpr (std::is_same_v<T, engine::Stopped>) {
          stopped_ = true;
        } else {
          // A new Event alternative must be handled here: a compile error, not a silent drop.
          static_assert(!sizeof(T*), "unhandled engine event");
        }
      },
      event);
}

const TorrentRow* ViewModel::find(const InfoHash& hash) const {
  const auto it = index_.find(hash);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

TorrentRow* ViewModel::find_mutable(const InfoHash& hash) {
  const auto it = index_.find(hash);
  return it == index_.end() ? nullptr : &rows_[it->second];
}

TorrentRow& ViewModel::add_row(const InfoHash& hash) {
  TorrentRow& row = rows_.emplace_back();
  row.hash = hash;
  row.name = hash.hex();
  row.status.torrent = hash;
  row.added_order = next_order_++;
  index_.emplace(hash, rows_.size() - 1);
  return row;
}

void ViewModel::note_file_priority(const InfoHash& hash, std::size_t file, Priority priority) {
  TorrentRow* row = find_mutable(hash);
  if (row == nullptr || file >= row->details.files.size()) return;
  row->details.priorities.resize(row->details.files.size(), Priority::normal);
  row->details.priorities[file] = priority;
}

void ViewModel::on_added(const engine::TorrentAdded& added) {
  TorrentRow* row = find_mutable(added.torrent);
  // Added again (or first seen through a status): keep its place, order and status.
  if (row == nullptr) row = &add_row(added.torrent);
  row->name = added.name.empty() ? added.torrent.hex() : added.name;
  row->total_size = added.total_size;
  row->num_pieces = added.num_pieces;
  row->details = added;
}

void ViewModel::on_removed(const engine::TorrentRemoved& removed, double now) {
  const auto it = index_.find(removed.torrent);
  if (it == index_.end()) return;
  const std::size_t pos = it->second;
  index_.erase(it);
  rows_.erase(rows_.begin() + static_cast<std::ptrdiff_t>(pos));
  // Rows after it moved up by one. O(rows), like the erase itself; removals are rare.
  for (auto& [hash, i] : index_)
    if (i > pos) --i;
  if (selected_ == removed.torrent) {
    selected_.reset();
    clear_selected_views();
  }
  record_speed(now);
}

void ViewModel::on_status(const engine::StatusDelta& delta, double now) {
  for (const engine::TorrentStatus& status : delta.changed) {
    TorrentRow* row = find_mutable(status.torrent);
    // Its TorrentAdded was lost in a drop: show it under its hash rather than not at all.
    if (row == nullptr) row = &add_row(status.torrent);
    row->status = status;
    row->has_status = true;
    if (status.num_pieces > 0) row->num_pieces = status.num_pieces;
  }
  record_speed(now);
}

void ViewModel::on_listen(const engine::ListenState& listen, double now) {
  if (listen.ok) {
    listen_port_ = listen.port;
    listen_error_.clear();
    return;
  }
  listen_port_.reset();
  listen_error_ = listen.error.empty() ? std::string("unknown error") : listen.error;
  std::string text = "Cannot listen for peers";
  if (listen.port != 0) text += " on port " + std::to_string(listen.port);
  notify(text + ": " + listen_error_, true, now);
}

void ViewModel::on_message(const std::optional<InfoHash>& torrent, const std::string& message,
                           bool error, double now) {
  TorrentRow* row = torrent ? find_mutable(*torrent) : nullptr;
  if (row != nullptr && error) row->last_error = message;
  notify(row != nullptr ? row->name + ": " + message : message, error, now);
}

void ViewModel::notify(std::string text, bool error, double now) {
  notifications_.push_back(Notification{std::move(text), error, now});
  while (notifications_.size() > kMaxNotifications)
    notifications_.pop_front();
}

void ViewModel::record_speed(double now) {
  add_sample(total_speed_, now, total_down_rate(), total_up_rate());
  if (!selected_) return;
  const TorrentRow* row = find(*selected_);
  if (row != nullptr && row->has_status)
    add_sample(selected_speed_, now, row->status.down_rate, row->status.up_rate);
}

void ViewModel::select(std::optional<InfoHash> hash) {
  if (hash == selected_) return;
  selected_ = hash;
  clear_selected_views();
}

void ViewModel::clear_selected_views() {
  peers_.reset();
  pieces_.reset();
  selected_speed_.clear();
}

const engine::PeerSnapshot* ViewModel::peers() const {
  return peers_ ? &*peers_ : nullptr;
}

const engine::PieceSnapshot* ViewModel::pieces() const {
  return pieces_ ? &*pieces_ : nullptr;
}

double ViewModel::total_down_rate() const {
  double sum = 0;
  for (const TorrentRow& row : rows_)
    if (row.has_status) sum += row.status.down_rate;
  return sum;
}

double ViewModel::total_up_rate() const {
  double sum = 0;
  for (const TorrentRow& row : rows_)
    if (row.has_status) sum += row.status.up_rate;
  return sum;
}

int ViewModel::total_peers() const {
  int sum = 0;
  for (const TorrentRow& row : rows_)
    if (row.has_status) sum += row.status.peers;
  return sum;
}

bool ViewModel::take_resync_request() {
  return std::exchange(resync_requested_, false);
}

}  // namespace lt
