#include "gateway/accounting/file_spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/accounting/crc32c.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

constexpr std::string_view kMagic = "NXSPOOL1";
constexpr size_t kRecordHeaderBytes = 8;
constexpr std::string_view kSegmentPrefix = "segment-";
constexpr std::string_view kSegmentSuffix = ".spool";

absl::Status ErrnoError(std::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(Av(what), " ", path, ": ", std::strerror(errno)));
}

void PutU32(uint32_t value, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

uint32_t GetU32(std::string_view data) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  return value;
}

// Parses "segment-<digits>.spool"; false for anything else in the directory.
bool ParseSegmentName(const std::string& name, uint64_t* id) {
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(kSegmentSuffix)) return false;
  std::string digits = name.substr(kSegmentPrefix.size(),
                                   name.size() - kSegmentPrefix.size() - kSegmentSuffix.size());
  if (digits.empty() || digits.size() > 20) return false;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *id = value;
  return true;
}

absl::Status SyncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open", directory);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoError("fsync", directory);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat("cannot read ", path));
  return std::move(contents).str();
}

}  // namespace

SpoolSegment ParseSegment(uint64_t id, std::string_view contents) {
  SpoolSegment segment;
  segment.id = id;
  if (!contents.starts_with(kMagic)) {
    segment.corrupt_records = contents.empty() ? 0 : 1;
    return segment;
  }
  std::string_view rest = contents.substr(kMagic.size());
  while (!rest.empty()) {
    if (rest.size() < kRecordHeaderBytes) {
      ++segment.corrupt_records;
      break;
    }
    uint32_t length = GetU32(rest);
    uint32_t checksum = GetU32(rest.substr(4));
    if (length > FileSpool::kMaxRecordBytes || rest.size() - kRecordHeaderBytes < length) {
      ++segment.corrupt_records;
      break;
    }
    std::string_view payload = rest.substr(kRecordHeaderBytes, length);
    // A bad checksum means the length may be garbage too: nothing after it can be trusted.
    if (Crc32c(payload) != checksum) {
      ++segment.corrupt_records;
      break;
    }
    nexus::stats::v1::UsageEvent event;
    if (event.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      segment.events.push_back(std::move(event));
    } else {
      ++segment.corrupt_records;
    }
    rest.remove_prefix(kRecordHeaderBytes + length);
  }
  return segment;
}

absl::StatusOr<std::unique_ptr<FileSpool>> FileSpool::Open(const FileSpoolOptions& options) {
  if (options.directory.empty()) return absl::InvalidArgumentError("spool directory is empty");
  if (options.max_bytes == 0 || options.segment_bytes == 0) {
    return absl::InvalidArgumentError("spool max_bytes and segment_bytes must be positive");
  }
  std::error_code error;
  std::filesystem::create_directories(options.directory, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create spool directory ", options.directory, ": ", error.message()));
  }
  auto spool = std::unique_ptr<FileSpool>(new FileSpool(options));
  if (absl::Status status = spool->Lock(); !status.ok()) return status;
  if (absl::Status status = spool->Scan(); !status.ok()) return status;
  return spool;
}

FileSpool::~FileSpool() {
  CloseActiveSegment();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::Status FileSpool::Lock() {
  std::string path = options_.directory + "/LOCK";
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return ErrnoError("open", path);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("spool directory ", options_.directory,
                       " is in use by another process; give each gateway its own data directory"));
    }
    return ErrnoError("lock", path);
  }
  return absl::OkStatus();
}

absl::Status FileSpool::Scan() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(options_.directory, error)) {
    uint64_t id = 0;
    if (!entry.is_regular_file() || !ParseSegmentName(entry.path().filename().string(), &id)) {
      continue;
    }
    uint64_t size = entry.file_size(error);
    if (error) break;
    segments_[id] = size;
    total_bytes_ += size;
    if (id >= next_id_) next_id_ = id + 1;
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot list spool directory ", options_.directory, ": ", error.message()));
  }
  return absl::OkStatus();
}

std::string FileSpool::SegmentPath(uint64_t id) const {
  return absl::StrFormat("%s/%s%020d%s", options_.directory, std::string(kSegmentPrefix), id,
                         std::string(kSegmentSuffix));
}

absl::Status FileSpool::OpenActiveSegment() {
  uint64_t id = next_id_++;
  std::string path = SegmentPath(id);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoError("create", path);
  if (::write(fd, kMagic.data(), kMagic.size()) != static_cast<ssize_t>(kMagic.size())) {
    absl::Status status = ErrnoError("write", path);
    ::close(fd);
    ::unlink(path.c_str());
    return status;
  }
  active_fd_ = fd;
  active_id_ = id;
  segments_[id] = kMagic.size();
  total_bytes_ += kMagic.size();
  // The new name must survive a crash as well as the records written into it.
  return SyncDirectory(options_.directory);
}

void FileSpool::CloseActiveSegment() {
  if (active_fd_ >= 0) ::close(active_fd_);
  active_fd_ = -1;
  active_id_ = 0;
}

absl::Status FileSpool::WriteToActive(const std::string& bytes) {
  uint64_t before = segments_[active_id_];
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(active_fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  if (written == bytes.size() && ::fdatasync(active_fd_) == 0) {
    segments_[active_id_] += bytes.size();
    total_bytes_ += bytes.size();
    return absl::OkStatus();
  }
  absl::Status status = ErrnoError("write", SegmentPath(active_id_));
  // Cut the partial write off and never append to this segment again, so that later records stay
  // readable even if the truncate failed too.
  if (::ftruncate(active_fd_, static_cast<off_t>(before)) != 0) {
    status = ErrnoError("truncate after failed write", SegmentPath(active_id_));
  }
  CloseActiveSegment();
  return status;
}

absl::StatusOr<size_t> FileSpool::Append(std::span<const nexus::stats::v1::UsageEvent> events) {
  std::lock_guard lock(mutex_);
  bool need_new_segment = active_fd_ < 0 || segments_[active_id_] >= options_.segment_bytes;
  uint64_t budget = options_.max_bytes > total_bytes_ ? options_.max_bytes - total_bytes_ : 0;
  if (need_new_segment) budget = budget > kMagic.size() ? budget - kMagic.size() : 0;
  std::string bytes;
  size_t count = 0;
  for (const auto& event : events) {
    std::string payload = event.SerializeAsString();
    if (bytes.size() + kRecordHeaderBytes + payload.size() > budget) break;
    PutU32(static_cast<uint32_t>(payload.size()), &bytes);
    PutU32(Crc32c(payload), &bytes);
    bytes.append(payload);
    ++count;
  }
  if (count == 0) return 0;
  if (need_new_segment) {
    CloseActiveSegment();
    if (absl::Status status = OpenActiveSegment(); !status.ok()) return status;
  }
  if (absl::Status status = WriteToActive(bytes); !status.ok()) return status;
  return count;
}

absl::StatusOr<std::optional<SpoolSegment>> FileSpool::ReadOldest() {
  std::lock_guard lock(mutex_);
  if (segments_.empty()) return std::optional<SpoolSegment>();
  uint64_t id = segments_.begin()->first;
  if (id == active_id_) CloseActiveSegment();
  std::string path = SegmentPath(id);
  absl::StatusOr<std::string> contents = ReadWholeFile(path);
  if (!contents.ok()) {
    // Set it aside rather than retry it forever; an operator can inspect it.
    std::string aside = path + ".unreadable";
    std::rename(path.c_str(), aside.c_str());
    total_bytes_ -= segments_.begin()->second;
    segments_.erase(segments_.begin());
    return absl::DataLossError(absl::StrCat(contents.status().message(), "; set aside as ", aside));
  }
  return std::optional<SpoolSegment>(ParseSegment(id, *contents));
}

absl::Status FileSpool::Remove(uint64_t segment_id) {
  std::lock_guard lock(mutex_);
  auto it = segments_.find(segment_id);
  if (it == segments_.end()) {
    return absl::NotFoundError(absl::StrCat("no spool segment ", segment_id));
  }
  if (segment_id == active_id_) CloseActiveSegment();
  std::string path = SegmentPath(segment_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("delete", path);
  total_bytes_ -= it->second;
  segments_.erase(it);
  return absl::OkStatus();
}

uint64_t FileSpool::SizeBytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

bool FileSpool::Empty() const {
  std::lock_guard lock(mutex_);
  return segments_.empty();
}

}  // namespace nexus::gateway
