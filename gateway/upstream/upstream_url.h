#ifndef NEXUS_GATEWAY_UPSTREAM_UPSTREAM_URL_H_
#define NEXUS_GATEWAY_UPSTREAM_UPSTREAM_URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace nexus::gateway {

// A provider base URL split for the HTTP client: "https://api.example.com:8443/v1".
struct UpstreamUrl {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  int port = 0;
  // The path before the endpoint, without a trailing slash ("/v1", or "").
  std::string path_prefix;

  // Identifies the connection pool: scheme, host and port.
  std::string PoolKey() const;
  // "host:port" for error messages (never credentials).
  std::string Authority() const;
};

// Accepts http:// and https:// URLs with an optional port and path; rejects user info (a
// credential must travel as the API key, not in the URL), queries and fragments. Error messages
// never repeat the URL, which may hold a secret.
absl::StatusOr<UpstreamUrl> ParseUpstreamUrl(std::string_view base_url);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_UPSTREAM_UPSTREAM_URL_H_
