// `liketorrent add TORRENT -d DIR [--db FILE] [--paused | --stopped]`: puts a torrent into the
// client database for `daemon` (or the GUI) to run, without running it here.
//
// Decisions:
// - It takes the database's lock like any engine: while a daemon or GUI holds the database the
//   command is refused (exit 1) with the holder's pid; a running instance cannot be handed a
//   torrent this way (the GUI's single-instance channel does that).
// - A torrent already in the database is refused (exit 2) rather than silently changed.
// - The save directory is stored as an absolute path and created at once, so a typo fails here
//   and not hours later in the daemon.
// - State: queued (runs when the queue has a slot), or paused / stopped as asked.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli_error.hpp"
#include "commands.hpp"
#include "net/instance_lock.hpp"
#include "store/client_store.hpp"
#include "torrent_file_io.hpp"

namespace lt::app {
namespace {

struct AddArgs {
  std::string torrent;
  std::string dir;
  std::string db;
  bool paused = false;
  bool stopped = false;
};

int run_add(const AddArgs& args, const GlobalOptions& global) {
  LoadedTorrent loaded = load_torrent_file_with_bytes(args.torrent);  // UsageError on bad input
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::absolute(args.dir, ec);
  if (ec) throw UsageError("bad save directory " + args.dir + ": " + ec.message());
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    throw UsageError("cannot create the save directory " + dir.string() + ": " +
                     (ec ? ec.message() : "not a directory"));
  }
  const std::filesystem::path db_path =
      args.db.empty() ? global.data_dir / "client.db" : std::filesystem::path(args.db);
  if (db_path.has_parent_path()) std::filesystem::create_directories(db_path.parent_path(), ec);

  std::unique_ptr<net::InstanceLock> lock;
  std::unique_ptr<store::ClientStore> db;
  try {
    lock = std::make_unique<net::InstanceLock>(db_path);
    db = std::make_unique<store::ClientStore>(db_path);
  } catch (const std::exception& e) {
    throw RuntimeError(e.what());
  }
  if (db->moved_aside()) {
    std::fprintf(stderr, "liketorrent: warning: %s was unreadable (%s); moved aside to %s\n",
                 db_path.string().c_str(), db->moved_aside_reason().c_str(),
                 db->moved_aside()->string().c_str());
  }
  const Metainfo& meta = loaded.meta;
  if (db->torrent(meta.info_hash)) {
    throw UsageError("already in the database: " + meta.name + " (" + meta.info_hash.hex() + ")");
  }
  store::StoredTorrent row;
  row.info_hash = meta.info_hash;
  row.name = meta.name;
  row.metainfo = std::move(loaded.bytes);
  row.save_path = dir.string();
  row.state = args.stopped  ? TorrentState::stopped
              : args.paused ? TorrentState::paused
                            : TorrentState::queued;
  int last = -1;
  for (const store::StoredTorrent& t : db->torrents())
    last = std::max(last, t.queue_position);
  row.queue_position = last + 1;
  row.added_at = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  try {
    db->upsert_torrent(row);
  } catch (const std::exception& e) {
    throw RuntimeError("cannot write " + db_path.string() + ": " + e.what());
  }
  std::printf("added %s (%s) to %s: %s\n", meta.name.c_str(), meta.info_hash.hex().c_str(),
              db_path.string().c_str(), std::string(to_string(row.state)).c_str());
  return kExitOk;
}

}  // namespace

void add_add_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner) {
  auto args = std::make_shared<AddArgs>();
  CLI::App* cmd =
      cli.add_subcommand("add", "Put a torrent into the client database for `daemon` to run");
  cmd->add_option("TORRENT", args->torrent, ".torrent file")->required();
  cmd->add_option("-d,--dir", args->dir, "Save directory (the torrent's files go inside)")
      ->required();
  cmd->add_option("--db", args->db, "Client database (default: DATA_DIR/client.db)");
  auto* paused = cmd->add_flag("--paused", args->paused, "Add it paused");
  cmd->add_flag("--stopped", args->stopped, "Add it stopped")->excludes(paused);
  cmd->callback(
      [args, &global, &runner] { runner = [args, &global] { return run_add(*args, global); }; });
}

}  // namespace lt::app
