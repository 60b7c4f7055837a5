#ifndef NEXUS_GATEWAY_WS_HANDSHAKE_H_
#define NEXUS_GATEWAY_WS_HANDSHAKE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nexus::gateway::ws {

// The parts of an HTTP upgrade request the handshake looks at (header names case-insensitive,
// already looked up by the caller).
struct UpgradeRequest {
  std::string method;
  std::string upgrade;     // Upgrade
  std::string connection;  // Connection
  std::string version;     // Sec-WebSocket-Version
  std::string key;         // Sec-WebSocket-Key
  std::string host;        // Host
  std::string origin;      // Origin (empty when absent)
};

// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)).
std::string ComputeAcceptKey(std::string_view key);

// Checks an upgrade request (RFC 6455 §4.2.1). INVALID_ARGUMENT for a malformed handshake,
// FAILED_PRECONDITION for an unsupported version, PERMISSION_DENIED for a foreign Origin.
// A request without Origin is allowed (browsers always send one; other clients still need a token).
absl::Status ValidateUpgrade(const UpgradeRequest& request,
                             const std::vector<std::string>& allowed_origins);

// True when `origin` ("scheme://host[:port]") names `host` ("host[:port]") or is in the allow-list.
bool OriginAllowed(std::string_view origin, std::string_view host,
                   const std::vector<std::string>& allowed_origins);

// The 101 Switching Protocols response for a validated request.
std::string SwitchingProtocolsResponse(std::string_view key);

// A plain HTTP error response that ends the connection (used when the handshake is refused).
std::string RejectionResponse(int http_status, std::string_view message);

}  // namespace nexus::gateway::ws

#endif  // NEXUS_GATEWAY_WS_HANDSHAKE_H_
