#pragma once
// What the engine tells the GUI or the CLI: the engine -> GUI half of the thread boundary
// (DESIGN.md section 1). Status comes as deltas (only torrents that changed, at most ~4 Hz);
// heavy views (peers, pieces) only for the selected torrent, as moved vectors.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/piece_picker.hpp"
#include "core/sha1.hpp"
#include "core/torrent_state.hpp"

namespace lt::engine {

// One file of an added torrent, for the Files tab.
struct AddedFile {
  std::string path;  // '/'-separated, relative to the torrent's root folder
  std::int64_t size = 0;
  std::int64_t offset = 0;  // in the torrent's byte stream: which pieces it spans
  bool pad = false;         // BEP 47 pad file: not shown to users
};

// A torrent the engine now runs, with what its details views show that never changes.
struct TorrentAdded {
  InfoHash torrent;
  std::string name;
  std::int64_t total_size = 0;
  std::int32_t num_pieces = 0;
  std::int64_t piece_length = 0;
  std::string save_path;
  std::string comment;
  std::string created_by;
  std::int64_t creation_date = 0;  // Unix seconds, 0 = not given
  bool is_private = false;
  std::string magnet;
  std::vector<AddedFile> files;
  std::vector<Priority> priorities;  // one per file, as the engine starts it
};

struct TorrentRemoved {
  InfoHash torrent;
};

// One torrent's live numbers. Rates in bytes per second; totals are payload bytes.
struct TorrentStatus {
  InfoHash torrent;
  TorrentState state = TorrentState::checking;
  std::string error;              // set in TorrentState::error, and for tracker trouble below
  std::string tracker_status;     // last announce outcome ("ok: 3 peers", "failure: ...")
  std::int64_t wanted_bytes = 0;  // bytes of pieces not skipped
  std::int64_t wanted_done = 0;   // of those, verified and on disk
  std::int32_t pieces_have = 0;
  std::int32_t num_pieces = 0;
  std::int64_t checked_bytes = 0;  // progress of a check (TorrentState::checking)
  std::int64_t downloaded = 0;     // payload received this session (incl. discarded)
  std::int64_t uploaded = 0;       // payload sent this session
  std::int64_t wasted = 0;         // duplicate or corrupt payload
  double down_rate = 0;
  double up_rate = 0;
  std::int32_t peers = 0;         // connected
  std::int32_t seeds = 0;         // connected peers that have everything
  std::int32_t swarm_seeds = -1;  // from the tracker (-1 unknown)
  std::int32_t swarm_leechers = -1;
  bool complete = false;  // every wanted piece verified and flushed to disk
  bool stalled = false;   // running but moving no data lately: does not hold a queue slot
  int queue_position = 0;
  std::int64_t upload_limit = 0;  // bytes per second, 0 = none
  std::int64_t download_limit = 0;
  std::int64_t total_downloaded = 0;  // payload over all sessions (from the database)
  std::int64_t total_uploaded = 0;
  std::int64_t active_seconds = 0;  // running (downloading or seeding), all sessions
  std::int64_t seeding_seconds = 0;
};

struct StatusDelta {
  std::vector<TorrentStatus> changed;
};

enum class PeerSource : std::uint8_t { tracker, incoming, resume, manual, pex };

struct PeerInfo {
  std::string address;  // "1.2.3.4:6881" or "[::1]:6881"
  std::string client;   // from the BEP 10 handshake, else from the peer id
  bool am_choking = true;
  bool am_interested = false;
  bool peer_choking = true;
  bool peer_interested = false;
  bool snubbed = false;
  bool incoming = false;
  float progress = 0;  // 0..1, what the peer has
  double down_rate = 0;
  double up_rate = 0;
  std::int64_t downloaded = 0;
  std::int64_t uploaded = 0;
  PeerSource source = PeerSource::tracker;
  friend bool operator==(const PeerInfo&, const PeerInfo&) = default;
};

struct PeerSnapshot {
  InfoHash torrent;
  std::vector<PeerInfo> peers;
  friend bool operator==(const PeerSnapshot&, const PeerSnapshot&) = default;
};

// One byte per piece each: state 0 missing, 1 downloading, 2 have; availability saturates at
// 255 (connected peers that have it).
struct PieceSnapshot {
  InfoHash torrent;
  std::vector<std::uint8_t> state;
  std::vector<std::uint8_t> availability;
  friend bool operator==(const PieceSnapshot&, const PieceSnapshot&) = default;
};

// The peer listener's outcome; the CLI turns a failure into exit code 1.
struct ListenState {
  std::uint16_t port = 0;
  bool ok = false;
  std::string error;
};

struct Error {
  std::optional<InfoHash> torrent;
  std::string message;
};

// Something the user should know that stops nothing (a corrupt database moved aside and its
// torrents salvaged, a torrent resuming after its disk had room again).
struct Notice {
  std::optional<InfoHash> torrent;
  std::string message;
};

// The engine-wide settings in force (sent at start and after each change), for the Settings
// dialog. Rates in bytes per second (0 = unlimited); queue sizes < 0 = unlimited.
struct SettingsState {
  std::int64_t upload_limit = 0;
  std::int64_t download_limit = 0;
  int max_active_downloads = 3;
  int max_active_seeds = 5;
};

// The event queue was full; this many events were lost. The consumer should ask for a full
// picture again (a Select, or treat every torrent as changed).
struct EventsDropped {
  std::uint64_t count = 0;
};

// The engine finished its shutdown; nothing follows.
struct Stopped {};

using Event = std::variant<TorrentAdded, TorrentRemoved, StatusDelta, PeerSnapshot, PieceSnapshot,
                           ListenState, Error, Notice, SettingsState, EventsDropped, Stopped>;

}  // namespace lt::engine
