#ifndef NEXUS_GATEWAY_ADMIN_SECURITY_SETTINGS_H_
#define NEXUS_GATEWAY_ADMIN_SECURITY_SETTINGS_H_

#include <cstddef>
#include <span>
#include <vector>

#include "absl/time/time.h"
#include "gateway/admin/edge_guard.h"
#include "gateway/upstream/address_policy.h"
#include "services/config/config.h"

namespace nexus::gateway::admin {

// The gateway's edge-security settings (see the README's threat model).
struct SecuritySettings {
  // Failed authentications per client address per window before 429; 0 turns it off.
  int auth_failure_limit = 20;
  absl::Duration auth_failure_window = absl::Minutes(1);
  CorsPolicy cors;
  bool upstream_allow_loopback = true;
  bool upstream_allow_private = true;
  std::vector<Cidr> upstream_deny;
  // Request head (request line and headers): deadline from its first byte, and size.
  absl::Duration header_timeout = absl::Seconds(10);
  size_t max_header_bytes = 64 << 10;
  // Largest WebSocket message (and frame) of the playground.
  size_t ws_max_message_bytes = 1 << 20;
};

// The settings above as flags and NEXUS_* variables, to append to the gateway's list.
std::span<const config::SettingSpec> SecuritySettingSpecs();

// Reads them; problems are recorded on `config` (reported by its Validate()).
SecuritySettings ReadSecuritySettings(config::Config& config);

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_SECURITY_SETTINGS_H_
