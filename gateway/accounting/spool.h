#ifndef NEXUS_GATEWAY_ACCOUNTING_SPOOL_H_
#define NEXUS_GATEWAY_ACCOUNTING_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nexus/stats/v1/stats.pb.h"

namespace nexus::gateway {

// A batch of spooled events read back for replay.
struct SpoolSegment {
  // Identifies the segment for Remove; segments are read oldest first.
  uint64_t id = 0;
  std::vector<nexus::stats::v1::UsageEvent> events;
  // Records that failed their checksum or did not parse (a torn tail after a crash); skipped.
  size_t corrupt_records = 0;
};

// Durable storage for usage events that could not be delivered yet, bounded in size. Events are
// appended to segments; a segment is removed only once every event in it was acknowledged.
// Implementations are thread-safe.
class Spool {
 public:
  virtual ~Spool() = default;

  // Appends as many of `events` as fit under the size bound, durably (on disk before returning).
  // Returns how many were stored: fewer than given means the spool is full.
  virtual absl::StatusOr<size_t> Append(std::span<const nexus::stats::v1::UsageEvent> events) = 0;

  // The oldest segment, or nullopt when the spool is empty. A segment being appended to is closed
  // first, so later appends go to a new segment.
  virtual absl::StatusOr<std::optional<SpoolSegment>> ReadOldest() = 0;

  // Deletes a segment returned by ReadOldest.
  virtual absl::Status Remove(uint64_t segment_id) = 0;

  // Bytes on disk across all segments.
  virtual uint64_t SizeBytes() const = 0;
  // Whether any segment exists.
  virtual bool Empty() const = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_ACCOUNTING_SPOOL_H_
