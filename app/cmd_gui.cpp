// `liketorrent [gui] [TORRENT|MAGNET ...] [--screenshot FILE] [--screenshot-after S] [--view TAB]`

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "cli_error.hpp"
#include "commands.hpp"

#ifdef LT_WITH_GUI
#include "gui_app.hpp"
#endif

namespace lt::app {

namespace {

struct GuiArgs {
  std::vector<std::string> inputs;
  std::string screenshot;
  double screenshot_after = 3.0;
  std::string view;
  int port = 6881;
  std::optional<int> start_tracker;
};

CommandRunner gui_runner(std::shared_ptr<const GuiArgs> args, const GlobalOptions& global) {
  return [args = std::move(args), &global] {
#ifdef LT_WITH_GUI
    GuiOptions options;
    options.inputs = args->inputs;
    options.data_dir = global.data_dir;
    if (!args->screenshot.empty()) options.screenshot = args->screenshot;
    options.screenshot_after = args->screenshot_after;
    options.view = args->view;
    options.port = args->port;
    if (args->start_tracker) {
      options.start_tracker = true;
      options.tracker_port = *args->start_tracker;
    }
    return run_gui(options);
#else
    (void)args;
    (void)global;
    throw RuntimeError("this build has no GUI (configured with LT_BUILD_GUI=OFF)");
    return kExitRuntimeFailure;
#endif
  };
}

}  // namespace

CommandRunner add_gui_command(CLI::App& cli, const GlobalOptions& global, CommandRunner& runner) {
  auto args = std::make_shared<GuiArgs>();
  CLI::App* cmd = cli.add_subcommand("gui", "Open the window (what a double-click runs)");
  cmd->add_option("INPUT", args->inputs, ".torrent files or magnet links to add");
  cmd->add_option("--screenshot", args->screenshot,
                  "Save a PNG of the window after a while, then exit");
  cmd->add_option("--screenshot-after", args->screenshot_after, "Seconds before the screenshot")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--port", args->port, "Peer listening port (default 6881; 0 picks a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--start-tracker", args->start_tracker,
                  "Start the local tracker on this port at once (as Tracker > Start does)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--view", args->view, "Detail tab to open")
      ->check(CLI::IsMember({"general", "pieces", "peers", "files", "trackers", "speed"}));
  cmd->callback([args, &global, &runner] { runner = gui_runner(args, global); });
  return gui_runner(std::make_shared<const GuiArgs>(), global);
}

}  // namespace lt::app
