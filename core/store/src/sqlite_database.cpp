#include "store/sqlite_database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>
#include <system_error>

namespace lt::store {
namespace fs = std::filesystem;
namespace {

constexpr int kBusyTimeoutMs = 5000;

// SQLite's check report spans lines ("*** in database main ***\nPage 8: ..."): users and logs
// get its first findings on one line.
std::string one_line(const std::string& report) {
  constexpr std::size_t kMaxLength = 160;
  std::string out;
  std::size_t start = 0;
  while (start <= report.size()) {
    std::size_t end = report.find('\n', start);
    if (end == std::string::npos) end = report.size();
    const std::string line = report.substr(start, end - start);
    if (!line.empty() && !line.starts_with("***")) {
      if (!out.empty()) out += "; ";
      out += line;
    }
    start = end + 1;
  }
  if (out.size() > kMaxLength) out = out.substr(0, kMaxLength) + "...";
  return out;
}

std::unique_ptr<SQLite::Database> open_file(const fs::path& path) {
  auto db = std::make_unique<SQLite::Database>(
      path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, kBusyTimeoutMs);
  // quick_check reads every page header: a file that is not a database, or a damaged one,
  // fails here rather than at some later write.
  const std::string check = db->execAndGet("PRAGMA quick_check").getString();
  if (check != "ok") throw SQLite::Exception("integrity check failed: " + one_line(check));
  db->exec("PRAGMA journal_mode=WAL");
  db->exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: durable at checkpoints, fast commits
  db->exec("PRAGMA foreign_keys=ON");
  return db;
}

fs::path aside_path(const fs::path& path) {
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  fs::path candidate = path;
  candidate += ".corrupt-" + std::to_string(stamp);
  for (int i = 1; fs::exists(candidate); ++i) {
    candidate = path;
    candidate += ".corrupt-" + std::to_string(stamp) + "-" + std::to_string(i);
  }
  return candidate;
}

void migrate(SQLite::Database& db, std::span<const Migration> migrations) {
  const int current = schema_version(db);
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  if (current > latest) {
    throw DatabaseError("database schema version " + std::to_string(current) +
                        " is newer than this program knows (" + std::to_string(latest) +
                        "); refusing to touch it");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    SQLite::Transaction transaction(db);
    db.exec(m.sql);
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    transaction.commit();
  }
}

}  // namespace

int schema_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

OpenedDatabase open_database(const fs::path& path, std::span<const Migration> migrations) {
  OpenedDatabase out;
  const bool in_memory = path == ":memory:";
  if (!in_memory && path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
  }
  try {
    out.db = open_file(path);
  } catch (const SQLite::Exception& e) {
    if (in_memory)
      throw DatabaseError(std::string("cannot open an in-memory database: ") + e.what());
    // Unreadable or corrupt: keep the bytes for a salvage attempt and start fresh.
    out.moved_aside_reason = e.what();
    out.moved_aside = aside_path(path);
    std::error_code ec;
    fs::rename(path, *out.moved_aside, ec);
    if (ec) {
      throw DatabaseError("database " + path.string() + " is unusable (" + e.what() +
                          ") and cannot be moved aside: " + ec.message());
    }
    for (const char* suffix : {"-wal", "-shm"}) {
      fs::path side = path;
      side += suffix;
      fs::path side_aside = *out.moved_aside;
      side_aside += suffix;
      fs::rename(side, side_aside, ec);  // absent side files are fine
    }
    out.db = open_file(path);
  }
  migrate(*out.db, migrations);
  return out;
}

}  // namespace lt::store
