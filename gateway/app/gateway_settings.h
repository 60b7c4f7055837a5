#ifndef NEXUS_GATEWAY_APP_GATEWAY_SETTINGS_H_
#define NEXUS_GATEWAY_APP_GATEWAY_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/admin/security_settings.h"
#include "services/config/config.h"
#include "services/grpc/tls_settings.h"
#include "services/log/logger.h"

namespace nexus::gateway {

struct GatewaySettings {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8001;
  std::string registry_addr = "127.0.0.1:50051";
  std::string stats_addr = "127.0.0.1:50052";
  std::string data_dir = "./data";
  // The console's static files; empty serves no console.
  std::string web_root;
  size_t worker_threads = 1024;
  // Connections on fibers (one event loop per CPU, or io_threads) instead of a thread each.
  bool io_fibers = true;
  size_t io_threads = 0;
  size_t max_body_bytes = 4 << 20;
  absl::Duration client_read_timeout = absl::Seconds(30);
  absl::Duration upstream_connect_timeout = absl::Seconds(10);
  absl::Duration upstream_read_timeout = absl::Seconds(300);
  bool upstream_verify_tls = true;
  size_t upstream_max_idle = 256;
  absl::Duration key_staleness = absl::Minutes(5);
  log::Level log_level = log::Level::kInfo;
  absl::Duration shutdown_timeout = absl::Seconds(10);
  // Throttling, CORS, upstream address policy, request-head and WebSocket limits.
  admin::SecuritySettings security;
  // How the registry and stats channels are secured.
  grpc_runtime::TlsSettings grpc_tls;
  // Most bytes of usage events kept on disk while stats is unreachable; beyond, events are lost
  // (counted in nexus_usage_events_dropped_total).
  uint64_t usage_spool_max_bytes = 256ull << 20;
};

// Every setting of nexus-gateway (flags and NEXUS_* variables).
std::span<const config::SettingSpec> GatewaySettingSpecs();

// Typed, validated settings; INVALID_ARGUMENT lists every bad one.
absl::StatusOr<GatewaySettings> ReadGatewaySettings(config::Config& config);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_APP_GATEWAY_SETTINGS_H_
