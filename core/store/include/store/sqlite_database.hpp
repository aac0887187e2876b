#pragma once
// Opening a project database: WAL mode, schema migrations keyed by PRAGMA user_version, and a
// corrupt or unreadable file moved aside (never deleted) so a fresh database can start.

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace SQLite {
class Database;
}

namespace lt::store {

// One schema step: run inside a transaction, then user_version = version. Versions start at 1
// and are consecutive; a step never changes once released (append new ones instead).
struct Migration {
  int version;
  const char* sql;
};

// Thrown when a database cannot be used and must not be replaced, e.g. one written by a newer
// program version: moving it aside would lose that version's data.
class DatabaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OpenedDatabase {
  std::unique_ptr<SQLite::Database> db;
  // Set when the file at the path was unreadable or corrupt and was renamed to this path.
  std::optional<std::filesystem::path> moved_aside;
  std::string moved_aside_reason;
};

// Opens (creating if needed) and migrates the database at `path` (":memory:" allowed).
[[nodiscard]] OpenedDatabase open_database(const std::filesystem::path& path,
                                           std::span<const Migration> migrations);

// The schema version stored in the database.
[[nodiscard]] int schema_version(SQLite::Database& db);

}  // namespace lt::store
