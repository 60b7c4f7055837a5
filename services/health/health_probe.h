#ifndef NEXUS_SERVICES_HEALTH_HEALTH_PROBE_H_
#define NEXUS_SERVICES_HEALTH_HEALTH_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/grpc/tls_settings.h"

namespace nexus::health {

// OK when the gRPC server at `address` answers SERVING on the standard health service, dialed
// as `tls` says (plaintext on loopback when no CA is set).
absl::Status ProbeGrpc(const std::string& address, const grpc_runtime::TlsSettings& tls,
                       absl::Duration timeout);

// OK when GET http://host:port/path answers 2xx. `url` is "http://host:port/path".
absl::Status ProbeHttp(const std::string& url, absl::Duration timeout);

}  // namespace nexus::health

#endif  // NEXUS_SERVICES_HEALTH_HEALTH_PROBE_H_
