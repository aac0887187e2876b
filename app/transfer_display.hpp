#pragma once
// What `download` and `seed` print while they run: on a terminal one line redrawn in place
// (state, pieces, percent, rates, peers, ETA); otherwise a plain line every 5 seconds, on
// every state change and at the end, so logs stay readable.

#include <chrono>
#include <string>

#include "core/engine_events.hpp"

namespace lt::app {

// "name: downloading  42.0% pieces 10/24 down 1.0 MiB/s up 0 B/s peers 3 (1 seeds) eta 5s".
[[nodiscard]] std::string format_status_line(const std::string& name,
                                             const engine::TorrentStatus& status);

class TransferDisplay {
 public:
  TransferDisplay(std::string name, bool seeding_expected);
  void update(const engine::TorrentStatus& status);
  // A message on its own line (the progress line is redrawn after it).
  void note(const std::string& text);
  void finish();

 private:
  [[nodiscard]] std::string line(const engine::TorrentStatus& status) const;
  void print(const std::string& text, bool transient);

  std::string name_;
  bool terminal_;
  bool drawn_ = false;
  bool finished_ = false;
  TorrentState last_state_ = TorrentState::checking;
  bool have_status_ = false;
  engine::TorrentStatus last_;
  std::chrono::steady_clock::time_point last_plain_{};
};

}  // namespace lt::app
