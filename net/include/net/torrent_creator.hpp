#pragma once
// `liketorrent create`: turns files on disk into a .torrent. Walks the inputs, then reads and
// SHA-1-hashes every piece on all cores, streaming each file once (positioned reads into one
// piece-sized buffer per worker; no whole-file buffers).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/sha1.hpp"
#include "core/torrent_builder.hpp"

namespace lt::net {

struct CreateRequest {
  // One file -> single-file torrent; one folder -> multi-file torrent named after it; several
  // paths -> one multi-file torrent whose root folder is `name`, each path under it by its base
  // name.
  std::vector<std::filesystem::path> inputs;
  std::string name;               // overrides the root name; required-ish with several paths
  std::int64_t piece_length = 0;  // 0 = auto_piece_length()
  TorrentOptions options;
  unsigned threads = 0;  // 0 = one per hardware thread
};

struct CreatedTorrent {
  BuiltTorrent torrent;
  std::string name;
  std::int64_t total_size = 0;
  std::int64_t piece_length = 0;
  std::int32_t num_pieces = 0;
  std::size_t num_files = 0;
};

// Thrown for problems with the request itself (missing path, nothing to hash, bad piece size):
// the CLI maps these to exit code 2. Read failures while hashing are std::runtime_error (1).
class CreateInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Called from the calling thread a few times a second while hashing: bytes hashed so far.
using CreateProgress = std::function<void(std::int64_t done, std::int64_t total)>;

[[nodiscard]] CreatedTorrent create_torrent(const CreateRequest& request,
                                            const CreateProgress& progress = {});

}  // namespace lt::net
