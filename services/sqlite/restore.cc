#include "services/sqlite/restore.h"

#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/sqlite/file_lock.h"
#include "services/sqlite/files.h"
#include "services/strings/absl_view.h"

namespace nexus::sqlite {
namespace {

namespace fs = std::filesystem;

absl::Status NotUsable(const std::string& path, std::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("backup ", path, " cannot be restored: ", Av(why)));
}

// Moves `from` to `to` when it exists (replacing `to`); a missing `from` is fine.
absl::Status MoveIfPresent(const std::string& from, const std::string& to) {
  std::error_code error;
  if (!fs::exists(from, error)) return absl::OkStatus();
  fs::rename(from, to, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", from, " to ", to, ": ", error.message()));
  }
  return absl::OkStatus();
}

// Sets the live database (and its WAL) aside as <live>.bak (and <live>.bak-wal).
absl::StatusOr<std::string> SetAside(const std::string& live_path) {
  std::error_code error;
  if (!fs::exists(live_path, error)) return std::string();
  const std::string bak = live_path + ".bak";
  fs::remove(bak + "-wal", error);
  fs::remove(bak + "-shm", error);
  if (absl::Status s = MoveIfPresent(live_path, bak); !s.ok()) return s;
  if (absl::Status s = MoveIfPresent(live_path + "-wal", bak + "-wal"); !s.ok()) return s;
  // The shared-memory index belongs to the old WAL and is rebuilt from it when needed.
  fs::remove(live_path + "-shm", error);
  return bak;
}

}  // namespace

absl::StatusOr<int> VerifyBackup(const std::string& path, const RestoreSpec& spec) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return NotUsable(path, "no such file");
  int newest = spec.migrations.empty() ? 0 : spec.migrations.back().version;
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement check(db, "PRAGMA integrity_check");
    while (check.executeStep()) {
      std::string line = check.getColumn(0).getString();
      if (line != "ok") return NotUsable(path, absl::StrCat("integrity check failed: ", line));
    }
    SQLite::Statement table(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
    table.bind(1, std::string(spec.required_table));
    int version = db.execAndGet("PRAGMA user_version").getInt();
    if (!table.executeStep() || version < 1) {
      return NotUsable(path, absl::StrCat("it is not a database of this service (no table '",
                                          Av(spec.required_table), "')"));
    }
    if (version > newest) {
      return NotUsable(
          path, absl::StrCat("its schema version ", version, " is newer than this binary knows (",
                             newest, "); restore it with a newer release"));
    }
    return version;
  } catch (const std::exception& e) {
    return NotUsable(path, absl::StrCat("not a readable SQLite database (", e.what(), ")"));
  }
}

absl::StatusOr<RestoreInfo> RestoreDatabase(const std::string& backup_path,
                                            const std::string& live_path, const RestoreSpec& spec) {
  RestoreInfo info;
  absl::StatusOr<int> version = VerifyBackup(backup_path, spec);
  if (!version.ok()) return version.status();
  info.schema_version = *version;
  std::error_code error;
  fs::create_directories(fs::path(live_path).parent_path(), error);
  // Held until the new file is in place: a service starting meanwhile waits for nothing and
  // fails clearly instead of opening a half-restored directory.
  absl::StatusOr<FileLock> lock = FileLock::Acquire(live_path, FileLock::Mode::kExclusive);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<std::string> temp = MakeTempFileNear(live_path, "restore");
  if (!temp.ok()) return temp.status();
  absl::StatusOr<CopyInfo> copied = CopyDatabase(backup_path, *temp);
  if (!copied.ok()) {
    unlink(temp->c_str());
    return copied.status();
  }
  info.pages = copied->pages;
  absl::StatusOr<std::string> previous = SetAside(live_path);
  if (!previous.ok()) {
    unlink(temp->c_str());
    return previous.status();
  }
  info.previous_path = *previous;
  if (absl::Status s = PublishWithoutReplacing(*temp, live_path); !s.ok()) return s;
  return info;
}

}  // namespace nexus::sqlite
