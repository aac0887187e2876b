#include "app_paths.hpp"

#include <cstdlib>

namespace lt::app {
namespace fs = std::filesystem;
namespace {

fs::path env_path(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at start-up
  return v != nullptr && *v != '\0' ? fs::path(v) : fs::path();
}

fs::path home_dir() {
#ifdef _WIN32
  fs::path home = env_path("USERPROFILE");
#else
  fs::path home = env_path("HOME");
#endif
  return home.empty() ? fs::current_path() : home;
}

}  // namespace

fs::path default_data_dir() {
#if defined(_WIN32)
  fs::path base = env_path("APPDATA");
  if (base.empty()) base = home_dir() / "AppData" / "Roaming";
  return base / "Like-Torrent";
#elif defined(__APPLE__)
  return home_dir() / "Library" / "Application Support" / "Like-Torrent";
#else
  fs::path base = env_path("XDG_DATA_HOME");
  if (base.empty() || base.is_relative()) base = home_dir() / ".local" / "share";
  return base / "like-torrent";
#endif
}

fs::path default_download_dir() {
  fs::path base = env_path("XDG_DOWNLOAD_DIR");
  if (base.empty() || base.is_relative()) base = home_dir() / "Downloads";
  return base / "Like-Torrent";
}

}  // namespace lt::app
