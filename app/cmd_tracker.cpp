// `liketorrent tracker [--port 8000] [--bind ADDR]... [--db FILE] [--allow-list]
//  [--trust-ip-param] [--register FILE.torrent]... [--interval S]`
//
// Decisions: without --bind the tracker listens on 0.0.0.0 and [::] (an address family the
// machine lacks is skipped with a warning). The database defaults to DATA_DIR/tracker.db.
// It runs until SIGINT/SIGTERM and exits 0 after writing its last batch.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli_error.hpp"
#include "commands.hpp"
#include "net/tracker_runner.hpp"

namespace lt::app {
namespace {

struct TrackerArgs {
  int port = 8000;
  std::vector<std::string> binds;
  std::string db;
  bool allow_list = false;
  bool trust_ip = false;
  std::vector<std::string> register_files;
  int interval = 1800;
};

int run_tracker(const TrackerArgs& args, const GlobalOptions& global) {
  if (args.port < 1 || args.port > 65535) {
    throw UsageError("--port must be 1-65535, got " + std::to_string(args.port));
  }
  net::TrackerOptions options;
  options.http.port = static_cast<std::uint16_t>(args.port);
  if (!args.binds.empty()) options.http.bind_addresses = args.binds;
  options.db_path =
      args.db.empty() ? global.data_dir / "tracker.db" : std::filesystem::path(args.db);
  options.allow_list = args.allow_list;
  options.trust_ip_param = args.trust_ip;
  options.announce_interval = args.interval;
  options.min_interval = std::max(1, args.interval / 2);
  std::vector<std::filesystem::path> files(args.register_files.begin(), args.register_files.end());
  try {
    net::run_tracker_until_signal(options, files, [&](std::uint16_t port) {
      std::printf("Tracker listening on port %u: announce URL http://HOST:%u/announce\n",
                  static_cast<unsigned>(port), static_cast<unsigned>(port));
      std::fflush(stdout);
    });
  } catch (const net::TrackerConfigError& e) {
    throw UsageError(e.what());
  } catch (const std::exception& e) {
    throw RuntimeError(std::string("tracker: ") + e.what());
  }
  return kExitOk;
}

}  // namespace

void add_tracker_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner) {
  auto args = std::make_shared<TrackerArgs>();
  CLI::App* cmd = cli.add_subcommand("tracker", "Run the HTTP tracker until Ctrl+C");
  cmd->add_option("--port", args->port, "Listening port (default 8000)");
  cmd->add_option("--bind", args->binds,
                  "Address to listen on; repeatable (default 0.0.0.0 and ::)")
      ->allow_extra_args(false);
  cmd->add_option("--db", args->db, "Database file (default DATA_DIR/tracker.db)");
  cmd->add_flag("--allow-list", args->allow_list, "Track only registered torrents");
  cmd->add_flag("--trust-ip-param", args->trust_ip,
                "Honour the ip= parameter from any client (default: loopback only)");
  cmd->add_option("--register", args->register_files, ".torrent to register at start; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--interval", args->interval, "Announce interval in seconds (default 1800)")
      ->check(CLI::Range(10, 86400));
  cmd->callback([args, &global, &runner] {
    runner = [args, &global] { return run_tracker(*args, global); };
  });
}

}  // namespace lt::app
