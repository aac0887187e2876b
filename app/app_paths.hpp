#pragma once
// Where the program keeps its data (database, settings, logs, imgui.ini) and downloads.

#include <filesystem>

namespace lt::app {

// XDG_DATA_HOME/like-torrent (else ~/.local/share/like-torrent) on Linux,
// %APPDATA%\Like-Torrent on Windows, ~/Library/Application Support/Like-Torrent on macOS.
[[nodiscard]] std::filesystem::path default_data_dir();

// XDG_DOWNLOAD_DIR or ~/Downloads, then Like-Torrent/ below it.
[[nodiscard]] std::filesystem::path default_download_dir();

}  // namespace lt::app
