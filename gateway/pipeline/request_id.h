#ifndef NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_
#define NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_

#include <string>
#include <string_view>

namespace nexus::gateway {

// "req_" and 24 random hex digits. Unique enough to be the stats idempotency key.
std::string NewRequestId();

// A client-provided X-Request-Id is kept when it is sane: 1..128 characters of [A-Za-z0-9._:-].
// Anything else (empty, too long, spaces, control characters) is replaced by a new id, so that
// logs and the stats ledger never carry client-chosen garbage.
std::string AcceptOrNewRequestId(std::string_view client_value);

bool IsSaneRequestId(std::string_view value);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_REQUEST_ID_H_
