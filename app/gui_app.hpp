#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lt::app {

// What `liketorrent` and `liketorrent gui ...` pass to the desktop window.
struct GuiOptions {
  // Torrent files and magnet links given on the command line: added to the default download
  // directory (magnets arrive with the magnet issue and are refused with a notification).
  std::vector<std::string> inputs;
  // Peer listening port (`--port`); 0 picks a free one.
  int port = 6881;
  // Port of the local tracker the Tracker menu starts (8000; 0 picks a free one), and whether to
  // start it at once (`--start-tracker PORT`: what the menu item does, for scripts and tests).
  int tracker_port = 8000;
  bool start_tracker = false;
  // Where imgui.ini (window layout, table columns) and client.db (the torrents, shared with
  // `daemon`) live; created if missing. Empty: nothing is kept.
  std::filesystem::path data_dir;
  // Save a PNG of the window here after `screenshot_after` seconds of live running, then exit 0.
  std::optional<std::filesystem::path> screenshot;
  double screenshot_after = 3.0;
  // Detail tab to open for the first torrent: general|pieces|peers (files|trackers|speed are
  // accepted and open General until those tabs exist).
  std::string view;
};

// Opens the Like-Torrent window and runs it until the user closes it or chooses File > Quit.
// Returns the process exit code: 0 on a normal close or a written screenshot, 1 on a runtime
// failure (no display, no OpenGL 3, unwritable screenshot), after one clear line on stderr.
// Must run on the main thread; it owns every GLFW, GL and ImGui call.
int run_gui(const GuiOptions& options);

}  // namespace lt::app
