#include "net/tracker_pages.hpp"

#include <cstdio>

#include "core/html_escape.hpp"
#include "core/human_format.hpp"
#include "core/json_writer.hpp"

namespace lt::net {
namespace {

// Index pages list the most recently active swarms first; beyond this many, the page says how
// many more there are (a tracker with a million swarms must not build a 100 MB page).
constexpr std::size_t kMaxIndexRows = 2000;

std::string ago(std::int64_t now, std::int64_t then) {
  if (then <= 0) return "never";
  const std::int64_t s = std::max<std::int64_t>(0, now - then);
  if (s < 60) return std::to_string(s) + " s ago";
  if (s < 3600) return std::to_string(s / 60) + " min ago";
  if (s < 86400) return std::to_string(s / 3600) + " h ago";
  return std::to_string(s / 86400) + " days ago";
}

}  // namespace

std::string render_index_page(const std::vector<SwarmRow>& rows, const TrackerStatus& status,
                              std::int64_t now) {
  std::string out;
  out.reserve(2048 + rows.size() * 400);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Like-Torrent tracker</title><style>"
      "body{font-family:sans-serif;margin:2em;color:#222}"
      "table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;"
      "text-align:left}td.n{text-align:right}code{font-size:.85em}"
      "</style></head><body>\n<h1>Like-Torrent tracker</h1>\n<p>";
  out += std::to_string(status.swarms) + " swarms, " + std::to_string(status.peers) + " peers (" +
         std::to_string(status.seeders) + " seeding, " + std::to_string(status.leechers) +
         " downloading). Announce URL: <code>/announce</code>.</p>\n";
  out +=
      "<table><thead><tr><th>Name</th><th>Size</th><th>Seeders</th><th>Leechers</th>"
      "<th>Completed</th><th>Last activity</th><th>Links</th></tr></thead><tbody>\n";
  std::size_t shown = 0;
  for (const SwarmRow& r : rows) {
    if (shown++ == kMaxIndexRows) break;
    out += "<tr><td>";
    out += r.name.empty() ? "<code>" + r.info_hash + "</code>" : html_escape(r.name);
    out += "</td><td class=\"n\">";
    out += r.total_size >= 0 ? format_bytes(r.total_size) : "-";
    out += "</td><td class=\"n\">" + std::to_string(r.seeders) + "</td><td class=\"n\">" +
           std::to_string(r.leechers) + "</td><td class=\"n\">" + std::to_string(r.completed) +
           "</td><td>" + ago(now, r.last_activity) + "</td><td>";
    if (r.has_torrent) {
      out += "<a href=\"" + html_escape(r.magnet) + "\">magnet</a> <a href=\"/torrents/" +
             r.info_hash + ".torrent\">.torrent</a>";
    }
    out += "</td></tr>\n";
  }
  out += "</tbody></table>\n";
  if (rows.size() > kMaxIndexRows) {
    out += "<p>" + std::to_string(rows.size() - kMaxIndexRows) + " more swarms not shown.</p>\n";
  }
  char rates[128];
  std::snprintf(rates, sizeof rates, "%.1f announces/s, %.1f scrapes/s",
                status.announces_per_second, status.scrapes_per_second);
  out += "<p><small>" + std::string(rates) + ", " + std::to_string(status.open_connections) +
         " open connections, up " + std::to_string(status.uptime_seconds) +
         " s. <a href=\"/stats.json\">stats.json</a></small></p>\n</body></html>\n";
  return out;
}

std::string render_stats_json(const std::vector<SwarmRow>& rows, const TrackerStatus& status) {
  JsonWriter j;
  j.begin_object();
  j.field("port", static_cast<std::int64_t>(status.port));
  j.field("swarms", static_cast<std::int64_t>(status.swarms));
  j.field("peers", static_cast<std::int64_t>(status.peers));
  j.field("seeders", static_cast<std::int64_t>(status.seeders));
  j.field("leechers", static_cast<std::int64_t>(status.leechers));
  j.field("announces", static_cast<std::int64_t>(status.announces));
  j.field("scrapes", static_cast<std::int64_t>(status.scrapes));
  j.field("announces_per_second", static_cast<std::int64_t>(status.announces_per_second + 0.5));
  j.field("scrapes_per_second", static_cast<std::int64_t>(status.scrapes_per_second + 0.5));
  j.field("open_connections", static_cast<std::int64_t>(status.open_connections));
  j.field("uptime_seconds", status.uptime_seconds);
  j.key("torrents");
  j.begin_array();
  std::size_t shown = 0;
  for (const SwarmRow& r : rows) {
    if (shown++ == kMaxIndexRows) break;
    j.begin_object();
    j.field("info_hash", r.info_hash);
    j.field("name", r.name);
    j.field("size", r.total_size);
    j.field("seeders", r.seeders);
    j.field("leechers", r.leechers);
    j.field("completed", r.completed);
    j.field("last_activity", r.last_activity);
    j.field("magnet", r.magnet);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str() + "\n";
}

}  // namespace lt::net
