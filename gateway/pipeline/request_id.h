#ifndef NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_
#define NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace nexus::gateway {

// "req_", 12 hex digits of the Unix time in milliseconds, then 20 random hex digits (80 bits):
// 36 characters, opaque to everyone but unique, and time-ordered like a UUIDv7. The order is
// what the stats ledger needs: its request_id index then grows at one end instead of rewriting
// a random page per event. Uniqueness does not depend on the clock (80 random bits per
// millisecond).
std::string NewRequestId();
// The same with an explicit time (tests and benchmarks that replay past traffic).
std::string NewRequestId(absl::Time now);

// A client-provided X-Request-Id is kept when it is sane: 1..128 characters of [A-Za-z0-9._:-].
// Anything else (empty, too long, spaces, control characters) is replaced by a new id, so that
// logs and the stats ledger never carry client-chosen garbage.
std::string AcceptOrNewRequestId(std::string_view client_value);

bool IsSaneRequestId(std::string_view value);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_
