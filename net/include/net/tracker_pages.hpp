#pragma once
// The tracker's human and machine views: the HTML index at / (no JavaScript; every string from
// a torrent escaped) and /stats.json (the same rows plus server counters, for the GUI's tracker
// window). Pure string building, separate from the request handling.

#include <cstdint>
#include <string>
#include <vector>

#include "net/tracker_server.hpp"

namespace lt::net {

struct SwarmRow {
  std::string info_hash;         // 40 hex
  std::string name;              // "" when unknown
  std::int64_t total_size = -1;  // -1 when no .torrent is registered
  std::int64_t seeders = 0;
  std::int64_t leechers = 0;
  std::int64_t completed = 0;
  std::int64_t last_activity = 0;  // Unix seconds
  std::string magnet;              // "" when no .torrent is registered
  bool has_torrent = false;
};

[[nodiscard]] std::string render_index_page(const std::vector<SwarmRow>& rows,
                                            const TrackerStatus& status, std::int64_t now);
[[nodiscard]] std::string render_stats_json(const std::vector<SwarmRow>& rows,
                                            const TrackerStatus& status);

}  // namespace lt::net
