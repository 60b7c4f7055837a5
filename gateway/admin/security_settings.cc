#include "gateway/admin/security_settings.h"

#include <array>

#include "services/strings/absl_view.h"

namespace nexus::gateway::admin {
namespace {

const std::array<config::SettingSpec, 9> kSpecs = {{
    {"auth_failure_limit", "NEXUS_AUTH_FAILURE_LIMIT", "20",
     "failed authentications one client address may make per window before every request from "
     "it gets 429 for a window; 0 turns the throttle off (do so behind a reverse proxy)"},
    {"auth_failure_window", "NEXUS_AUTH_FAILURE_WINDOW", "60s",
     "counting window of failed authentications, and the lockout length"},
    {"cors_allowed_origins", "NEXUS_CORS_ALLOWED_ORIGINS", "",
     "browser origins allowed to call /v1 (comma-separated scheme://host[:port], or *); "
     "empty: none"},
    {"upstream_allow_loopback", "NEXUS_UPSTREAM_ALLOW_LOOPBACK", "true",
     "providers may be on loopback addresses (the gateway's own and internal ports never)"},
    {"upstream_allow_private", "NEXUS_UPSTREAM_ALLOW_PRIVATE", "true",
     "providers may be on private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)"},
    {"upstream_deny", "NEXUS_UPSTREAM_DENY", "",
     "more address ranges providers may never be on (comma-separated CIDRs)"},
    {"header_timeout", "NEXUS_GATEWAY_HEADER_TIMEOUT", "10s",
     "a request's line and headers must arrive within this long (slow-loris bound); else 408"},
    {"max_header_bytes", "NEXUS_GATEWAY_MAX_HEADER_BYTES", "65536",
     "largest request line plus headers; beyond it 431"},
    {"ws_max_message_bytes", "NEXUS_WS_MAX_MESSAGE_BYTES", "1048576",
     "largest WebSocket message of the playground; beyond it the socket closes with 1009"},
}};

}  // namespace

std::span<const config::SettingSpec> SecuritySettingSpecs() {
  return std::span<const config::SettingSpec>(kSpecs.data(), kSpecs.size());
}

SecuritySettings ReadSecuritySettings(config::Config& config) {
  SecuritySettings s;
  s.auth_failure_limit = static_cast<int>(config.GetInt("auth_failure_limit", 0, 1'000'000));
  s.auth_failure_window =
      config.GetDuration("auth_failure_window", absl::Seconds(1), absl::Hours(24));
  if (absl::StatusOr<CorsPolicy> cors = CorsPolicy::Parse(config.GetString("cors_allowed_origins"));
      cors.ok()) {
    s.cors = *std::move(cors);
  } else {
    config.AddError("cors_allowed_origins", Sv(cors.status().message()));
  }
  s.upstream_allow_loopback = config.GetBool("upstream_allow_loopback");
  s.upstream_allow_private = config.GetBool("upstream_allow_private");
  if (absl::StatusOr<std::vector<Cidr>> deny = ParseCidrList(config.GetString("upstream_deny"));
      deny.ok()) {
    s.upstream_deny = *std::move(deny);
  } else {
    config.AddError("upstream_deny", Sv(deny.status().message()));
  }
  s.header_timeout =
      config.GetDuration("header_timeout", absl::Milliseconds(100), absl::Minutes(10));
  s.max_header_bytes =
      static_cast<size_t>(config.GetInt("max_header_bytes", 1024, int64_t{16} << 20));
  s.ws_max_message_bytes =
      static_cast<size_t>(config.GetInt("ws_max_message_bytes", 1024, int64_t{64} << 20));
  return s;
}

}  // namespace nexus::gateway::admin
