#include "core/torrent_builder.hpp"

#include "core/bencode.hpp"

namespace lt {

std::int64_t auto_piece_length(std::int64_t total_size) noexcept {
  constexpr std::int64_t kMin = std::int64_t{16} << 10;
  constexpr std::int64_t kMax = std::int64_t{16} << 20;
  constexpr std::int64_t kTargetPieces = 2000;
  std::int64_t length = kMin;
  while (length < kMax && total_size / length > kTargetPieces)
    length *= 2;
  return length;
}

bool is_valid_create_piece_length(std::int64_t piece_length) noexcept {
  return piece_length >= (std::int64_t{16} << 10) && piece_length <= (std::int64_t{64} << 20) &&
         (piece_length & (piece_length - 1)) == 0;
}

BuiltTorrent build_torrent(std::string_view name, bool multi_file,
                           const std::vector<BuildFile>& files, std::int64_t piece_length,
                           std::string_view piece_hashes, const TorrentOptions& options) {
  using bencode::Value;
  Value info = Value::dict();
  info["name"] = name;
  info["piece length"] = piece_length;
  info["pieces"] = piece_hashes;
  if (options.is_private) info["private"] = 1;
  if (multi_file) {
    Value list = Value::list();
    for (const BuildFile& f : files) {
      Value entry = Value::dict();
      entry["length"] = f.size;
      Value path = Value::list();
      for (const std::string& element : f.path)
        path.push_back(element);
      entry["path"] = std::move(path);
      if (f.executable) entry["attr"] = "x";
      list.push_back(std::move(entry));
    }
    info["files"] = std::move(list);
  } else {
    info["length"] = files.empty() ? 0 : files.front().size;
    if (!files.empty() && files.front().executable) info["attr"] = "x";
  }

  Value root = Value::dict();
  if (!options.trackers.empty() && !options.trackers.front().empty()) {
    root["announce"] = options.trackers.front().front();
    std::size_t urls = 0;
    for (const auto& tier : options.trackers)
      urls += tier.size();
    if (urls > 1) {
      Value tiers = Value::list();
      for (const auto& tier : options.trackers) {
        Value t = Value::list();
        for (const std::string& url : tier)
          t.push_back(url);
        tiers.push_back(std::move(t));
      }
      root["announce-list"] = std::move(tiers);
    }
  }
  if (!options.comment.empty()) root["comment"] = options.comment;
  if (!options.created_by.empty()) root["created by"] = options.created_by;
  if (options.creation_date) root["creation date"] = *options.creation_date;
  root["encoding"] = "UTF-8";
  if (!options.web_seeds.empty()) {
    Value seeds = Value::list();
    for (const std::string& url : options.web_seeds)
      seeds.push_back(url);
    root["url-list"] = std::move(seeds);
  }

  // The canonical encoding is deterministic, so the info dictionary encodes to the same bytes
  // alone as inside the torrent: that is what the info-hash covers.
  const std::string info_bytes = info.encode();
  root["info"] = std::move(info);
  return {root.encode(), Sha1::digest(info_bytes)};
}

}  // namespace lt
