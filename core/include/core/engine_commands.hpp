#pragma once
// What the GUI or the CLI asks of the engine: the GUI -> engine half of the thread boundary
// (DESIGN.md section 1). Plain values, moved through an SpscChannel; nothing here refers to
// engine internals, so the GUI never sees Asio.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/piece_picker.hpp"
#include "core/sha1.hpp"
#include "core/units.hpp"

namespace lt::engine {

struct AddTorrent {
  std::string torrent_bytes;  // the .torrent file's content (parsed again by the engine)
  std::filesystem::path save_dir;
  // Seed mode: the data is expected to be complete; check it and refuse to download (the
  // `seed` command's contract: missing data is an error, not a download).
  bool seed_only = false;
  bool paused = false;
  bool sequential = false;
  std::vector<Priority> file_priorities;  // empty = all normal; else one per file
};

// Stops transferring but stays in the swarm: connections are closed, the peers met, bans and
// the tracker's schedule are kept, and resuming is immediate.
struct Pause {
  InfoHash torrent;
};
struct Resume {
  InfoHash torrent;
};
// Leaves the swarm: disconnects, announces `stopped`, closes the files.
struct Stop {
  InfoHash torrent;
};
struct Remove {
  InfoHash torrent;
  bool delete_data = false;
};
struct Recheck {
  InfoHash torrent;
};
struct Reannounce {
  InfoHash torrent;
};
struct SetFilePriority {
  InfoHash torrent;
  FileIndex file;
  Priority priority = Priority::normal;
};
struct SetSequential {
  InfoHash torrent;
  bool sequential = false;
};
// Rate limits in bytes per second (0 = unlimited) for one torrent, or for everything when
// `torrent` is empty. A peer is held by both its torrent's limit and the global one.
struct SetRateLimit {
  std::optional<InfoHash> torrent;
  std::int64_t upload = 0;
  std::int64_t download = 0;
};
// Queueing: at most this many torrents download and seed at once (< 0: unlimited). Stalled
// torrents (no data moving for a minute) do not hold a slot.
struct SetQueueLimits {
  int max_active_downloads = 3;
  int max_active_seeds = 5;
};
// Moves the torrent to `position` in the queue (0 = first); the others keep their order.
struct SetQueuePosition {
  InfoHash torrent;
  int position = 0;
};
// Which torrent's peers and pieces to stream (nullopt: none); the snapshots come at ~2 Hz.
struct Select {
  std::optional<InfoHash> torrent;
};
// Stop every torrent (announce `stopped` with a short deadline), flush, and end the thread.
struct Shutdown {};

using Command =
    std::variant<AddTorrent, Pause, Resume, Stop, Remove, Recheck, Reannounce, SetFilePriority,
                 SetSequential, SetRateLimit, SetQueueLimits, SetQueuePosition, Select, Shutdown>;

}  // namespace lt::engine
