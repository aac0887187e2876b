// `liketorrent download TORRENT -d DIR [--seed] [--port P] [--sequential]` and
// `liketorrent seed TORRENT -d DIR [--port P]`: the headless client. It drives the engine
// through the same Command/Event queues the GUI uses.
//
// Decisions:
// - `download` exits 0 once every wanted piece is verified and written (page cache; the
//   database layer flushes to the platform's disk before it records pieces), unless --seed.
// - `seed` checks the data first; data that is missing or does not match the torrent exits 2
//   with the number of pieces that verified.
// - The save directory is created if missing; one that cannot be created or written exits 2.
// - Ctrl-C / SIGTERM: the engine stops (announcing `stopped`) and the command exits 0 for
//   `seed` and `download --seed` (that is how seeding ends) and 1 for an unfinished download.
// - Progress: one redrawn line on a terminal; on a pipe, a plain line every 5 seconds and at
//   the end.
// - -d/--dir both work (the reference benchmark harness spells it --dir).
// - --db FILE: the client database; a later run with the same file resumes the recorded pieces
//   without a recheck when the files' sizes and mtimes are unchanged (net/src/torrent.cpp).
// - --only I,J: download only these files; the rest are skipped and never created.
// - --upload-limit / --download-limit KIB: rates in KiB/s for this run (0 = none); with --db
//   they are remembered there as the global limits.

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "cli_error.hpp"
#include "commands.hpp"
#include "core/human_format.hpp"
#include "engine_host.hpp"
#include "net/engine.hpp"
#include "torrent_file_io.hpp"
#include "transfer_display.hpp"

namespace lt::app {
namespace {

struct TransferArgs {
  std::string torrent;
  std::string dir;
  bool seed_after = false;
  bool seed_only = false;
  int port = 6881;
  bool sequential = false;
  int upload_slots = 8;
  std::string db;                  // --db: the client database (resume across runs)
  std::vector<std::int32_t> only;  // --only: file indexes to download; the rest are skipped
  std::optional<std::int64_t> upload_limit_kib;
  std::optional<std::int64_t> download_limit_kib;
};

void prepare_save_dir(const std::filesystem::path& dir, bool must_exist) {
  std::error_code ec;
  if (must_exist) {
    if (!std::filesystem::is_directory(dir, ec)) {
      throw UsageError("no such directory: " + dir.string());
    }
    return;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw UsageError("cannot create the save directory " + dir.string() + ": " +
                     (ec ? ec.message() : "not a directory"));
  }
  // Fail now, not after connecting to peers, when the directory is not writable.
  const std::filesystem::path probe = dir / ".liketorrent-write-test";
  {
    std::ofstream out(probe, std::ios::binary);
    if (!out) throw UsageError("cannot write to " + dir.string());
  }
  std::filesystem::remove(probe, ec);
}

int run_transfer(const TransferArgs& args, const GlobalOptions& global) {
  (void)global;
  if (args.torrent.starts_with("magnet:")) {
    throw UsageError("magnet links are not supported by download yet; use a .torrent file");
  }
  if (args.port < 0 || args.port > 65535) {
    throw UsageError("--port must be 0-65535, got " + std::to_string(args.port));
  }
  LoadedTorrent loaded = load_torrent_file_with_bytes(args.torrent);  // UsageError on bad input
  const Metainfo& meta = loaded.meta;
  const std::filesystem::path dir = args.dir;
  prepare_save_dir(dir, args.seed_only);
  if (args.seed_only) {
    std::error_code ec;
    if (!std::filesystem::exists(dir / meta.name, ec)) {
      throw UsageError("no data to seed: " + (dir / meta.name).string() + " does not exist");
    }
  }

  net::EngineSettings settings;
  settings.listen_port = static_cast<std::uint16_t>(args.port);
  settings.upload_slots = args.upload_slots;
  if (!args.db.empty()) settings.db_path = args.db;
  settings.upload_limit = kib_to_bytes("--upload-limit", args.upload_limit_kib);
  settings.download_limit = kib_to_bytes("--download-limit", args.download_limit_kib);
  EngineHost host(settings);
  net::Engine& engine = host.engine();

  engine::AddTorrent add;
  add.torrent_bytes = std::move(loaded.bytes);
  add.save_dir = dir;
  add.seed_only = args.seed_only;
  add.sequential = args.sequential;
  if (!args.only.empty()) {
    add.file_priorities.assign(meta.files.size(), Priority::skip);
    for (const std::int32_t index : args.only) {
      if (index < 0 || static_cast<std::size_t>(index) >= meta.files.size()) {
        throw UsageError("--only: no file " + std::to_string(index) + " (the torrent has " +
                         std::to_string(meta.files.size()) + "; see liketorrent info)");
      }
      add.file_priorities[static_cast<std::size_t>(index)] = Priority::normal;
    }
  }
  engine.post(std::move(add));

  TransferDisplay display(meta.name, args.seed_only || args.seed_after);
  const bool keep_seeding = args.seed_only || args.seed_after;
  std::vector<engine::Event> events;
  int exit_code = -1;
  std::string failure;
  bool announced_seeding = false;
  while (exit_code < 0) {
    host.wait(events);
    for (engine::Event& event : events) {
      // A failure ends the run at once: the events behind it (a first status line) would only
      // bury the one line that says what went wrong.
      if (exit_code > 0) break;
      if (const auto* listen = std::get_if<engine::ListenState>(&event)) {
        if (!listen->ok) {
          failure = listen->error;
          exit_code = kExitRuntimeFailure;
        } else {
          spdlog::info("listening for peers on port {}", listen->port);
        }
      } else if (const auto* error = std::get_if<engine::Error>(&event)) {
        if (error->torrent && *error->torrent == meta.info_hash) {
          failure = error->message;
          exit_code = args.seed_only ? kExitBadInput : kExitRuntimeFailure;
        } else if (!error->torrent) {
          failure = error->message;
          exit_code = kExitRuntimeFailure;
        }
      } else if (const auto* notice = std::get_if<engine::Notice>(&event)) {
        display.note(notice->message);
      } else if (const auto* delta = std::get_if<engine::StatusDelta>(&event)) {
        for (const engine::TorrentStatus& status : delta->changed) {
          if (status.torrent != meta.info_hash) continue;
          display.update(status);
          if (status.complete && !keep_seeding) exit_code = kExitOk;
          if (status.complete && keep_seeding && !announced_seeding) {
            announced_seeding = true;
            display.note("complete; seeding until Ctrl-C");
          }
        }
      }
    }
    if (const int signal = EngineHost::signal_received(); signal != 0 && exit_code < 0) {
      display.note(std::string("stopping (") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ")");
      exit_code = keep_seeding ? kExitOk : kExitRuntimeFailure;
      if (!keep_seeding) failure = "interrupted before the download finished";
    }
  }
  display.finish();
  host.shutdown();
  if (exit_code == kExitBadInput) throw UsageError(failure);
  if (exit_code == kExitRuntimeFailure) throw RuntimeError(failure);
  return exit_code;
}

void add_common_options(CLI::App* cmd, TransferArgs& args) {
  cmd->add_option("TORRENT", args.torrent, ".torrent file")->required();
  cmd->add_option("-d,--dir", args.dir, "Save directory (the torrent's files go inside)")
      ->required();
  cmd->add_option("--port", args.port, "Peer listening port (default 6881; 0 picks a free one)");
  cmd->add_option("--upload-slots", args.upload_slots,
                  "Peers unchoked at once (default 8; 0 for unlimited)");
  cmd->add_option("--upload-limit", args.upload_limit_kib, "Upload limit in KiB/s (0: none)");
  cmd->add_option("--download-limit", args.download_limit_kib, "Download limit in KiB/s (0: none)");
  cmd->add_option("--db", args.db,
                  "Client database: pieces are recorded there and a later run with the same "
                  "file resumes without rechecking unchanged files");
}

}  // namespace

void add_transfer_commands(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner) {
  auto download = std::make_shared<TransferArgs>();
  CLI::App* cmd = cli.add_subcommand("download", "Download a torrent, then exit (or --seed)");
  add_common_options(cmd, *download);
  cmd->add_flag("--seed", download->seed_after, "Keep seeding after the download, until Ctrl-C");
  cmd->add_flag("--sequential", download->sequential,
                "Download pieces in order (for playing while downloading)");
  cmd->add_option("--only", download->only,
                  "Download only these files (indexes as `liketorrent info` lists them, from 0; "
                  "comma-separated or repeated)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->callback([download, &global, &runner] {
    runner = [download, &global] { return run_transfer(*download, global); };
  });

  auto seed = std::make_shared<TransferArgs>();
  seed->seed_only = true;
  CLI::App* seed_cmd = cli.add_subcommand("seed", "Check the data, then seed it until Ctrl-C");
  add_common_options(seed_cmd, *seed);
  seed_cmd->callback([seed, &global, &runner] {
    runner = [seed, &global] { return run_transfer(*seed, global); };
  });
}

}  // namespace lt::app
