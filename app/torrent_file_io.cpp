#include "torrent_file_io.hpp"

#include <fstream>
#include <random>
#include <system_error>

namespace lt::app {
namespace fs = std::filesystem;

Metainfo load_torrent_file(const fs::path& path) {
  return load_torrent_file_with_bytes(path).meta;
}

LoadedTorrent load_torrent_file_with_bytes(const fs::path& path) {
  const ParseLimits limits;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw UsageError(path.string() + ": is a directory, not a .torrent file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw UsageError(path.string() + ": " + ec.message());
  if (size > limits.max_torrent_bytes) {
    throw UsageError(path.string() + ": " + std::string(to_string(MetainfoErrc::too_large)) + " (" +
                     std::to_string(size) + " bytes)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path.string() + ": cannot open for reading");
  std::string bytes(static_cast<std::size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::size_t>(in.gcount()) != bytes.size()) {
    throw UsageError(path.string() + ": cannot read the whole file");
  }
  try {
    Metainfo meta = parse_metainfo(bytes, limits);
    return {std::move(meta), std::move(bytes)};
  } catch (const MetainfoError& e) {
    throw UsageError(path.string() + ": " + e.what());
  }
}

void write_file_atomically(const fs::path& path, std::string_view data) {
  std::random_device rd;
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path temp =
      dir / ("." + path.filename().string() + ".tmp-" + std::to_string(rd() % 1000000));
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw RuntimeError("cannot write " + path.string() + ": cannot create a file in " +
                         dir.string());
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      fs::remove(temp, ignored);
      throw RuntimeError("cannot write " + path.string() + " (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw RuntimeError("cannot write " + path.string() + ": " + ec.message());
  }
}

}  // namespace lt::app
