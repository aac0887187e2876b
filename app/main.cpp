// liketorrent: one program for the desktop window and the headless subcommands.

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "app_paths.hpp"
#include "cli_error.hpp"
#include "commands.hpp"

namespace {

constexpr std::string_view kSubcommands[] = {"gui",     "create",   "info", "magnet",
                                             "tracker", "download", "seed"};

// A double-clicked .torrent or a clicked magnet arrives as a bare argument; treat
// `liketorrent X` like `liketorrent gui X` when X is not a subcommand or an option.
bool is_bare_gui_input(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (const std::string_view sub : kSubcommands) {
    if (sub == argv[1]) return false;
  }
  const std::string_view arg = argv[1];
  return arg.starts_with("magnet:") || arg.ends_with(".torrent");
}

void print_error(const std::string& message) {
  std::fprintf(stderr, "liketorrent: %s\n", message.c_str());
}

int run_cli(int argc, char** argv) {
  using namespace lt::app;

  // 1. Logging: warnings and errors on stderr; -v for the details.
  auto logger = spdlog::stderr_color_mt("liketorrent");
  logger->set_pattern("liketorrent: %l: %v");
  logger->set_level(spdlog::level::warn);
  spdlog::set_default_logger(logger);

  // 2. The command line: global options, then one subcommand (none means the GUI).
  GlobalOptions global;
  CommandRunner runner;
  CLI::App cli{"Like-Torrent: a BitTorrent client with a built-in tracker", "liketorrent"};
  cli.set_version_flag("--version", "liketorrent " LT_VERSION);
  cli.require_subcommand(0, 1);
  cli.fallthrough();
  std::string data_dir;
  cli.add_option("--data-dir", data_dir, "Where the database, settings and logs live")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // the last one given wins
  cli.add_flag("-v,--verbose", global.verbose, "Log more");
  const CommandRunner open_window = add_gui_command(cli, global, runner);
  add_create_command(cli, global, runner);
  add_info_commands(cli, global, runner);
  add_tracker_command(cli, global, runner);
  add_transfer_commands(cli, global, runner);
  add_daemon_command(cli, global, runner);
  add_add_command(cli, global, runner);

  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i)
    args.emplace_back(argv[i]);
  if (is_bare_gui_input(argc, argv)) args.emplace_back("gui");
  try {
    cli.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(std::string(e.what()) + " (run liketorrent --help)");
    return kExitBadInput;
  }
  if (global.verbose) logger->set_level(spdlog::level::debug);
  global.data_dir = data_dir.empty() ? default_data_dir() : std::filesystem::path(data_dir);

  // 3. Run the chosen command; no subcommand opens the window.
  if (!runner) runner = open_window;
  try {
    return runner();
  } catch (const UsageError& e) {
    print_error(e.what());
    return kExitBadInput;
  } catch (const RuntimeError& e) {
    print_error(e.what());
    return kExitRuntimeFailure;
  } catch (const std::exception& e) {
    print_error(e.what());
    return kExitRuntimeFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Nothing escapes main: a failure even while setting up logging is one line and exit 1.
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    print_error(e.what());
  } catch (...) {
    print_error("unexpected failure");
  }
  return lt::app::kExitRuntimeFailure;
}
