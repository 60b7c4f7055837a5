#ifndef NEXUS_GATEWAY_ACCOUNTING_FILE_SPOOL_H_
#define NEXUS_GATEWAY_ACCOUNTING_FILE_SPOOL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/accounting/spool.h"

namespace nexus::gateway {

struct FileSpoolOptions {
  // Usually "<data_dir>/spool"; created if missing.
  std::string directory;
  // Total bytes across all segments; appends beyond it are refused.
  uint64_t max_bytes = 256ull << 20;
  // A segment is closed and a new one started once it reaches this size.
  uint64_t segment_bytes = 4ull << 20;
};

// A Spool in append-only segment files "segment-<20-digit id>.spool": an 8-byte magic header, then
// records of [u32 length][u32 CRC-32C of payload][payload = serialized UsageEvent], little endian.
// Each Append is one write followed by fdatasync. A record cut short by a crash fails its length
// or checksum check on read and is skipped with everything after it in that segment; a process
// never appends to a segment written by an earlier one. The directory is locked (flock on "LOCK")
// for the spool's lifetime.
class FileSpool : public Spool {
 public:
  static absl::StatusOr<std::unique_ptr<FileSpool>> Open(const FileSpoolOptions& options);
  ~FileSpool() override;

  absl::StatusOr<size_t> Append(std::span<const nexus::stats::v1::UsageEvent> events) override;
  absl::StatusOr<std::optional<SpoolSegment>> ReadOldest() override;
  absl::Status Remove(uint64_t segment_id) override;
  uint64_t SizeBytes() const override;
  bool Empty() const override;

  // Largest record accepted on read; anything longer is a corrupt length field.
  static constexpr uint32_t kMaxRecordBytes = 1u << 20;

 private:
  explicit FileSpool(FileSpoolOptions options) : options_(std::move(options)) {}

  // Two processes sharing a spool would replay and delete each other's segments.
  absl::Status Lock();
  absl::Status Scan();
  std::string SegmentPath(uint64_t id) const;
  absl::Status OpenActiveSegment();
  void CloseActiveSegment();
  absl::Status WriteToActive(const std::string& bytes);

  const FileSpoolOptions options_;
  mutable std::mutex mutex_;
  // Segment id -> bytes on disk.
  std::map<uint64_t, uint64_t> segments_;
  uint64_t total_bytes_ = 0;
  uint64_t next_id_ = 1;
  int lock_fd_ = -1;
  int active_fd_ = -1;
  uint64_t active_id_ = 0;
};

// Parses a segment file's contents; exposed for tests.
SpoolSegment ParseSegment(uint64_t id, std::string_view contents);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_FILE_SPOOL_H_
