#include "services/grpc/server_runner.h"

#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"
#include "services/grpc/tls_credentials.h"

namespace nexus::grpc_runtime {

absl::StatusOr<std::unique_ptr<ServerRunner>> ServerRunner::Start(
    const ServerOptions& options, const std::vector<grpc::Service*>& services) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(options.tls, options.listen_address);
  if (!credentials.ok()) return credentials.status();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options.listen_address, *credentials, &selected_port);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // A second server must not silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options.listen_address,
                                               options.tls.cert_file.empty()
                                                   ? " (address in use or not valid)"
                                                   : " (address in use or not valid, or the TLS "
                                                     "key does not match the certificate)"));
  }
  server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<ServerRunner>(new ServerRunner(std::move(server), selected_port));
}

ServerRunner::ServerRunner(std::unique_ptr<grpc::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

ServerRunner::~ServerRunner() { Shutdown(absl::Seconds(1)); }

std::shared_ptr<grpc::Channel> ServerRunner::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

void ServerRunner::Shutdown(absl::Duration deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
}

}  // namespace nexus::grpc_runtime
