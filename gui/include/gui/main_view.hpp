#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/engine_commands.hpp"
#include "core/view_model.hpp"
#include "gui/file_browser.hpp"
#include "gui/theme.hpp"

namespace lt::gui {

// The main window: menu bar, toolbar, torrent table, the selected torrent's details (General,
// Pieces, Peers) and the status bar, filling the viewport. It reads the ViewModel (built from
// the engine's events by the app) and acts only by posting Commands through `post`.
// The local tracker as the app reports it each frame (the tracker itself lives in net/).
struct LocalTrackerView {
  bool running = false;
  std::uint16_t port = 0;
  std::string error;  // why the last start failed
  std::size_t swarms = 0;
  std::size_t peers = 0;
  std::size_t seeders = 0;
  std::size_t leechers = 0;
  double announces_per_second = 0;
};

class MainView {
 public:
  using Post = std::function<void(engine::Command)>;
  MainView(ViewModel& model, Post post) : model_(model), post_(std::move(post)) {}

  // Draws one frame of the main window and its dialogs. Call between ImGui::NewFrame() and
  // ImGui::Render().
  void draw();

  // True once the user chose File > Quit or pressed Ctrl+Q; the app then closes the window.
  [[nodiscard]] bool quit_requested() const noexcept { return quit_requested_; }

  // The colour scheme chosen in the View menu, for rebuilding the style on a DPI change.
  [[nodiscard]] Theme theme() const noexcept { return theme_; }

  // Tracker menu: `toggle(true)` starts the local tracker, `toggle(false)` stops it; the app
  // passes its state back through set_tracker() every frame.
  void set_tracker_toggle(std::function<void(bool start)> toggle) {
    tracker_toggle_ = std::move(toggle);
  }
  void set_tracker(LocalTrackerView state) { tracker_ = std::move(state); }

  // File > Add torrent (and drops): the app reads the file and posts AddTorrent, reporting a
  // bad file as a notification. `save_dir` is where the dialog starts.
  using AddFile = std::function<void(const std::filesystem::path& torrent,
                                     const std::filesystem::path& save_dir, bool paused)>;
  void set_add_file(AddFile add, std::filesystem::path save_dir) {
    add_file_ = std::move(add);
    default_save_dir_ = std::move(save_dir);
  }

  // Opens this detail tab (general|pieces|peers) and selects the first torrent once one exists
  // (`gui --view TAB`, for screenshots).
  void show_first_torrent(std::string tab) { wanted_tab_ = std::move(tab); }

 private:
  void handle_shortcuts();
  void draw_menu_bar();
  void draw_toolbar();
  void draw_torrent_table(float height);
  void draw_row_menu(const TorrentRow& row);
  void draw_details(float height);
  void draw_general(const TorrentRow& row);
  void draw_pieces(const TorrentRow& row);
  void draw_peers();
  void draw_files(const TorrentRow& row);
  void draw_speed();
  void draw_status_bar();
  void draw_about_window();
  void draw_tracker_window();
  void draw_add_dialog();
  void draw_settings_dialog();
  void open_add_dialog();
  void draw_remove_confirmation();
  void select(const InfoHash& hash);
  // Pause or Resume the selected torrent, whichever applies to its state.
  void toggle_selected();

  ViewModel& model_;
  Post post_;
  Theme theme_ = Theme::kDark;
  bool quit_requested_ = false;
  bool about_requested_ = false;
  std::optional<InfoHash> remove_asked_;  // waiting for the "remove with data" confirmation
  bool remove_requested_ = false;
  std::string wanted_tab_;
  std::function<void(bool)> tracker_toggle_;
  LocalTrackerView tracker_;
  bool tracker_window_open_ = false;
  AddFile add_file_;
  std::filesystem::path default_save_dir_;
  std::unique_ptr<FileBrowser> browser_;  // while the Add torrent dialog is open
  bool add_requested_ = false;
  bool add_paused_ = false;
  std::string save_dir_text_;
  bool settings_requested_ = false;
  // The Settings dialog's fields (KiB/s and counts), filled from the model when it opens.
  int upload_kib_ = 0;
  int download_kib_ = 0;
  int max_downloads_ = 3;
  int max_seeds_ = 5;
  // Torrent table order from the last header click.
  SortColumn sort_column_ = SortColumn::added;
  bool sort_descending_ = false;
};

}  // namespace lt::gui
