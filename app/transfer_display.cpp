#include "transfer_display.hpp"

#include <cstdio>

#include "core/human_format.hpp"

#if defined(_WIN32)
#include <io.h>
#define LT_ISATTY _isatty
#define LT_FILENO _fileno
#else
#include <unistd.h>
#define LT_ISATTY isatty
#define LT_FILENO fileno
#endif

namespace lt::app {
namespace {

std::string rate(double bytes_per_second) {
  return format_bytes(static_cast<std::int64_t>(bytes_per_second)) + "/s";
}

std::string eta(std::int64_t left, double rate) {
  if (left <= 0) return "0s";
  if (rate < 1) return "-";
  const auto seconds = static_cast<std::int64_t>(static_cast<double>(left) / rate);
  if (seconds >= 86400) return std::to_string(seconds / 86400) + "d";
  if (seconds >= 3600)
    return std::to_string(seconds / 3600) + "h" + std::to_string(seconds / 60 % 60) + "m";
  if (seconds >= 60) return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60) + "s";
  return std::to_string(seconds) + "s";
}

}  // namespace

TransferDisplay::TransferDisplay(std::string name, bool /*seeding_expected*/)
    : name_(std::move(name)), terminal_(LT_ISATTY(LT_FILENO(stderr)) != 0) {}

std::string TransferDisplay::line(const engine::TorrentStatus& s) const {
  return format_status_line(name_, s);
}

std::string format_status_line(const std::string& name, const engine::TorrentStatus& s) {
  char percent[16];
  const double fraction =
      s.wanted_bytes > 0 ? static_cast<double>(s.wanted_done) / static_cast<double>(s.wanted_bytes)
                         : 0;
  std::snprintf(percent, sizeof percent, "%5.1f%%", 100.0 * fraction);
  std::string text = name + ": " + std::string(to_string(s.state));
  if (s.state == TorrentState::checking) {
    const std::int64_t total = s.wanted_bytes > 0 ? s.wanted_bytes : 1;
    std::snprintf(percent, sizeof percent, "%5.1f%%",
                  100.0 * static_cast<double>(s.checked_bytes) / static_cast<double>(total));
    return text + " " + percent;
  }
  text += " " + std::string(percent) + " pieces " + std::to_string(s.pieces_have) + "/" +
          std::to_string(s.num_pieces) + " down " + rate(s.down_rate) + " up " + rate(s.up_rate) +
          " peers " + std::to_string(s.peers) + " (" + std::to_string(s.seeds) + " seeds)";
  if (s.state == TorrentState::downloading) {
    text += " eta " + eta(s.wanted_bytes - s.wanted_done, s.down_rate);
  }
  if ((s.state == TorrentState::error || s.state == TorrentState::missing_files) &&
      !s.error.empty()) {
    text += ": " + s.error;
  }
  return text;
}

void TransferDisplay::print(const std::string& text, bool transient) {
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", text.c_str(), transient ? "" : "\n");
    drawn_ = transient;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

void TransferDisplay::update(const engine::TorrentStatus& status) {
  const bool state_changed = !have_status_ || status.state != last_state_;
  const bool tracker_changed = have_status_ && status.tracker_status != last_.tracker_status;
  last_ = status;
  have_status_ = true;
  last_state_ = status.state;
  const auto now = std::chrono::steady_clock::now();
  if (tracker_changed && status.tracker_status.starts_with("failure")) {
    note("tracker: " + status.tracker_status);
  }
  if (terminal_) {
    print(line(status), true);
  } else if (state_changed || now - last_plain_ >= std::chrono::seconds(5)) {
    last_plain_ = now;
    print(line(status), false);
  }
}

void TransferDisplay::note(const std::string& text) {
  if (terminal_ && drawn_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  drawn_ = false;
  if (terminal_ && have_status_) print(line(last_), true);
  std::fflush(stderr);
}

void TransferDisplay::finish() {
  if (finished_) return;
  finished_ = true;
  if (have_status_) print(line(last_), false);
}

}  // namespace lt::app
