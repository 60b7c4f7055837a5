#include "gateway/app/gateway_settings.h"

#include <array>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nexus::gateway {
namespace {

const std::array<config::SettingSpec, 18> kSpecs = {{
    {"listen", "NEXUS_GATEWAY_LISTEN", "127.0.0.1:8001", "HTTP listen address (host:port)"},
    {"registry_addr", "NEXUS_REGISTRY_ADDR", "127.0.0.1:50051", "registry gRPC address"},
    {"stats_addr", "NEXUS_STATS_ADDR", "127.0.0.1:50052", "stats gRPC address"},
    {"data_dir", "NEXUS_DATA_DIR", "./data", "data directory (the usage spool lives in spool/)"},
    {"web_root", "NEXUS_WEB_ROOT", "", "directory of the web console; empty serves none"},
    {"worker_threads", "NEXUS_GATEWAY_WORKERS", "1024",
     "most connections served at once (each open connection and stream holds one); beyond, 503"},
    {"io_model", "NEXUS_GATEWAY_IO_MODEL", "fibers",
     "fibers (connections on one epoll event loop per CPU) or threads (a thread per connection)"},
    {"io_threads", "NEXUS_GATEWAY_IO_THREADS", "0",
     "event-loop threads for io_model=fibers; 0 = one per CPU the process may run on"},
    {"max_body_bytes", "NEXUS_GATEWAY_MAX_BODY_BYTES", "4194304", "largest request body"},
    {"client_read_timeout", "NEXUS_GATEWAY_READ_TIMEOUT", "30s",
     "longest silence while reading a client request (slow-loris bound)"},
    {"upstream_connect_timeout", "NEXUS_UPSTREAM_CONNECT_TIMEOUT", "10s",
     "connect timeout to upstream providers"},
    {"upstream_read_timeout", "NEXUS_UPSTREAM_READ_TIMEOUT", "300s",
     "longest upstream silence before the call fails over or fails"},
    {"upstream_verify_tls", "NEXUS_UPSTREAM_VERIFY_TLS", "true",
     "verify upstream HTTPS certificates"},
    {"upstream_max_idle", "NEXUS_UPSTREAM_MAX_IDLE", "256",
     "idle keep-alive connections kept per upstream host; at high concurrency fewer means a new "
     "connection for many calls"},
    {"key_staleness", "NEXUS_KEY_STALENESS", "5m",
     "how long known client keys keep working while the registry is unreachable"},
    {"log_level", "NEXUS_LOG_LEVEL", "info", "debug, info, warning or error"},
    {"shutdown_timeout", "NEXUS_SHUTDOWN_TIMEOUT", "10s",
     "on SIGTERM, how long in-flight requests and streams may take to finish"},
    {"usage_spool_max_bytes", "NEXUS_USAGE_SPOOL_MAX_BYTES", "268435456",
     "most bytes of usage events spooled on disk while stats is unreachable; beyond, events are "
     "lost (and counted)"},
}};

}  // namespace

std::span<const config::SettingSpec> GatewaySettingSpecs() {
  static const std::vector<config::SettingSpec> kAll = [] {
    std::vector<config::SettingSpec> all =
        grpc_runtime::WithGrpcTlsSettingSpecs(kSpecs, grpc_runtime::TlsRole::kClient);
    for (const config::SettingSpec& spec : admin::SecuritySettingSpecs()) all.push_back(spec);
    return all;
  }();
  return kAll;
}

absl::StatusOr<GatewaySettings> ReadGatewaySettings(config::Config& config) {
  GatewaySettings s;
  std::string listen = config.GetString("listen");
  size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    config.AddError("listen", "must be host:port");
  } else {
    s.listen_host = listen.substr(0, colon);
    s.listen_port = port;
  }
  s.registry_addr = config.GetString("registry_addr");
  s.stats_addr = config.GetString("stats_addr");
  s.data_dir = config.GetString("data_dir");
  s.web_root = config.GetString("web_root");
  s.worker_threads = static_cast<size_t>(config.GetInt("worker_threads", 4, 100000));
  const std::string io_model = config.GetString("io_model");
  if (io_model == "fibers" || io_model == "threads") {
    s.io_fibers = io_model == "fibers";
  } else {
    config.AddError("io_model", "must be fibers or threads");
  }
  s.io_threads = static_cast<size_t>(config.GetInt("io_threads", 0, 256));
  s.max_body_bytes = static_cast<size_t>(config.GetInt("max_body_bytes", 1024, 1LL << 30));
  s.client_read_timeout =
      config.GetDuration("client_read_timeout", absl::Milliseconds(100), absl::Hours(1));
  s.upstream_connect_timeout =
      config.GetDuration("upstream_connect_timeout", absl::Milliseconds(10), absl::Minutes(10));
  s.upstream_read_timeout =
      config.GetDuration("upstream_read_timeout", absl::Milliseconds(10), absl::Hours(2));
  s.upstream_verify_tls = config.GetBool("upstream_verify_tls");
  s.upstream_max_idle = static_cast<size_t>(config.GetInt("upstream_max_idle", 0, 65536));
  s.key_staleness = config.GetDuration("key_staleness", absl::ZeroDuration(), absl::Hours(24));
  s.shutdown_timeout = config.GetDuration("shutdown_timeout", absl::ZeroDuration(), absl::Hours(1));
  s.usage_spool_max_bytes =
      static_cast<uint64_t>(config.GetInt("usage_spool_max_bytes", 4096, 1LL << 40));
  s.grpc_tls = grpc_runtime::ReadGrpcTlsSettings(config, grpc_runtime::TlsRole::kClient);
  s.security = admin::ReadSecuritySettings(config);
  if (!log::ParseLevel(config.GetString("log_level"), &s.log_level)) {
    config.AddError("log_level", "must be debug, info, warning or error");
  }
  if (absl::Status status = config.Validate(); !status.ok()) return status;
  return s;
}

}  // namespace nexus::gateway
