#include "services/maintenance/backup_destination.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::maintenance {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<fs::path> PrepareBackupDir(const std::string& backup_dir) {
  std::error_code error;
  fs::path dir = fs::absolute(backup_dir, error);
  if (!error && !fs::is_directory(dir, error)) {
    fs::create_directories(dir, error);
    if (!error) {
      fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, error);
    }
  }
  if (!error) dir = fs::canonical(dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("backup directory ", backup_dir, " cannot be created: ", error.message()));
  }
  return dir;
}

bool IsInside(const fs::path& path, const fs::path& dir) {
  auto [dir_end, unused] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return dir_end == dir.end();
}

}  // namespace

absl::StatusOr<std::string> ResolveBackupDestination(std::string_view requested,
                                                     const std::string& backup_dir,
                                                     std::string_view database_name,
                                                     absl::Time now) {
  absl::StatusOr<fs::path> dir = PrepareBackupDir(backup_dir);
  if (!dir.ok()) return dir.status();
  fs::path target;
  if (requested.empty()) {
    std::string stem = fs::path(std::string(database_name)).stem().string();
    target =
        *dir / absl::StrCat(stem, "-", absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone()),
                            ".db");
  } else {
    target = fs::path(std::string(requested));
    if (!target.is_absolute()) {
      return absl::InvalidArgumentError(
          absl::StrCat("destination: must be an absolute path on the server, inside ",
                       dir->string(), " (got '", Av(requested), "')"));
    }
    if (!target.has_filename() || target.filename() == "." || target.filename() == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("destination: must name a file (got '", Av(requested), "')"));
    }
    std::error_code error;
    // Resolves symbolic links and ".." in the directory part, so neither leads outside.
    fs::path parent = fs::weakly_canonical(target.parent_path(), error);
    if (error || !IsInside(parent, *dir)) {
      return absl::InvalidArgumentError(
          absl::StrCat("destination: must be inside the backup directory ", dir->string(),
                       " (setting backup_dir; got '", Av(requested), "')"));
    }
    if (!fs::is_directory(parent, error)) {
      return absl::FailedPreconditionError(
          absl::StrCat("destination: directory ", parent.string(), " does not exist"));
    }
    target = parent / target.filename();
  }
  std::error_code error;
  if (fs::symlink_status(target, error).type() != fs::file_type::not_found) {
    return absl::AlreadyExistsError(absl::StrCat(
        "destination: ", target.string(), " already exists; backups never overwrite a file"));
  }
  return target.string();
}

}  // namespace nexus::maintenance
