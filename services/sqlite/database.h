#ifndef NEXUS_SERVICES_SQLITE_DATABASE_H_
#define NEXUS_SERVICES_SQLITE_DATABASE_H_

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/sqlite/file_lock.h"
#include "services/sqlite/files.h"

namespace nexus::sqlite {

// A forward-only schema step. Versions start at 1 and increase by one; a step is never edited
// once released, later changes are new steps.
struct Migration {
  int version;
  std::string_view sql;
};

struct DatabaseOptions {
  absl::Duration busy_timeout = absl::Seconds(5);
  int reader_connections = 4;
  // FULL syncs the WAL on every commit: an acknowledged write survives power loss, not only a
  // crash of the process.
  bool synchronous_full = true;
  // Refuse to open while anything else has the file open (see FileLock): for offline
  // maintenance such as master-key rotation.
  bool exclusive = false;
};

// What Database::Backup wrote.
struct BackupInfo {
  std::string path;
  int64_t pages = 0;
  int64_t bytes = 0;
};

// One SQLite file in WAL mode with a single writer connection and a small pool of readers.
// SQLiteCpp exceptions never leave this class: they become absl::Status.
class Database {
 public:
  // Opens (creating if needed) and brings the schema up to the newest migration. Refuses a file
  // whose schema is newer than the binary knows, and one held by an offline maintenance command.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        std::span<const Migration> migrations,
                                                        const DatabaseOptions& options = {});

  // Runs `fn` in BEGIN IMMEDIATE ... COMMIT on the writer; rolls back when it fails or throws.
  absl::Status Write(absl::FunctionRef<absl::Status(SQLite::Database&)> fn);
  // Runs one statement on the writer outside any transaction (VACUUM, checkpoints, pragmas).
  absl::Status Execute(const std::string& sql);
  // Runs `fn` on a reader connection (a consistent snapshot while it runs).
  absl::Status Read(absl::FunctionRef<absl::Status(SQLite::Database&)> fn);

  // Online backup of the whole database into `destination`, while serving: a consistent
  // snapshot copied on a connection of its own (writers carry on), written to a temporary file
  // and renamed into place only when complete. ALREADY_EXISTS when `destination` exists.
  absl::StatusOr<BackupInfo> Backup(const std::string& destination);

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

 private:
  Database(std::string path, std::optional<FileLock> lock, std::unique_ptr<SQLite::Database> writer,
           std::vector<std::unique_ptr<SQLite::Database>> readers, int schema_version);

  std::string path_;
  std::optional<FileLock> lock_;
  std::mutex writer_mutex_;
  std::unique_ptr<SQLite::Database> writer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<SQLite::Database>> idle_readers_;
  int schema_version_;
};

// Maps a SQLite error to a status: unique violations to ALREADY_EXISTS, busy to UNAVAILABLE,
// a full disk to RESOURCE_EXHAUSTED, the rest to INTERNAL.
absl::Status StatusFromException(const std::exception& e);

}  // namespace nexus::sqlite

#endif  // NEXUS_SERVICES_SQLITE_DATABASE_H_
