#include "services/sqlite/database.h"

#include <sqlite3.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace nexus::sqlite {
namespace {

void Configure(SQLite::Database& db, const DatabaseOptions& options) {
  db.setBusyTimeout(static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  db.exec("PRAGMA foreign_keys = ON");
  db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
}

absl::StatusOr<int> Migrate(SQLite::Database& db, std::span<const Migration> migrations) {
  int current = db.execAndGet("PRAGMA user_version").getInt();
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return absl::FailedPreconditionError(absl::StrCat("database schema version ", current,
                                                      " is newer than this binary knows (", newest,
                                                      "); run a newer release"));
  }
  int expected = 1;
  for (const Migration& m : migrations) {
    if (m.version != expected++) {
      return absl::InternalError(absl::StrCat("migrations are not numbered 1..n at ", m.version));
    }
    if (m.version <= current) continue;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec(std::string(m.sql));
    db.exec(absl::StrCat("PRAGMA user_version = ", m.version));
    tx.commit();
    current = m.version;
  }
  return current;
}

}  // namespace

absl::Status StatusFromException(const std::exception& e) {
  if (const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e)) {
    int extended = sqlite_error->getExtendedErrorCode();
    if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return absl::AlreadyExistsError(e.what());
    }
    switch (sqlite_error->getErrorCode()) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return absl::UnavailableError(absl::StrCat("database busy: ", e.what()));
      case SQLITE_FULL:
        return absl::ResourceExhaustedError(absl::StrCat("disk full: ", e.what()));
      case SQLITE_CONSTRAINT:
        return absl::FailedPreconditionError(e.what());
      default:
        break;
    }
  }
  return absl::InternalError(absl::StrCat("database error: ", e.what()));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         std::span<const Migration> migrations,
                                                         const DatabaseOptions& options) {
  std::optional<FileLock> lock;
  if (!path.empty() && path != ":memory:" && !path.starts_with("file:")) {
    absl::StatusOr<FileLock> acquired = FileLock::Acquire(
        path, options.exclusive ? FileLock::Mode::kExclusive : FileLock::Mode::kShared);
    if (!acquired.ok()) return acquired.status();
    lock.emplace(*std::move(acquired));
  }
  try {
    auto writer = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX);
    writer->exec("PRAGMA journal_mode = WAL");
    Configure(*writer, options);
    absl::StatusOr<int> version = Migrate(*writer, migrations);
    if (!version.ok()) return version.status();
    std::vector<std::unique_ptr<SQLite::Database>> readers;
    for (int i = 0; i < options.reader_connections; ++i) {
      auto reader =
          std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY | SQLite::OPEN_FULLMUTEX);
      Configure(*reader, options);
      readers.push_back(std::move(reader));
    }
    return std::unique_ptr<Database>(
        new Database(path, std::move(lock), std::move(writer), std::move(readers), *version));
  } catch (const std::exception& e) {
    absl::Status status = StatusFromException(e);
    return absl::Status(status.code(), absl::StrCat("opening ", path, ": ", status.message()));
  }
}

Database::Database(std::string path, std::optional<FileLock> lock,
                   std::unique_ptr<SQLite::Database> writer,
                   std::vector<std::unique_ptr<SQLite::Database>> readers, int schema_version)
    : path_(std::move(path)),
      lock_(std::move(lock)),
      writer_(std::move(writer)),
      idle_readers_(std::move(readers)),
      schema_version_(schema_version) {}

absl::Status Database::Write(absl::FunctionRef<absl::Status(SQLite::Database&)> fn) {
  std::lock_guard lock(writer_mutex_);
  try {
    SQLite::Transaction tx(*writer_, SQLite::TransactionBehavior::IMMEDIATE);
    absl::Status status = fn(*writer_);
    if (!status.ok()) return status;  // The transaction's destructor rolls back.
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

absl::Status Database::Execute(const std::string& sql) {
  std::lock_guard lock(writer_mutex_);
  try {
    writer_->exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

absl::Status Database::Read(absl::FunctionRef<absl::Status(SQLite::Database&)> fn) {
  std::unique_ptr<SQLite::Database> reader;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  try {
    if (reader == nullptr) {
      // Every pooled reader is busy: a short-lived extra connection beats waiting.
      reader = std::make_unique<SQLite::Database>(path_, SQLite::OPEN_READONLY);
      reader->setBusyTimeout(5000);
    }
    absl::Cleanup give_back = [&] {
      std::lock_guard lock(readers_mutex_);
      idle_readers_.push_back(std::move(reader));
    };
    SQLite::Transaction snapshot(*reader, SQLite::TransactionBehavior::DEFERRED);
    absl::Status status = fn(*reader);
    snapshot.commit();
    return status;
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

absl::StatusOr<BackupInfo> Database::Backup(const std::string& destination) {
  absl::StatusOr<CopyInfo> copied = BackupDatabaseFile(path_, destination);
  if (!copied.ok()) return copied.status();
  return BackupInfo{.path = destination, .pages = copied->pages, .bytes = copied->bytes};
}

}  // namespace nexus::sqlite
