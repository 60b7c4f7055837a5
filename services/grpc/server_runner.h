#ifndef NEXUS_SERVICES_GRPC_SERVER_RUNNER_H_
#define NEXUS_SERVICES_GRPC_SERVER_RUNNER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/grpc/tls_settings.h"

namespace nexus::grpc_runtime {

struct ServerOptions {
  // "host:port"; port 0 picks a free port (see ServerRunner::port()).
  std::string listen_address;
  int max_message_bytes = 16 << 20;
  // Plaintext by default, which is refused on a non-loopback address (see MakeServerCredentials).
  TlsSettings tls = {};
};

// Starts a gRPC server with the standard health service (grpc.health.v1) and stops it with a
// deadline, so that open server-streaming calls (watch streams) cannot block shutdown forever.
class ServerRunner {
 public:
  // `services` must outlive the runner.
  static absl::StatusOr<std::unique_ptr<ServerRunner>> Start(
      const ServerOptions& options, const std::vector<grpc::Service*>& services);

  ~ServerRunner();

  int port() const { return port_; }
  // In-process channel for tests and the all-in-one binary.
  std::shared_ptr<grpc::Channel> InProcessChannel();

  // Marks the server NOT_SERVING, then lets in-flight calls finish until `deadline` passes and
  // cancels the rest. Idempotent.
  void Shutdown(absl::Duration deadline);

 private:
  ServerRunner(std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<grpc::Server> server_;
  int port_;
  bool shut_down_ = false;
};

}  // namespace nexus::grpc_runtime

#endif  // NEXUS_SERVICES_GRPC_SERVER_RUNNER_H_
