#pragma once
// The headless commands' side of the engine (download, seed, daemon): owns the Engine, sleeps
// until it has events (or 250 ms pass, so displays and signal checks keep going), and turns
// SIGINT/SIGTERM into a flag the command's loop reads. One per process at a time.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/engine_events.hpp"
#include "net/engine.hpp"

namespace lt::app {

// A --upload-limit / --download-limit value in KiB/s as bytes per second; nullopt stays unset.
// Throws UsageError for a negative or absurd value.
[[nodiscard]] std::optional<std::int64_t> kib_to_bytes(const char* option,
                                                       std::optional<std::int64_t> kib);

class EngineHost {
 public:
  explicit EngineHost(net::EngineSettings settings);
  // Shuts the engine down (bounded) and restores the default signal handlers.
  ~EngineHost();
  EngineHost(const EngineHost&) = delete;
  EngineHost& operator=(const EngineHost&) = delete;

  [[nodiscard]] net::Engine& engine() noexcept { return *engine_; }
  // Waits for events (at most 250 ms) and moves them into `out`, which is cleared first.
  void wait(std::vector<engine::Event>& out);
  // SIGINT or SIGTERM once one arrived, else 0.
  [[nodiscard]] static int signal_received() noexcept;
  // Stops the engine now: announces `stopped`, saves, joins (bounded).
  void shutdown();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::unique_ptr<net::Engine> engine_;
};

}  // namespace lt::app
