#ifndef NEXUS_SERVICES_SQLITE_RESTORE_H_
#define NEXUS_SERVICES_SQLITE_RESTORE_H_

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/sqlite/database.h"

namespace nexus::sqlite {

// What a backup must be to replace a service's database.
struct RestoreSpec {
  // The service's migrations: the backup's schema version may not be newer than the last one.
  std::span<const Migration> migrations;
  // A table every database of this service has, so that another service's backup is refused.
  std::string_view required_table;
};

struct RestoreInfo {
  int schema_version = 0;
  int64_t pages = 0;
  // Where the replaced database now is ("" when there was none).
  std::string previous_path;
};

// Checks that `path` is a database of the kind `spec` describes: it opens, PRAGMA integrity_check
// says "ok", it has the required table, and its schema version is 1..newest. Returns the version.
// FAILED_PRECONDITION saying what is wrong otherwise.
absl::StatusOr<int> VerifyBackup(const std::string& path, const RestoreSpec& spec);

// Replaces the database at `live_path` with a verified copy of `backup_path`, offline: refused
// while a service has `live_path` open. The copy is written next to the live file and renamed
// over it, so a crash leaves either the old or the new database, never a mix; the old one (with
// its -wal, if any) is kept as "<live_path>.bak". Older schemas are migrated at the next start.
absl::StatusOr<RestoreInfo> RestoreDatabase(const std::string& backup_path,
                                            const std::string& live_path, const RestoreSpec& spec);

}  // namespace nexus::sqlite

#endif  // NEXUS_SERVICES_SQLITE_RESTORE_H_
