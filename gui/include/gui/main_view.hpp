#pragma once

#include "gui/theme.hpp"

#include <cstddef>

namespace lt::gui {

// The main window: menu bar, toolbar, torrent table and status bar, filling the viewport.
// Owns only view state (open dialogs, theme, quit request); torrent data will come from the
// GUI model that the engine's events build.
class MainView {
 public:
  // Draws one frame of the main window and its dialogs. Call between ImGui::NewFrame() and
  // ImGui::Render().
  void draw();

  // True once the user chose File > Quit or pressed Ctrl+Q; the app then closes the window.
  [[nodiscard]] bool quit_requested() const noexcept { return quit_requested_; }

  // The colour scheme chosen in the View menu, for rebuilding the style on a DPI change.
  [[nodiscard]] Theme theme() const noexcept { return theme_; }

 private:
  void handle_shortcuts();
  void draw_menu_bar();
  void draw_toolbar();
  void draw_torrent_table(float height);
  void draw_status_bar();
  void draw_about_window();

  // Torrents in the GUI model; none until the engine's events feed it.
  [[nodiscard]] std::size_t torrent_count() const noexcept { return 0; }

  Theme theme_ = Theme::kDark;
  bool quit_requested_ = false;
  bool about_requested_ = false;
  // Torrent table order from the last header click, kept for the model's rows.
  int sort_column_ = 0;
  bool sort_descending_ = false;
};

}  // namespace lt::gui
