#pragma once
// Runs the tracker in the calling thread until SIGINT or SIGTERM (`liketorrent tracker`), then
// stops it cleanly: closes the listeners and connections and writes the last database batch.

#include <filesystem>
#include <functional>
#include <vector>

#include "net/tracker_server.hpp"

namespace lt::net {

// `register_files` are .torrent files registered before listening (TrackerConfigError if one
// is invalid or unreadable). `on_listening` is called once with the bound port.
void run_tracker_until_signal(const TrackerOptions& options,
                              const std::vector<std::filesystem::path>& register_files,
                              const std::function<void(std::uint16_t port)>& on_listening);

}  // namespace lt::net
