#include "net/instance_lock.hpp"

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#endif

namespace lt::net {
namespace {
namespace fs = std::filesystem;

// Enough for any pid and its newline; whatever follows is not ours to read.
constexpr std::size_t kPidTextMax = 32;

// UTF-8 bytes of the path: path::string() on Windows converts to the ANSI code page and
// throws for characters it cannot represent, which would replace our message with a worse one.
std::string display(const fs::path& path) {
  const std::u8string text = path.u8string();
  return {text.begin(), text.end()};
}

// The system message as one line without a full stop (Windows messages end with ".\r\n").
std::string one_line(std::string text) {
  while (!text.empty() &&
         (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.')) {
    text.pop_back();
  }
  return text;
}

InstanceLockError cannot_lock(const fs::path& lock, const std::error_code& error) {
  return InstanceLockError("cannot lock " + display(lock) + ": " + one_line(error.message()));
}

InstanceLockError in_use(const fs::path& database, std::optional<std::uint64_t> pid) {
  std::string message =
      "the database " + display(database) + " is in use by another Like-Torrent process";
  if (pid) message += " (pid " + std::to_string(*pid) + ")";
  return InstanceLockError(message);
}

// Accepts only "<digits>\n": the newline is written last, so a holder caught halfway through
// writing its pid (or a file holding something else) yields no pid rather than a wrong one.
std::optional<std::uint64_t> parse_pid(std::string_view text) {
  const auto end = text.find('\n');
  if (end == std::string_view::npos || end == 0) return std::nullopt;
  std::uint64_t pid = 0;
  const auto [next, error] = std::from_chars(text.data(), text.data() + end, pid);
  if (error != std::errc() || next != text.data() + end || pid == 0) return std::nullopt;
  return pid;
}

std::string pid_text(std::uint64_t pid) {
  return std::to_string(pid) + "\n";
}

}  // namespace

#ifdef _WIN32

namespace {

// LockFileEx locks are mandatory: a locked byte range cannot be read by anyone else. Locking a
// byte far past the pid keeps the pid readable by the process we refuse. Locking beyond the end
// of the file is allowed and does not grow it.
constexpr DWORD kLockOffset = DWORD{1} << 20;

std::optional<std::uint64_t> read_pid(HANDLE file) {
  char buffer[kPidTextMax];
  OVERLAPPED at{};  // offset 0; the handle is synchronous, so this is a positioned read
  DWORD got = 0;
  if (!ReadFile(file, buffer, static_cast<DWORD>(sizeof buffer), &got, &at)) return std::nullopt;
  return parse_pid(std::string_view(buffer, got));
}

// The pid is only for someone else's message: failing to write it must not fail the lock.
void write_pid(HANDLE file) {
  const std::string text = pid_text(GetCurrentProcessId());
  OVERLAPPED at{};
  DWORD written = 0;
  if (!WriteFile(file, text.data(), static_cast<DWORD>(text.size()), &written, &at)) return;
  // Cut a longer pid left by an earlier holder only after writing ours, so a reader never finds
  // the file empty while we hold the lock.
  LARGE_INTEGER end{};
  end.QuadPart = static_cast<LONGLONG>(written);
  if (SetFilePointerEx(file, end, nullptr, FILE_BEGIN)) SetEndOfFile(file);
}

}  // namespace

InstanceLock::InstanceLock(const fs::path& database) {
  if (database.empty() || database == ":memory:") return;
  fs::path lock = database;
  lock += ".lock";
  // No FILE_SHARE_DELETE: while we hold the file nobody can delete it and let a second process
  // create and lock a fresh one. A null security descriptor keeps the handle from being
  // inherited by child processes.
  HANDLE file =
      CreateFileW(lock.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                  nullptr, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    throw cannot_lock(lock,
                      std::error_code(static_cast<int>(GetLastError()), std::system_category()));
  }
  OVERLAPPED at{};
  at.Offset = kLockOffset;
  if (!LockFileEx(file, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at)) {
    const DWORD error = GetLastError();
    if (error == ERROR_LOCK_VIOLATION) {
      const auto pid = read_pid(file);
      CloseHandle(file);
      throw in_use(database, pid);
    }
    CloseHandle(file);
    throw cannot_lock(lock, std::error_code(static_cast<int>(error), std::system_category()));
  }
  write_pid(file);
  handle_ = file;
  lock_path_ = std::move(lock);
}

void InstanceLock::release() noexcept {
  if (handle_ == nullptr) return;
  // Unlock explicitly: Windows releases the locks of a closed handle only "when resources
  // permit", which could refuse a process started right after we exit.
  OVERLAPPED at{};
  at.Offset = kLockOffset;
  UnlockFileEx(static_cast<HANDLE>(handle_), 0, 1, 0, &at);
  CloseHandle(static_cast<HANDLE>(handle_));
  handle_ = nullptr;
  lock_path_.clear();
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept
    : lock_path_(std::exchange(other.lock_path_, fs::path())),
      handle_(std::exchange(other.handle_, nullptr)) {}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    release();
    lock_path_ = std::exchange(other.lock_path_, fs::path());
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

#else

namespace {

std::optional<std::uint64_t> read_pid(int fd) {
  char buffer[kPidTextMax];
  ssize_t got = 0;
  do {
    got = ::pread(fd, buffer, sizeof buffer, 0);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) return std::nullopt;
  return parse_pid(std::string_view(buffer, static_cast<std::size_t>(got)));
}

// The pid is only for someone else's message: failing to write it must not fail the lock.
void write_pid(int fd) {
  const std::string text = pid_text(static_cast<std::uint64_t>(::getpid()));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote =
        ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return;
    done += static_cast<std::size_t>(wrote);
  }
  // Cut a longer pid left by an earlier holder only after writing ours, so a reader never finds
  // the file empty while we hold the lock.
  int rc = 0;
  do {
    rc = ::ftruncate(fd, static_cast<off_t>(text.size()));
  } while (rc < 0 && errno == EINTR);
}

}  // namespace

InstanceLock::InstanceLock(const fs::path& database) {
  if (database.empty() || database == ":memory:") return;
  fs::path lock = database;
  lock += ".lock";
  // O_CLOEXEC: a program we start (a "run on completion" command, say) must not keep the
  // client's lock alive after the client exits.
  int fd = -1;
  do {
    fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw cannot_lock(lock, std::error_code(errno, std::generic_category()));

  // flock, not fcntl on the database: SQLite holds fcntl locks on the database, and fcntl locks
  // are per process, so they would not see a second lock taken by our own process, and SQLite
  // closing any of its descriptors of the database would silently drop ours. flock locks
  // belong to this open file description alone.
  int rc = 0;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    const int error = errno;
    if (error == EWOULDBLOCK) {
      const auto pid = read_pid(fd);
      ::close(fd);
      throw in_use(database, pid);
    }
    ::close(fd);  // ENOLCK, or a file system without flock support
    throw cannot_lock(lock, std::error_code(error, std::generic_category()));
  }
  write_pid(fd);
  fd_ = fd;
  lock_path_ = std::move(lock);
}

void InstanceLock::release() noexcept {
  if (fd_ < 0) return;
  // close() alone, no flock(LOCK_UN): the lock belongs to the open file description, which a
  // fork()ed child shares, and a child that unlocked it would silently unprotect us. Closing
  // unlocks once the last descriptor of it is gone.
  ::close(fd_);
  fd_ = -1;
  lock_path_.clear();
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept
    : lock_path_(std::exchange(other.lock_path_, fs::path())), fd_(std::exchange(other.fd_, -1)) {}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    release();
    lock_path_ = std::exchange(other.lock_path_, fs::path());
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

#endif

InstanceLock::~InstanceLock() {
  release();
}

const fs::path& InstanceLock::lock_path() const noexcept {
  return lock_path_;
}

}  // namespace lt::net
