#include "net/file_handle_cache.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <utility>

#include "core/utf8.hpp"

#ifdef _WIN32
// See the header: the Windows implementation of FileHandle is still to be written.
#error "FileHandle has no Windows implementation yet"
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace lt::net {
namespace fs = std::filesystem;

static_assert(sizeof(off_t) >= 8, "torrent files exceed 2 GiB: build with _FILE_OFFSET_BITS=64");

namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

int open_fd(const fs::path& path, int flags, mode_t mode) {
  for (;;) {
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd >= 0 || errno != EINTR) return fd;
  }
}

}  // namespace

StorageError::StorageError(std::string_view action, const fs::path& path, std::error_code code)
    : std::runtime_error("cannot " + std::string(action) + " " + path_to_utf8(path) + ": " +
                         code.message()),
      code_(code) {}

// ---- FileHandle ----

FileHandle::FileHandle(fs::path path, FileAccess access, std::int64_t size, bool executable)
    : path_(std::move(path)), access_(access) {
  const bool write = access == FileAccess::write;
  const int flags = write ? O_RDWR | O_CREAT | O_CLOEXEC : O_RDONLY | O_CLOEXEC;
  const mode_t mode = executable ? 0777 : 0666;
  fd_ = open_fd(path_, flags, mode);
  if (fd_ < 0 && errno == ENOENT && write) {
    // Parent folders are made on demand: skipped files' folders never appear.
    std::error_code ec;
    fs::create_directories(path_.parent_path(), ec);
    if (ec) throw StorageError("create folder", path_.parent_path(), ec);
    fd_ = open_fd(path_, flags, mode);
  }
  if (fd_ < 0) throw StorageError(write ? "write" : "read", path_, last_error());
  if (!write || size <= 0) return;
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || (st.st_size < size && ::ftruncate(fd_, size) != 0)) {
    const std::error_code ec = last_error();
    ::close(fd_);
    fd_ = -1;
    throw StorageError("write", path_, ec);
  }
}

FileHandle::FileHandle(fs::path path, int fd) noexcept
    : path_(std::move(path)), access_(FileAccess::read), fd_(fd) {}

FileHandle::~FileHandle() {
  // close() errors are not reported: data that must be durable goes through sync() first.
  if (fd_ >= 0) ::close(fd_);
}

std::shared_ptr<FileHandle> FileHandle::open_existing(fs::path path) {
  const int fd = open_fd(path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw StorageError("read", path, last_error());
  }
  // The private constructor is out of make_shared's reach.
  return std::shared_ptr<FileHandle>(new FileHandle(std::move(path), fd));
}

std::size_t FileHandle::read_at(std::int64_t offset, std::span<std::uint8_t> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw StorageError("read", path_, last_error());
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

void FileHandle::write_at(std::int64_t offset, std::span<const std::uint8_t> data) const {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t put = ::pwrite(fd_, data.data() + done, data.size() - done,
                                 static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
    if (put < 0) {
      if (errno == EINTR) continue;
      throw StorageError("write", path_, last_error());
    }
    if (put == 0) throw StorageError("write", path_, std::make_error_code(std::errc::io_error));
    done += static_cast<std::size_t>(put);
  }
}

void FileHandle::sync() const {
#ifdef __APPLE__
  const int rc = ::fsync(fd_);  // macOS has no fdatasync
#else
  const int rc = ::fdatasync(fd_);
#endif
  if (rc != 0) throw StorageError("flush", path_, last_error());
}

// ---- FileHandleCache ----

FileHandleCache::FileHandleCache(std::vector<CachedFile> files, std::size_t capacity)
    : files_(std::move(files)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      dirty_(std::make_unique<std::atomic<bool>[]>(files_.size())) {
  entries_.reserve(capacity_ + 1);
}

FileHandleCache::~FileHandleCache() = default;

const CachedFile& FileHandleCache::file_info(FileIndex file) const {
  return files_.at(static_cast<std::size_t>(file.get()));
}

const fs::path& FileHandleCache::path(FileIndex file) const {
  return file_info(file).path;
}

std::shared_ptr<FileHandle> FileHandleCache::find_locked(FileIndex file, FileAccess access) {
  for (Entry& e : entries_) {
    if (e.file != file) continue;
    if (access == FileAccess::write && e.handle->access() != FileAccess::write) return nullptr;
    e.last_use = ++clock_;
    return e.handle;
  }
  return nullptr;
}

std::shared_ptr<FileHandle> FileHandleCache::insert(FileIndex file,
                                                    std::shared_ptr<FileHandle> fresh) {
  // Declared before the lock so that a handle closed here is closed after unlocking.
  std::shared_ptr<FileHandle> displaced;
  const std::lock_guard lock(mutex_);
  if (auto cached = find_locked(file, fresh->access())) {
    displaced = std::move(fresh);  // another thread opened it meanwhile: use theirs
    return cached;
  }
  const auto same = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.file == file; });
  if (same != entries_.end()) {
    // A read-only handle upgraded to read-write.
    displaced = std::exchange(same->handle, fresh);
    same->last_use = ++clock_;
    return fresh;
  }
  if (entries_.size() >= capacity_) {
    const auto oldest =
        std::min_element(entries_.begin(), entries_.end(),
                         [](const Entry& a, const Entry& b) { return a.last_use < b.last_use; });
    displaced = std::move(oldest->handle);
    entries_.erase(oldest);
  }
  entries_.push_back({file, fresh, ++clock_});
  return fresh;
}

std::shared_ptr<FileHandle> FileHandleCache::open_for_read(FileIndex file) {
  {
    const std::lock_guard lock(mutex_);
    if (auto cached = find_locked(file, FileAccess::read)) return cached;
  }
  auto fresh = FileHandle::open_existing(file_info(file).path);
  if (!fresh) return nullptr;
  return insert(file, std::move(fresh));
}

std::shared_ptr<FileHandle> FileHandleCache::open_for_write(FileIndex file) {
  {
    const std::lock_guard lock(mutex_);
    if (auto cached = find_locked(file, FileAccess::write)) return cached;
  }
  // Two threads may both open (and extend) the file; both extend to the same final size, which
  // never cuts data, and insert() keeps one of the handles.
  const CachedFile& info = file_info(file);
  return insert(
      file, std::make_shared<FileHandle>(info.path, FileAccess::write, info.size, info.executable));
}

void FileHandleCache::write(FileIndex file, std::int64_t offset,
                            std::span<const std::uint8_t> data) {
  open_for_write(file)->write_at(offset, data);
  // Marked after the write: a flush that clears the flag first still sees this data pending.
  dirty_[static_cast<std::size_t>(file.get())].store(true, std::memory_order_release);
}

void FileHandleCache::flush_all() {
  std::optional<StorageError> first_error;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (!dirty_[i].load(std::memory_order_relaxed)) continue;
    if (!dirty_[i].exchange(false, std::memory_order_acq_rel)) continue;
    const FileIndex file(static_cast<std::int32_t>(i));
    try {
      std::shared_ptr<FileHandle> handle;
      {
        const std::lock_guard lock(mutex_);
        handle = find_locked(file, FileAccess::read);
      }
      // Syncing any descriptor of a file flushes the file's data, so an evicted file is
      // reopened read-only rather than kept open until the next flush.
      if (!handle) handle = FileHandle::open_existing(files_[i].path);
      if (handle) handle->sync();
    } catch (const StorageError& e) {
      dirty_[i].store(true, std::memory_order_relaxed);
      if (!first_error) first_error = e;
    }
  }
  if (first_error) throw *first_error;
}

void FileHandleCache::close_all() {
  std::vector<Entry> closing;  // destroyed after unlocking
  const std::lock_guard lock(mutex_);
  closing.swap(entries_);
  entries_.reserve(capacity_ + 1);
}

void FileHandleCache::close(FileIndex file) {
  std::shared_ptr<FileHandle> closing;
  const std::lock_guard lock(mutex_);
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return e.file == file; });
  if (it == entries_.end()) return;
  closing = std::move(it->handle);
  entries_.erase(it);
}

std::size_t FileHandleCache::open_count() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace lt::net
