// nexus-health: container health checks without curl in the image.
//   nexus-health grpc 127.0.0.1:50051
//   nexus-health http http://127.0.0.1:8001/healthz
// The gRPC probe dials with the NEXUS_GRPC_TLS_* client settings from the environment, so it
// works against a registry or stats that serves TLS (NEXUS_GRPC_TLS_SERVER_NAME when the
// certificate does not name 127.0.0.1).
#include <iostream>
#include <string>

#include "services/config/config.h"
#include "services/grpc/tls_settings.h"
#include "services/health/health_probe.h"

namespace {

absl::Status ProbeGrpcFromEnvironment(const std::string& address) {
  const std::vector<nexus::config::SettingSpec> specs =
      nexus::grpc_runtime::WithGrpcTlsSettingSpecs({}, nexus::grpc_runtime::TlsRole::kClient);
  const char* const program[] = {"nexus-health"};
  absl::StatusOr<nexus::config::Config> config = nexus::config::Config::Load(specs, 1, program);
  if (!config.ok()) return config.status();
  nexus::grpc_runtime::TlsSettings tls =
      nexus::grpc_runtime::ReadGrpcTlsSettings(*config, nexus::grpc_runtime::TlsRole::kClient);
  if (absl::Status valid = config->Validate(); !valid.ok()) return valid;
  return nexus::health::ProbeGrpc(address, tls, absl::Seconds(3));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: nexus-health grpc HOST:PORT | nexus-health http URL\n";
    return 2;
  }
  const std::string kind = argv[1];
  const std::string target = argv[2];
  absl::Status status;
  if (kind == "grpc") {
    status = ProbeGrpcFromEnvironment(target);
  } else if (kind == "http") {
    status = nexus::health::ProbeHttp(target, absl::Seconds(3));
  } else {
    std::cerr << "unknown probe kind '" << kind << "'\n";
    return 2;
  }
  if (!status.ok()) {
    std::cerr << "unhealthy: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
