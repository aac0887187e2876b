#pragma once
// Open files of one torrent, shared by the disk threads. A torrent may have thousands of files;
// a small LRU cache keeps the few being downloaded or seeded open between blocks without ever
// holding thousands of descriptors.
//
// The cache's mutex is held only to look a handle up or insert it, never across an open, read,
// write or sync: handles are shared, so one evicted while another thread still uses it stays
// open until that thread lets go of it. All I/O is positioned (pread/pwrite), so several
// threads can use one descriptor at different offsets.
//
// POSIX only for now: the Windows branch (CreateFileW, ReadFile/WriteFile with an OVERLAPPED
// offset, FlushFileBuffers, SetFileInformationByHandle for the size) is not written yet.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/units.hpp"

namespace lt::net {

// A failed file operation, as one line naming the file and the OS reason: "cannot write
// /x/y: No space left on device". code() lets the caller tell ENOSPC, EACCES and the like
// apart.
class StorageError : public std::runtime_error {
 public:
  // "cannot <action> <path>: <code's message>".
  StorageError(std::string_view action, const std::filesystem::path& path, std::error_code code);
  // A ready-made message.
  StorageError(const std::string& message, std::error_code code)
      : std::runtime_error(message), code_(code) {}
  [[nodiscard]] std::error_code code() const noexcept { return code_; }

 private:
  std::error_code code_;
};

// Read-only, or read-write with the file (and its missing parent folders) created if absent.
enum class FileAccess : std::uint8_t { read, write };

// One open file. Thread-safe: every operation is positioned and the handle is immutable.
class FileHandle {
 public:
  // Opens `path` (O_CLOEXEC). With write access the file is created if absent (mode 0666, or
  // 0777 when executable, less the umask) together with missing parent folders, and a file
  // shorter than `size` is extended to it with a hole (never shrunk), so reads anywhere inside
  // the torrent's length never meet end of file. Throws StorageError.
  FileHandle(std::filesystem::path path, FileAccess access, std::int64_t size = 0,
             bool executable = false);
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  // Opens an existing file for reading; nullptr when it does not exist (other failures throw).
  [[nodiscard]] static std::shared_ptr<FileHandle> open_existing(std::filesystem::path path);

  [[nodiscard]] FileAccess access() const noexcept { return access_; }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  // Reads up to out.size() bytes at `offset`, retrying short reads: fewer only at end of file.
  // Throws StorageError on an I/O error.
  [[nodiscard]] std::size_t read_at(std::int64_t offset, std::span<std::uint8_t> out) const;
  // Writes all of `data` at `offset`. Requires write access. Throws StorageError.
  void write_at(std::int64_t offset, std::span<const std::uint8_t> data) const;
  // Makes written data durable (fdatasync). Throws StorageError.
  void sync() const;

 private:
  FileHandle(std::filesystem::path path, int fd) noexcept;

  std::filesystem::path path_;
  FileAccess access_ = FileAccess::read;
  int fd_ = -1;
};

// What the cache needs to know to open one file.
struct CachedFile {
  std::filesystem::path path;
  std::int64_t size = 0;  // the length a file opened for writing is extended to
  bool executable = false;
};

// Handles for a fixed list of files, keyed by FileIndex (the position in that list). All
// members are thread-safe.
class FileHandleCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 32;

  // capacity is at least 1.
  explicit FileHandleCache(std::vector<CachedFile> files, std::size_t capacity = kDefaultCapacity);
  ~FileHandleCache();
  FileHandleCache(const FileHandleCache&) = delete;
  FileHandleCache& operator=(const FileHandleCache&) = delete;

  // A handle to read with (a cached write handle serves too); nullptr when the file does not
  // exist. Throws StorageError for other failures.
  [[nodiscard]] std::shared_ptr<FileHandle> open_for_read(FileIndex file);
  // A handle to write with, creating the file; a cached read-only handle is replaced (its
  // current users keep it until they finish). Throws StorageError.
  [[nodiscard]] std::shared_ptr<FileHandle> open_for_write(FileIndex file);

  // Writes through a write handle and remembers the file for flush_all(). The only way to
  // write that flush_all() knows about. Throws StorageError.
  void write(FileIndex file, std::int64_t offset, std::span<const std::uint8_t> data);

  // fdatasync of every file written since the last flush, including files whose handles were
  // evicted or closed since (they are reopened to be synced; a file removed since is skipped).
  // Tries every file, then throws the first StorageError; files that failed stay pending.
  void flush_all();
  // Drops every cached handle; handles in use close when their users finish. Pending flushes
  // are kept.
  void close_all();
  // Drops one file's handle (before the file is removed).
  void close(FileIndex file);

  [[nodiscard]] std::size_t open_count() const;
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] const std::filesystem::path& path(FileIndex file) const;

 private:
  struct Entry {
    FileIndex file;
    std::shared_ptr<FileHandle> handle;
    std::uint64_t last_use = 0;
  };

  // A cached handle that serves `access`, or nullptr. Requires mutex_.
  [[nodiscard]] std::shared_ptr<FileHandle> find_locked(FileIndex file, FileAccess access);
  // Inserts a freshly opened handle unless another thread cached a suitable one meanwhile;
  // returns the handle to use. Closes displaced handles outside the lock.
  [[nodiscard]] std::shared_ptr<FileHandle> insert(FileIndex file,
                                                   std::shared_ptr<FileHandle> fresh);
  [[nodiscard]] const CachedFile& file_info(FileIndex file) const;

  const std::vector<CachedFile> files_;
  const std::size_t capacity_;
  // One flag per file: written since the last flush. Atomics, so writes never take the lock.
  const std::unique_ptr<std::atomic<bool>[]> dirty_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;  // at most capacity_; a linear scan beats a map at this size
  std::uint64_t clock_ = 0;     // last_use stamps
};

}  // namespace lt::net
