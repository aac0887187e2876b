#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace lt::app {

// What `liketorrent` and `liketorrent gui ...` pass to the desktop window.
struct GuiOptions {
  // Torrent files and magnet links given on the command line; logged until adding is wired up.
  std::vector<std::string> inputs;
  // Where imgui.ini (window layout, table columns) lives; created if missing. Empty: no file.
  std::filesystem::path data_dir;
  // Save a PNG of the window here after `screenshot_after` seconds of live running, then exit 0.
  std::optional<std::filesystem::path> screenshot;
  double screenshot_after = 3.0;
  // Detail tab to open: general|pieces|peers|files|trackers|speed. Accepted; no tabs yet.
  std::string view;
};

// Opens the Like-Torrent window and runs it until the user closes it or chooses File > Quit.
// Returns the process exit code: 0 on a normal close or a written screenshot, 1 on a runtime
// failure (no display, no OpenGL 3, unwritable screenshot), after one clear line on stderr.
// Must run on the main thread; it owns every GLFW, GL and ImGui call.
int run_gui(const GuiOptions& options);

}  // namespace lt::app
