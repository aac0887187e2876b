#include "net/read_only_file.hpp"

#include <cerrno>
#include <system_error>
#include <utility>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace lt::net {

#ifdef _WIN32

ReadOnlyFile::ReadOnlyFile(const std::filesystem::path& path) {
  HANDLE h = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                         OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    throw std::system_error(static_cast<int>(GetLastError()), std::system_category(),
                            path.string());
  }
  handle_ = h;
}

bool ReadOnlyFile::is_open() const noexcept {
  return handle_ != nullptr;
}

void ReadOnlyFile::close() noexcept {
  if (handle_ != nullptr) CloseHandle(static_cast<HANDLE>(handle_));
  handle_ = nullptr;
}

std::size_t ReadOnlyFile::read_at(std::int64_t offset, std::byte* buffer, std::size_t size) const {
  std::size_t done = 0;
  while (done < size) {
    OVERLAPPED at{};
    const auto pos = static_cast<std::uint64_t>(offset) + done;
    at.Offset = static_cast<DWORD>(pos & 0xffffffffu);
    at.OffsetHigh = static_cast<DWORD>(pos >> 32);
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(size - done, 1u << 30));
    DWORD got = 0;
    if (!ReadFile(static_cast<HANDLE>(handle_), buffer + done, chunk, &got, &at)) {
      const DWORD err = GetLastError();
      if (err == ERROR_HANDLE_EOF) break;
      throw std::system_error(static_cast<int>(err), std::system_category(), "read");
    }
    if (got == 0) break;
    done += got;
  }
  return done;
}

#else

ReadOnlyFile::ReadOnlyFile(const std::filesystem::path& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), path.string());
#ifdef POSIX_FADV_SEQUENTIAL
  // Larger read-ahead when the data is not cached yet; harmless when it is.
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
}

bool ReadOnlyFile::is_open() const noexcept {
  return fd_ >= 0;
}

void ReadOnlyFile::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::size_t ReadOnlyFile::read_at(std::int64_t offset, std::byte* buffer, std::size_t size) const {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t got = ::pread(fd_, buffer + done, size - done,
                                static_cast<off_t>(offset + static_cast<std::int64_t>(done)));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "read");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

#endif

ReadOnlyFile::~ReadOnlyFile() {
  close();
}

ReadOnlyFile::ReadOnlyFile(ReadOnlyFile&& other) noexcept {
#ifdef _WIN32
  handle_ = std::exchange(other.handle_, nullptr);
#else
  fd_ = std::exchange(other.fd_, -1);
#endif
}

ReadOnlyFile& ReadOnlyFile::operator=(ReadOnlyFile&& other) noexcept {
  if (this != &other) {
    close();
#ifdef _WIN32
    handle_ = std::exchange(other.handle_, nullptr);
#else
    fd_ = std::exchange(other.fd_, -1);
#endif
  }
  return *this;
}

}  // namespace lt::net
