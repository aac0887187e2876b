#pragma once
// The tracker of this project running inside another program (the GUI's Tracker menu): the
// same TrackerServer as `liketorrent tracker`, on its own thread and io_context so a busy
// tracker never delays the engine's peers or the window. Asio stays out of this header.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "net/tracker_server.hpp"

namespace lt::net {

class LocalTracker {
 public:
  LocalTracker();
  // Stops the tracker if it runs (writes its last batch).
  ~LocalTracker();
  LocalTracker(const LocalTracker&) = delete;
  LocalTracker& operator=(const LocalTracker&) = delete;

  // Opens the database, binds and starts serving; returns the port. Throws std::runtime_error
  // (or store::DatabaseError) with a one-line reason, e.g. the port is in use; nothing then
  // runs. Starting a running tracker restarts it with the new options.
  std::uint16_t start(const TrackerOptions& options);
  void stop();
  [[nodiscard]] bool running() const noexcept;
  // The tracker's numbers as of the last second (they are read on its own thread); nullopt
  // while it does not run.
  [[nodiscard]] std::optional<TrackerStatus> status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lt::net
