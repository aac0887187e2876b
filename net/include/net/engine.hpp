#pragma once
// The engine handle: the one object the GUI and the headless CLI hold. It owns the network
// thread (one io_context running every peer, tracker announce and timer as C++20 coroutines)
// and the disk pool, and talks to its owner only through two bounded lock-free SPSC queues
// (DESIGN.md section 1):
//
//   owner thread --post(Command)--> network thread --Event--> poll(events)
//
// post() wakes the network thread with one coalesced asio::post per burst; the engine calls
// `notify` (the GUI maps it to glfwPostEmptyEvent) only when the event queue goes from empty to
// non-empty. When the event queue is full the engine drops events and later sends
// EventsDropped{count}; it never blocks.
//
// post() and poll() must be called from one thread (the owner's). The header stays free of
// Asio so the GUI can include it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_commands.hpp"
#include "core/engine_events.hpp"

namespace lt::net {

struct EngineSettings {
  std::uint16_t listen_port = 6881;  // 0: any free port
  bool listen_ipv6 = true;
  // Bind the peer listener to loopback only (tests and benchmarks); default all interfaces.
  bool loopback_only = false;
  int max_peers_per_torrent = 50;
  int max_connections = 200;  // over all torrents, incoming and outgoing
  int upload_slots = 8;       // unchoked peers per torrent; <= 0 unlimited
  std::size_t disk_threads = 2;
  std::size_t command_queue = 1024;
  std::size_t event_queue = 4096;
  std::uint64_t random_seed = 0;  // 0: from std::random_device
  // The client database (torrents, have-bitfields, file stats); empty: nothing is persisted.
  // The engine takes an OS lock next to it (`FILE.lock`): a second engine on the same database
  // gets an Error and runs nothing.
  std::filesystem::path db_path;
  // Start every torrent the database holds, in its stored state (daemon, GUI). Off, only the
  // torrents added by AddTorrent run (`download --db`).
  bool restore_torrents = false;
  // Rate limits (bytes per second, 0 = none) and queue sizes (< 0 = unlimited). Set: they win
  // and are stored in the database's settings. Unset: the stored value, else the default
  // (unlimited rates, 3 active downloads, 5 active seeds).
  std::optional<std::int64_t> upload_limit;
  std::optional<std::int64_t> download_limit;
  std::optional<int> max_active_downloads;
  std::optional<int> max_active_seeds;
};

class Engine {
 public:
  // Starts the network thread. `notify` runs on the network thread: keep it cheap and
  // thread-safe (it should only wake the owner).
  Engine(EngineSettings settings, std::function<void()> notify);
  // Shuts down if the owner did not (bounded: stopped announces have a short deadline).
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a command. False when the command queue is full (the owner may retry later).
  bool post(engine::Command command);
  // Moves every pending event into `out` (appending). Returns how many.
  std::size_t poll(std::vector<engine::Event>& out);
  // Posts Shutdown and waits for the thread to finish (at most `timeout_ms`; then it is
  // stopped hard). Idempotent.
  void shutdown(int timeout_ms = 10000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lt::net
