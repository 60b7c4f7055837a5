#ifndef NEXUS_SERVICES_GRPC_TLS_CREDENTIALS_H_
#define NEXUS_SERVICES_GRPC_TLS_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/grpc/tls_settings.h"

namespace nexus::grpc_runtime {

// True when `address` ("host:port", "[v6]:port", or a gRPC target such as "dns:///host:port",
// "ipv4:…", "unix:…") can only be reached from this machine: 127.0.0.0/8, ::1, "localhost" and
// Unix sockets. Wildcards (0.0.0.0, [::]) and every other host are not.
bool IsLoopbackAddress(std::string_view address);

// Credentials for a server listening on `listen_address`: TLS when a certificate is configured
// (verifying, or requiring, client certificates when a CA is set), else plaintext, which is
// refused on a non-loopback address unless allow_plaintext is set. Missing or unreadable files
// are errors naming the setting.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsSettings& tls, std::string_view listen_address);

// Credentials for dialing `address`: TLS against `ca_file` (presenting the client certificate
// when one is set), else plaintext under the same loopback rule.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const TlsSettings& tls, std::string_view address);

// "plaintext", "TLS" or "mutual TLS": what a server built from `tls` offers, for log lines.
std::string ServerSecurityLabel(const TlsSettings& tls);

}  // namespace nexus::grpc_runtime

#endif  // NEXUS_SERVICES_GRPC_TLS_CREDENTIALS_H_
