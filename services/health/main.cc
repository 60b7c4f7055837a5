// nexus-health: container health checks without curl in the image.
//   nexus-health grpc 127.0.0.1:50051
//   nexus-health http http://127.0.0.1:8001/healthz
#include <iostream>
#include <string>

#include "services/health/health_probe.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: nexus-health grpc HOST:PORT | nexus-health http URL\n";
    return 2;
  }
  const std::string kind = argv[1];
  const std::string target = argv[2];
  absl::Status status;
  if (kind == "grpc") {
    status = nexus::health::ProbeGrpc(target, absl::Seconds(3));
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
