#pragma once
// Keeps a second Like-Torrent process from using the same client database at the same time:
// two processes writing one database would each believe their own view of the torrents and
// overwrite the other's progress.
//
// Decisions:
// - The lock is an OS lock on `<database>.lock` (flock on POSIX, LockFileEx on Windows), not
//   the existence of the file: the kernel drops the lock when the process dies, even by
//   kill -9 or a crash, so a lock file left behind never blocks a restart and nobody has to
//   guess whether a recorded pid is still alive (pids get reused). (Windows may take a moment
//   to release the locks of a killed process; a normal exit unlocks explicitly.)
// - A separate file rather than the database itself: SQLite already takes fcntl locks on the
//   database, and fcntl locks belong to the process, so a second lock from our own process
//   would silently succeed and closing any descriptor of the database would drop ours.
//   flock locks belong to the open file description, so two InstanceLocks conflict even in
//   one process, which is also what makes the lock testable without a second process.
// - The holder writes its pid into the file only so the refused process can name it in its
//   message; the pid is never used to decide anything.
// - The file is left in place on unlock: deleting it would race with a process that has just
//   opened it and is about to lock it, leaving two processes each locking a different file.
// - The directory is not created here: the caller decides where the database lives and
//   creates its folder before taking the lock (a missing folder gives the "cannot lock" error).
// - ":memory:" or an empty path locks nothing: such a database is private to the process.
// - A descriptor inherited by a fork()ed child that does not exec shares the lock (O_CLOEXEC
//   only covers exec); the client never forks without exec.

#include <filesystem>
#include <stdexcept>

namespace lt::net {

class InstanceLockError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InstanceLock {
 public:
  // Creates if needed and locks `<database>.lock`, then writes our pid into it. Throws
  // InstanceLockError with a one-line message when another process (or another InstanceLock in
  // this process) holds it:
  //   "the database /x/client.db is in use by another Like-Torrent process (pid 1234)"
  // (the pid part is left out when the file holds no readable pid), or when the lock file
  // cannot be opened or locked: "cannot lock /x/client.db.lock: <system error>".
  // For ":memory:" or an empty path it does nothing and lock_path() is empty.
  explicit InstanceLock(const std::filesystem::path& database);
  // Unlocks and closes; the file stays (see above).
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  // The moved-from object holds nothing: its destructor leaves the lock alone and its
  // lock_path() is empty.
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;

  // The lock file, or an empty path when nothing is locked (in-memory database, moved from).
  [[nodiscard]] const std::filesystem::path& lock_path() const noexcept;

 private:
  void release() noexcept;

  std::filesystem::path lock_path_;
#ifdef _WIN32
  void* handle_ = nullptr;
#else
  int fd_ = -1;
#endif
};

}  // namespace lt::net
