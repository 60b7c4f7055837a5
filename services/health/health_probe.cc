#include "services/health/health_probe.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/grpc/channel_factory.h"
#include "services/status/status_map.h"

namespace nexus::health {

absl::Status ProbeGrpc(const std::string& address, const grpc_runtime::TlsSettings& tls,
                       absl::Duration timeout) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = grpc_runtime::Dial(address, tls);
  if (!channel.ok()) return channel.status();
  auto stub = grpc::health::v1::Health::NewStub(*channel);
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, timeout);
  grpc::health::v1::HealthCheckResponse response;
  absl::Status status =
      status::FromGrpc(stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response));
  if (!status.ok()) return status;
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError(absl::StrCat(address, " is not serving"));
  }
  return absl::OkStatus();
}

absl::Status ProbeHttp(const std::string& url, absl::Duration timeout) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) {
    return absl::InvalidArgumentError("url must start with http://");
  }
  size_t path_start = url.find('/', kScheme.size());
  std::string host_port =
      url.substr(0, path_start == std::string::npos ? std::string::npos : path_start);
  std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(host_port);
  auto micros = absl::ToInt64Microseconds(timeout);
  client.set_connection_timeout(micros / 1000000, micros % 1000000);
  client.set_read_timeout(micros / 1000000, micros % 1000000);
  auto result = client.Get(path.c_str());
  if (!result) {
    return absl::UnavailableError(absl::StrCat(url, ": ", httplib::to_string(result.error())));
  }
  if (result->status < 200 || result->status >= 300) {
    return absl::UnavailableError(absl::StrCat(url, " answered ", result->status));
  }
  return absl::OkStatus();
}

}  // namespace nexus::health
