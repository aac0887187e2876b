#pragma once
// A small ImGui file browser: no native-dialog library is packaged on Debian (DESIGN.md
// section 7), so the Add torrent dialog picks files with this. Lists one folder (folders first,
// then files with the wanted extension, both by name, hidden entries left out), goes up and
// into folders, and reports a double-clicked file. Unreadable folders show their error instead
// of throwing.

#include <filesystem>
#include <string>
#include <vector>

namespace lt::gui {

class FileBrowser {
 public:
  // `extension` filters files (".torrent"; empty: every file).
  FileBrowser(std::filesystem::path start, std::string extension);

  // Draws the browser in `height` pixels of the current window. True when a file was chosen
  // this frame (double-click, or Enter on the selection): see chosen().
  bool draw(float height);
  [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }
  // The selected file (single click) or the chosen one; empty when none.
  [[nodiscard]] const std::filesystem::path& chosen() const noexcept { return chosen_; }
  void go_to(const std::filesystem::path& directory);

 private:
  void refresh();

  std::filesystem::path directory_;
  std::string extension_;
  std::vector<std::filesystem::path> folders_;
  std::vector<std::filesystem::path> files_;
  std::string error_;
  std::filesystem::path chosen_;
  std::string path_text_;
};

}  // namespace lt::gui
