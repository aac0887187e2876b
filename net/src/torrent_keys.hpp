#pragma once
// Small helpers shared by the Torrent's source files (torrent.cpp, torrent_persistence.cpp):
// how bans are keyed, and the wall clock the database's times use.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/peer_id.hpp"
#include "core/tracker_client_protocol.hpp"
#include "peer_address.hpp"

namespace lt::net {

// Unix seconds, as the database stores times.
[[nodiscard]] inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A ban by peer id.
[[nodiscard]] inline std::string peer_id_key(const PeerId& id) {
  return "id:" + std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

// Loopback peers share one IP (every test peer is 127.0.0.1), so there a ban names ip:port;
// elsewhere the whole IP.
[[nodiscard]] inline std::string address_key(const tracker::PeerAddress& a) {
  if (a.ip.is_loopback()) return to_string(a);
  return tracker::format_ip(a.ip);
}

}  // namespace lt::net
