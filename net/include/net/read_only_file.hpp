#pragma once
// A file opened for positioned reads (pread on POSIX, ReadFile with an offset on Windows):
// several threads can read one file at different offsets without sharing a file position.

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace lt::net {

class ReadOnlyFile {
 public:
  ReadOnlyFile() = default;
  // Throws std::system_error naming the path on failure.
  explicit ReadOnlyFile(const std::filesystem::path& path);
  ~ReadOnlyFile();
  ReadOnlyFile(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile& operator=(ReadOnlyFile&& other) noexcept;
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  [[nodiscard]] bool is_open() const noexcept;
  // Reads up to `size` bytes at `offset`, retrying short reads; returns the bytes read, which
  // is less than `size` only at end of file. Throws std::system_error on an I/O error.
  std::size_t read_at(std::int64_t offset, std::byte* buffer, std::size_t size) const;

 private:
  void close() noexcept;
#ifdef _WIN32
  void* handle_ = nullptr;
#else
  int fd_ = -1;
#endif
};

}  // namespace lt::net
