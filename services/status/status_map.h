#ifndef NEXUS_SERVICES_STATUS_STATUS_MAP_H_
#define NEXUS_SERVICES_STATUS_STATUS_MAP_H_

#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/status/status.h"

namespace nexus::status {

// The one mapping between absl::Status, gRPC status and HTTP, used by every edge.
grpc::Status ToGrpc(const absl::Status& status);
absl::Status FromGrpc(const grpc::Status& status);
int ToHttpStatus(absl::StatusCode code);
// The OpenAI error "type" that goes with a status code.
std::string_view ToOpenAiErrorType(absl::StatusCode code);
// The standard reason phrase of an HTTP status for a status line ("Unknown" for others).
std::string_view HttpReasonPhrase(int http_status);

}  // namespace nexus::status

#endif  // NEXUS_SERVICES_STATUS_STATUS_MAP_H_
