#ifndef NEXUS_SERVICES_GRPC_CHANNEL_FACTORY_H_
#define NEXUS_SERVICES_GRPC_CHANNEL_FACTORY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/grpc/tls_settings.h"

namespace nexus::grpc_runtime {

struct ChannelOptions {
  // Keep-alive pings so that a dead peer is noticed on idle watch streams.
  absl::Duration keepalive_time = absl::Seconds(20);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Cap of the channel's reconnect backoff (gRPC's own default grows to 120 s, which would keep
  // a watch stream down for minutes after its server came back).
  absl::Duration max_reconnect_backoff = absl::Seconds(5);
  int max_message_bytes = 16 << 20;
  // With TLS: the name checked in the server's certificate instead of the dialed host.
  std::string tls_server_name = {};
  // Null means plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
};

// Channel to an internal service ("host:port") with `options.credentials` as given (plaintext when
// unset): for tests and callers that built their credentials already.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address,
                                           const ChannelOptions& options = {});

// Channel to an internal service secured as `tls` says (see MakeChannelCredentials): an error,
// naming the setting, when a file cannot be read or plaintext is not allowed for `address`.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Dial(const std::string& address,
                                                    const TlsSettings& tls,
                                                    ChannelOptions options = {});

// Deadline helper for unary calls.
void SetDeadline(grpc::ClientContext& context, absl::Duration timeout);

}  // namespace nexus::grpc_runtime

#endif  // NEXUS_SERVICES_GRPC_CHANNEL_FACTORY_H_
