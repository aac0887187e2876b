// `liketorrent daemon [--db FILE] [--port P] [limits]`: keeps every torrent of the client
// database running without a window, in the states they were stored in (stopped and paused
// ones stay so), until SIGINT/SIGTERM. The GUI runs the same engine on the same database.
//
// Decisions:
// - The database defaults to DATA_DIR/client.db (--data-dir, else the platform's user data
//   dir); torrents get into it through `download --db` (or, later, the GUI).
// - Output: one line per torrent when its state changes, plus errors and notices (the
//   database moved aside, disk space back), so a log of a long run stays short.
// - A second process on the same database is refused (exit 1) with the first one's pid.
// - Limits given on the command line are remembered in the database; without them the
//   remembered ones apply (defaults: no rate limits, 3 active downloads, 5 active seeds).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli_error.hpp"
#include "commands.hpp"
#include "engine_host.hpp"
#include "transfer_display.hpp"

namespace lt::app {
namespace {

struct DaemonArgs {
  std::string db;
  int port = 6881;
  std::optional<std::int64_t> upload_limit_kib;
  std::optional<std::int64_t> download_limit_kib;
  std::optional<int> max_active_downloads;
  std::optional<int> max_active_seeds;
};

void say(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

int run_daemon(const DaemonArgs& args, const GlobalOptions& global) {
  if (args.port < 0 || args.port > 65535) {
    throw UsageError("--port must be 0-65535, got " + std::to_string(args.port));
  }
  net::EngineSettings settings;
  settings.listen_port = static_cast<std::uint16_t>(args.port);
  settings.db_path =
      args.db.empty() ? global.data_dir / "client.db" : std::filesystem::path(args.db);
  settings.restore_torrents = true;
  settings.upload_limit = kib_to_bytes("--upload-limit", args.upload_limit_kib);
  settings.download_limit = kib_to_bytes("--download-limit", args.download_limit_kib);
  settings.max_active_downloads = args.max_active_downloads;
  settings.max_active_seeds = args.max_active_seeds;

  EngineHost host(settings);
  std::map<InfoHash, std::string> names;
  std::map<InfoHash, TorrentState> shown;
  std::vector<engine::Event> events;
  std::string failure;
  while (failure.empty() && EngineHost::signal_received() == 0) {
    host.wait(events);
    for (engine::Event& event : events) {
      if (const auto* listen = std::get_if<engine::ListenState>(&event)) {
        if (!listen->ok)
          failure = listen->error;
        else
          say("listening for peers on port " + std::to_string(listen->port));
      } else if (const auto* error = std::get_if<engine::Error>(&event)) {
        if (!error->torrent) {
          failure = error->message;  // the database or the listener: nothing can run
        } else {
          const auto it = names.find(*error->torrent);
          say((it != names.end() ? it->second : error->torrent->hex()) + ": " + error->message);
        }
      } else if (const auto* notice = std::get_if<engine::Notice>(&event)) {
        say(notice->message);
      } else if (const auto* added = std::get_if<engine::TorrentAdded>(&event)) {
        names[added->torrent] = added->name;
      } else if (const auto* removed = std::get_if<engine::TorrentRemoved>(&event)) {
        names.erase(removed->torrent);
        shown.erase(removed->torrent);
      } else if (const auto* delta = std::get_if<engine::StatusDelta>(&event)) {
        for (const engine::TorrentStatus& status : delta->changed) {
          auto [it, inserted] = shown.try_emplace(status.torrent, status.state);
          if (!inserted && it->second == status.state) continue;
          it->second = status.state;
          const auto name = names.find(status.torrent);
          say(format_status_line(name != names.end() ? name->second : status.torrent.hex(),
                                 status));
        }
      }
      if (!failure.empty()) break;
    }
  }
  if (failure.empty()) say("stopping: saving every torrent's state");
  host.shutdown();
  if (!failure.empty()) throw RuntimeError(failure);
  return kExitOk;
}

}  // namespace

void add_daemon_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner) {
  auto args = std::make_shared<DaemonArgs>();
  CLI::App* cmd = cli.add_subcommand(
      "daemon", "Keep every stored torrent running, no window (until Ctrl-C or SIGTERM)");
  cmd->add_option("--db", args->db, "Client database (default: DATA_DIR/client.db)");
  cmd->add_option("--port", args->port, "Peer listening port (default 6881; 0 picks a free one)");
  cmd->add_option("--upload-limit", args->upload_limit_kib,
                  "Global upload limit in KiB/s (0: none; remembered)");
  cmd->add_option("--download-limit", args->download_limit_kib,
                  "Global download limit in KiB/s (0: none; remembered)");
  cmd->add_option("--max-active-downloads", args->max_active_downloads,
                  "Torrents downloading at once (-1: unlimited; remembered; default 3)");
  cmd->add_option("--max-active-seeds", args->max_active_seeds,
                  "Torrents seeding at once (-1: unlimited; remembered; default 5)");
  cmd->callback(
      [args, &global, &runner] { runner = [args, &global] { return run_daemon(*args, global); }; });
}

}  // namespace lt::app
