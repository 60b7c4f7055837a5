#include "services/sqlite/files.h"

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/sqlite/database.h"
#include "services/strings/absl_view.h"

namespace nexus::sqlite {
namespace {

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(Av(what), " ", path, ": ", std::strerror(errno)));
}

absl::Status SyncPath(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  int result = fsync(fd);
  close(fd);
  if (result != 0) return Errno("cannot sync", path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CopyInfo> CopyDatabase(const std::string& source, const std::string& target) {
  CopyInfo info;
  try {
    SQLite::Database from(source, SQLite::OPEN_READONLY);
    from.setBusyTimeout(5000);
    SQLite::Database to(target, SQLite::OPEN_READWRITE);
    SQLite::Backup backup(to, from);
    // All pages in one step: the source's read lock is held throughout, so the copy is one
    // snapshot (a step-wise copy would restart whenever another connection writes).
    backup.executeStep(-1);
    info.pages = backup.getTotalPageCount();
    info.schema_version = to.execAndGet("PRAGMA user_version").getInt();
    // The header still says WAL; a backup should be one file, not a file plus a -wal.
    to.exec("PRAGMA journal_mode = DELETE");
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  if (absl::Status s = SyncPath(target, O_RDONLY); !s.ok()) return s;
  std::error_code error;
  info.bytes = static_cast<int64_t>(std::filesystem::file_size(target, error));
  if (error)
    return absl::InternalError(absl::StrCat("cannot stat ", target, ": ", error.message()));
  return info;
}

absl::StatusOr<CopyInfo> BackupDatabaseFile(const std::string& source,
                                            const std::string& destination) {
  if (access(destination.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(destination, " already exists"));
  }
  absl::StatusOr<std::string> temp = MakeTempFileNear(destination, "partial");
  if (!temp.ok()) return temp.status();
  absl::StatusOr<CopyInfo> copied = CopyDatabase(source, *temp);
  absl::Status published =
      copied.ok() ? PublishWithoutReplacing(*temp, destination) : copied.status();
  if (!published.ok()) {
    unlink(temp->c_str());
    return published;
  }
  return copied;
}

absl::StatusOr<std::string> MakeTempFileNear(const std::string& near, std::string_view tag) {
  std::string pattern = absl::StrCat(near, ".", Av(tag), "-XXXXXX");
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create a file next to ", near, ": ", std::strerror(errno)));
  }
  close(fd);
  return std::string(name.data());
}

absl::Status PublishWithoutReplacing(const std::string& from, const std::string& to) {
  if (renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) {
      return absl::AlreadyExistsError(absl::StrCat(to, " already exists"));
    }
    // Some file systems lack RENAME_NOREPLACE; a hard link also refuses an existing name.
    if (errno != EINVAL && errno != ENOSYS) return Errno("cannot rename to", to);
    if (link(from.c_str(), to.c_str()) != 0) {
      if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(to, " already exists"));
      return Errno("cannot link to", to);
    }
    unlink(from.c_str());
  }
  return SyncParentDirectory(to);
}

absl::Status SyncParentDirectory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return SyncPath(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace nexus::sqlite
