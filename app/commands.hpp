#pragma once
// Each subcommand registers its options on the CLI11 app and returns the function that runs it.

#include <filesystem>
#include <functional>

namespace CLI {
class App;
}

namespace lt::app {

// State every subcommand can read once parsing is done.
struct GlobalOptions {
  std::filesystem::path data_dir;  // --data-dir, else default_data_dir()
  bool verbose = false;
};

using CommandRunner = std::function<int()>;

// Each adds its subcommand to `cli` and stores its runner in `runner` when it is chosen.
void add_create_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
void add_info_commands(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
void add_tracker_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
// `download` and `seed`.
void add_transfer_commands(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
// `add`: a torrent into the client database, for the daemon.
void add_add_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
// `daemon`: every stored torrent, no window.
void add_daemon_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner);
// Also returns the runner for no subcommand at all: the window with default options.
[[nodiscard]] CommandRunner add_gui_command(CLI::App& cli, const GlobalOptions& global,
                                            CommandRunner& runner);

}  // namespace lt::app
