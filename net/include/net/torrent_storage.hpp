#pragma once
// The files of one torrent on disk: maps blocks and pieces onto files, hashes pieces, checks
// existing data, flushes, and removes the files on request. The disk pool's threads call it,
// several at once; the network thread calls only set_file_wanted() and the cheap queries.
//
// Layout: save_dir/name for a single-file torrent, save_dir/name/<path> for a multi-file one.
// A file is created on its first write (sparse, and extended to its final length at once);
// zero-length files are created with the torrent's first write. Pad files (BEP 47) are never
// created: they read as zeros and writes to them are dropped. BEP 47 symlink entries are not
// created either (not supported yet); they carry no payload bytes.
//
// Skipped files. A piece may be shared by a wanted file and a skipped one, and must still be
// hashed and uploaded whole. A skipped file is never created or written: the bytes of a write
// that fall in a skipped file go to a sparse side file, save_dir/.<infohash-hex>.parts, at
// their torrent offset, and the written ranges are recorded. Reads take recorded ranges from
// the parts file and everything else from the files, so the newest copy of every byte wins
// (a write to a wanted file's bytes removes them from the record). flush() saves the record
// beside the parts file (.<infohash-hex>.parts.index) so it survives a restart. When a skipped
// file becomes wanted, its recorded bytes are copied into it at the next write() or flush()
// on a disk thread, and flush() removes the parts file once it holds nothing.
//
// Thread-safety: every member may be called from any thread concurrently. write(), read(),
// hash_piece() and the checks run in parallel (a shared lock); moving bytes out of the parts
// file and delete_files() take it exclusively. Writes of the same bytes from two threads at
// once, or I/O concurrent with delete_files(), are the caller's race. A write that starts
// after set_file_wanted() returns honours it.
//
// Errors: StorageError (file_handle_cache.hpp) naming the file and the OS reason. Data that
// is not there reads as code() == no_such_file_or_directory (file absent) or
// no_message_available (ENODATA: the file is shorter than the torrent says).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "core/file_layout.hpp"
#include "core/metainfo.hpp"
#include "core/piece_geometry.hpp"
#include "core/sha1.hpp"
#include "core/units.hpp"
#include "net/file_handle_cache.hpp"

namespace lt::net {

// One file as found on disk, for the resume logic to notice files changed behind our back.
struct FileStat {
  bool exists = false;        // a regular file is there (pad files: always false)
  std::int64_t size = 0;      // bytes, when it exists
  std::int64_t mtime_ns = 0;  // last modification, nanoseconds since the Unix epoch
  friend bool operator==(const FileStat&, const FileStat&) = default;
};

class TorrentStorage {
 public:
  // Copies what it needs from meta (the storage may outlive it). Does no I/O: the parts index
  // is loaded by the first disk operation. Throws std::invalid_argument for a file path that
  // is not a safe relative path (parse_metainfo never produces one).
  TorrentStorage(std::filesystem::path save_dir, const Metainfo& meta,
                 std::size_t max_open_files = FileHandleCache::kDefaultCapacity);
  ~TorrentStorage();
  TorrentStorage(const TorrentStorage&) = delete;
  TorrentStorage& operator=(const TorrentStorage&) = delete;

  // All files start wanted; mark skipped ones before the first write. Never does I/O or waits
  // for it, so the network thread may call it.
  void set_file_wanted(FileIndex file, bool wanted);
  [[nodiscard]] bool file_wanted(FileIndex file) const;

  // Writes data at where.begin of where.piece (any length within the piece, a block or the
  // whole piece; data.size() == where.length), across file boundaries. Throws StorageError,
  // or std::invalid_argument for a range outside the piece.
  void write(const BlockRequest& where, std::span<const std::uint8_t> data);
  // Reads for uploading (out.size() == where.length). Throws StorageError when the data is
  // not there, or std::invalid_argument for a range outside the piece.
  void read(const BlockRequest& where, std::span<std::uint8_t> out);

  // SHA-1 of the piece as stored (files, pad zeros, parts file), read in chunks into a buffer
  // reused per thread. Throws StorageError when some of it is not there.
  [[nodiscard]] Sha1Digest hash_piece(PieceIndex piece);
  [[nodiscard]] bool verify_piece(PieceIndex piece) {
    return hash_piece(piece) == piece_hash(piece);
  }
  // For checking existing data at start: nullopt when a file the piece needs is missing or too
  // short, false on a hash mismatch, true when the piece is complete. Other I/O errors throw.
  [[nodiscard]] std::optional<bool> check_existing_piece(PieceIndex piece);

  // Makes everything written since the last flush durable (fdatasync), saves the parts index,
  // and copies newly wanted files' bytes out of the parts file. Call before recording pieces
  // as on disk. Throws StorageError.
  void flush();
  // Closes every open file (pause, stop); the next I/O reopens what it needs.
  void release_files();
  // Removes the torrent's files, its parts file and index, and the folders under save_dir/name
  // that this leaves empty. Never touches anything outside save_dir/name except the parts
  // files, nor save_dir itself, nor anything reached through a symlink leading outside. Tries
  // everything, then throws the first StorageError.
  void delete_files();

  // True when any of the torrent's files, or recorded parts data, is on disk: without it a
  // fresh download can skip checking existing data.
  [[nodiscard]] bool any_file_exists() const;
  // One entry per file of the metainfo, in order.
  [[nodiscard]] std::vector<FileStat> stat_files() const;

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }
  [[nodiscard]] std::filesystem::path file_path(FileIndex file) const;
  [[nodiscard]] const std::filesystem::path& parts_path() const noexcept { return parts_path_; }
  [[nodiscard]] Sha1Digest piece_hash(PieceIndex piece) const;

 private:
  struct File {
    std::filesystem::path path;
    std::int64_t offset = 0;  // in the torrent
    std::int64_t size = 0;
    bool pad = false;
    bool symlink = false;
  };
  // Where a read found no data: the file, or the parts file when file is nullopt.
  struct Gap {
    std::optional<FileIndex> file;
    bool absent = true;  // no such file, rather than too short
  };

  [[nodiscard]] std::int64_t checked_offset(const BlockRequest& where, std::size_t size) const;
  // Torrent bytes [offset, offset + out.size()) into out; the first gap otherwise. Requires
  // io_mutex_ (shared or exclusive).
  [[nodiscard]] std::optional<Gap> read_range(std::int64_t offset, std::span<std::uint8_t> out);
  [[nodiscard]] std::optional<Gap> read_file(FileIndex file, std::int64_t file_offset,
                                             std::span<std::uint8_t> out);
  [[nodiscard]] std::optional<Gap> read_parts(std::int64_t offset, std::span<std::uint8_t> out);
  // Hashes the piece; the gap when some of it is not there.
  [[nodiscard]] std::optional<Gap> hash_range(PieceIndex piece, Sha1Digest& digest);
  [[noreturn]] void throw_gap(const Gap& gap) const;
  // Copies newly wanted files' bytes out of the parts file and creates zero-length files.
  void apply_pending();
  void export_parts(FileIndex file);
  void create_empty_files();
  void load_parts_index_once();
  void load_parts_index();
  void remove_parts_files();

  std::filesystem::path save_dir_;
  std::filesystem::path root_;  // save_dir/name (multi-file) or save_dir (single file)
  std::filesystem::path parts_path_;
  std::filesystem::path parts_index_path_;
  FileLayout layout_;
  std::string piece_hashes_;
  std::vector<File> files_;
  std::unique_ptr<std::atomic<bool>[]> wanted_;
  FileIndex parts_file_;  // the parts file's index in cache_ (after the torrent's files)
  FileHandleCache cache_;

  // Shared by all I/O; exclusive while bytes move out of the parts file or files are removed.
  std::shared_mutex io_mutex_;
  // Torrent byte ranges held by the parts file: start -> end, disjoint and not touching.
  std::mutex parts_mutex_;
  std::map<std::int64_t, std::int64_t> parts_ranges_;
  std::atomic<bool> parts_in_use_{false};   // !parts_ranges_.empty(), read without the lock
  std::atomic<bool> parts_changed_{false};  // the saved index is out of date
  std::atomic<bool> pending_{false};        // apply_pending() has work
  std::atomic<bool> written_{false};        // any write happened (zero-length files exist)
  std::mutex flush_mutex_;                  // one flush (or delete_files) at a time
  std::once_flag parts_loaded_;
};

}  // namespace lt::net
