#include "services/sqlite/file_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace nexus::sqlite {

absl::StatusOr<FileLock> FileLock::Acquire(const std::string& database_path, Mode mode) {
  const std::string lock_path = database_path + ".lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open lock file ", lock_path, ": ", std::strerror(errno)));
  }
  struct flock request {};
  request.l_type = mode == Mode::kShared ? F_RDLCK : F_WRLCK;
  request.l_whence = SEEK_SET;
  if (fcntl(fd, F_OFD_SETLK, &request) != 0) {
    int error = errno;
    close(fd);
    if (error == EAGAIN || error == EACCES) {
      return absl::FailedPreconditionError(
          mode == Mode::kShared
              ? absl::StrCat(database_path,
                             " is being restored or maintained offline; try again "
                             "when that has finished")
              : absl::StrCat(database_path,
                             " is open in a running service; stop the service first"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot lock ", lock_path, ": ", std::strerror(error)));
  }
  return FileLock(fd);
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace nexus::sqlite
