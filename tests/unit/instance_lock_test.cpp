// InstanceLock against real lock files in a sandbox folder. Conflicts inside this process work
// because flock locks belong to an open file description; the cross-process cases fork a child
// that takes the lock and then waits to be killed, the way a crashed client would leave it.
#include "net/instance_lock.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "support/temp_dir.hpp"

#ifndef _WIN32
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace lt::net {
namespace {
namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string in_use_message(const fs::path& database) {
  return "the database " + database.string() + " is in use by another Like-Torrent process";
}

// The message of the InstanceLockError thrown by locking `database`, or "" if it locked.
std::string lock_failure(const fs::path& database) {
  try {
    InstanceLock lock(database);
  } catch (const InstanceLockError& e) {
    return e.what();
  }
  return "";
}

#ifndef _WIN32
long long own_pid() {
  return static_cast<long long>(::getpid());
}
#endif

TEST(InstanceLock, CreatesLockFileNextToDatabaseWithOurPid) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  InstanceLock lock(db);
  EXPECT_EQ(lock.lock_path(), dir / "client.db.lock");
  ASSERT_TRUE(fs::exists(lock.lock_path()));
#ifndef _WIN32
  EXPECT_EQ(read_all(lock.lock_path()), std::to_string(own_pid()) + "\n");
#endif
}

TEST(InstanceLock, SecondLockInSameProcessIsRefusedNamingOurPid) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  InstanceLock first(db);
#ifndef _WIN32
  EXPECT_EQ(lock_failure(db), in_use_message(db) + " (pid " + std::to_string(own_pid()) + ")");
#else
  EXPECT_NE(lock_failure(db).find(in_use_message(db)), std::string::npos);
#endif
}

TEST(InstanceLock, ReplacesALongerPidLeftByAnEarlierHolder) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  std::ofstream(dir / "client.db.lock") << "99999999999\nleftover\n";
  InstanceLock lock(db);
#ifndef _WIN32
  EXPECT_EQ(read_all(lock.lock_path()), std::to_string(own_pid()) + "\n");
#endif
}

TEST(InstanceLock, UnreadablePidIsLeftOutOfTheMessage) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  InstanceLock first(db);
  std::ofstream(first.lock_path(), std::ios::trunc) << "not a pid";
  EXPECT_EQ(lock_failure(db), in_use_message(db));
}

TEST(InstanceLock, DestructorReleasesAndLeavesTheFile) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  fs::path lock_file;
  {
    InstanceLock first(db);
    lock_file = first.lock_path();
  }
  EXPECT_TRUE(fs::exists(lock_file));
  EXPECT_EQ(lock_failure(db), "");
  InstanceLock again(db);
  EXPECT_EQ(again.lock_path(), lock_file);
}

TEST(InstanceLock, OtherDatabaseInSameFolderIsIndependent) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  InstanceLock first(db);
  InstanceLock other(dir / "other.db");
  EXPECT_EQ(other.lock_path(), dir / "other.db.lock");
}

TEST(InstanceLock, MissingDirectoryGivesCannotLock) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "missing" / "client.db";
#ifndef _WIN32
  EXPECT_EQ(lock_failure(db), "cannot lock " + (dir / "missing" / "client.db.lock").string() +
                                  ": " + std::generic_category().message(ENOENT));
#else
  EXPECT_EQ(lock_failure(db).rfind("cannot lock ", 0), 0u);
#endif
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST(InstanceLock, InMemoryAndEmptyPathsLockNothing) {
  InstanceLock memory(":memory:");
  InstanceLock memory_again(":memory:");
  InstanceLock empty{fs::path()};
  EXPECT_TRUE(memory.lock_path().empty());
  EXPECT_TRUE(empty.lock_path().empty());
  EXPECT_FALSE(fs::exists(":memory:.lock"));
  EXPECT_FALSE(fs::exists(".lock"));
}

TEST(InstanceLock, MoveConstructionTransfersOwnership) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  std::optional<InstanceLock> moved;
  {
    InstanceLock original(db);
    moved.emplace(std::move(original));
    EXPECT_TRUE(original.lock_path().empty());
    EXPECT_EQ(moved->lock_path(), dir / "client.db.lock");
  }  // the moved-from destructor runs here and must not unlock
  EXPECT_NE(lock_failure(db), "");
  moved.reset();
  EXPECT_EQ(lock_failure(db), "");
}

TEST(InstanceLock, MoveAssignmentReleasesTheOldLockAndTakesTheNew) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  const fs::path other_db = dir / "other.db";
  InstanceLock target(other_db);
  {
    InstanceLock source(db);
    target = std::move(source);
    EXPECT_TRUE(source.lock_path().empty());
  }
  EXPECT_EQ(target.lock_path(), dir / "client.db.lock");
  EXPECT_NE(lock_failure(db), "");
  EXPECT_EQ(lock_failure(other_db), "");
}

#ifndef _WIN32

// A child process that takes the lock on `database` and then waits to be killed. Kills and
// reaps it on destruction so a failed assertion never leaves it behind.
class LockingChild {
 public:
  explicit LockingChild(const fs::path& database) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      char status = 'L';
      try {
        InstanceLock lock(database);
        (void)!::write(fds[1], &status, 1);
        for (;;)
          ::pause();
      } catch (...) {
        status = 'E';
        (void)!::write(fds[1], &status, 1);
      }
      ::_exit(1);  // never return into the test runner's copy in the child
    }
    ::close(fds[1]);
    if (pid_ > 0) {
      ssize_t got = 0;
      do {
        got = ::read(fds[0], &status_, 1);
      } while (got < 0 && errno == EINTR);
    }
    ::close(fds[0]);
  }
  ~LockingChild() { kill(); }
  LockingChild(const LockingChild&) = delete;
  LockingChild& operator=(const LockingChild&) = delete;

  [[nodiscard]] bool locked() const noexcept { return pid_ > 0 && status_ == 'L'; }
  [[nodiscard]] bool refused() const noexcept { return pid_ > 0 && status_ == 'E'; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  // SIGKILL: the child gets no chance to unlock or clean up, like a crash.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  char status_ = 0;
};

TEST(InstanceLock, LockHeldByAnotherProcessIsRefusedNamingItsPid) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  LockingChild child(db);
  ASSERT_TRUE(child.locked());
  EXPECT_EQ(lock_failure(db), in_use_message(db) + " (pid " + std::to_string(child.pid()) + ")");
}

TEST(InstanceLock, LockFileOfAKilledProcessDoesNotBlock) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  LockingChild child(db);
  ASSERT_TRUE(child.locked());
  const std::string child_pid = std::to_string(child.pid());
  child.kill();
  // The stale file is still there with the dead child's pid; only the kernel lock is gone.
  ASSERT_EQ(read_all(dir / "client.db.lock"), child_pid + "\n");
  EXPECT_EQ(lock_failure(db), "");
  InstanceLock lock(db);
  EXPECT_EQ(read_all(lock.lock_path()), std::to_string(own_pid()) + "\n");
}

TEST(InstanceLock, ChildIsRefusedWhileWeHoldTheLock) {
  const test::TempDir dir("lt-instance-lock");
  const fs::path db = dir / "client.db";
  InstanceLock lock(db);
  LockingChild child(db);
  // The child inherits our descriptor across fork, but its own open() gets a new open file
  // description, so it conflicts with ours.
  EXPECT_TRUE(child.refused());
}

#endif

}  // namespace
}  // namespace lt::net
