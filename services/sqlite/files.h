#ifndef NEXUS_SERVICES_SQLITE_FILES_H_
#define NEXUS_SERVICES_SQLITE_FILES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nexus::sqlite {

// What a copy of a database holds.
struct CopyInfo {
  int64_t pages = 0;
  int64_t bytes = 0;
  int schema_version = 0;  // PRAGMA user_version of the copy
};

// Copies the database at `source` (live, in WAL mode, or not) into the new empty file `target`
// with SQLite's backup API: one read transaction on a connection of its own, so the copy is a
// consistent snapshot while the source's writers carry on. The copy is left in rollback-journal
// mode (one self-contained file) and synced to disk.
absl::StatusOr<CopyInfo> CopyDatabase(const std::string& source, const std::string& target);

// Writes a consistent copy of the database at `source` (which may be open and written to by a
// running service) to `destination`: copied into a temporary file next to it and renamed into
// place only when complete. ALREADY_EXISTS when `destination` exists.
absl::StatusOr<CopyInfo> BackupDatabaseFile(const std::string& source,
                                            const std::string& destination);

// Creates an empty file (mode 0600) next to `near`, named "<near>.<tag>-XXXXXX"; returns its path.
absl::StatusOr<std::string> MakeTempFileNear(const std::string& near, std::string_view tag);

// Renames `from` to `to` unless `to` exists (ALREADY_EXISTS then), then syncs the directory so
// that the new name survives a crash.
absl::Status PublishWithoutReplacing(const std::string& from, const std::string& to);

// fsync of the directory holding `path`.
absl::Status SyncParentDirectory(const std::string& path);

}  // namespace nexus::sqlite

#endif  // NEXUS_SERVICES_SQLITE_FILES_H_
