#ifndef NEXUS_SERVICES_SQLITE_FILE_LOCK_H_
#define NEXUS_SERVICES_SQLITE_FILE_LOCK_H_

#include <string>

#include "absl/status/statusor.h"

namespace nexus::sqlite {

// An advisory lock on a small side file ("<database>.lock"). Every open Database holds it
// shared; offline maintenance (restore, master-key rotation) takes it exclusively, so that it
// never replaces or rewrites a file that a running service still has open. Open-file-description
// locks (F_OFD_SETLK) conflict between two opens in the same process too, unlike classic POSIX
// record locks, and they are released by the kernel when the process dies.
class FileLock {
 public:
  enum class Mode { kShared, kExclusive };

  // Never waits: FAILED_PRECONDITION naming `database_path` when a conflicting lock is held.
  static absl::StatusOr<FileLock> Acquire(const std::string& database_path, Mode mode);

  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace nexus::sqlite

#endif  // NEXUS_SERVICES_SQLITE_FILE_LOCK_H_
