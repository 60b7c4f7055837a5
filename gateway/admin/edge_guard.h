#ifndef NEXUS_GATEWAY_ADMIN_EDGE_GUARD_H_
#define NEXUS_GATEWAY_ADMIN_EDGE_GUARD_H_

#include <httplib.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/auth/failed_auth_throttle.h"

namespace nexus::gateway::admin {

// Which browser origins may call the OpenAI-compatible API (/v1/..., /chat/completions) from
// their pages. Closed by default: no origin gets Access-Control-Allow-Origin and every preflight
// is refused. The admin API and the console are same-origin only, whatever this says.
class CorsPolicy {
 public:
  CorsPolicy() = default;
  // Exact origins ("https://app.example.com", scheme://host[:port], no path) or "*" for any.
  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  // Parses NEXUS_CORS_ALLOWED_ORIGINS: comma-separated origins, or "*"; empty is closed.
  static absl::StatusOr<CorsPolicy> Parse(std::string_view text);

  // Whether a page of `origin` may read the answers of `path`.
  bool Allows(std::string_view origin, std::string_view path) const;
  bool any_origin() const { return any_; }

 private:
  std::vector<std::string> origins_;
  bool any_ = false;
};

// True for the paths of the OpenAI-compatible API, the only ones CORS can open.
bool IsOpenAiApiPath(std::string_view path);

// Edge checks that run on every request, before and after routing (see
// http::InstallCommonHandlers):
//  - a client address locked out by the FailedAuthThrottle gets 429 with Retry-After at once,
//    before any credential is looked at (health probes and metrics excepted);
//  - every 401 answered counts as a failed authentication of the client address;
//  - CORS: allowed origins get Access-Control-Allow-Origin on API paths, preflights (OPTIONS
//    with Origin) are answered 204 when allowed and 403 otherwise;
//  - X-Content-Type-Options: nosniff on every response.
// The client address is the TCP peer: behind a reverse proxy every client shares the proxy's
// address, so there set NEXUS_AUTH_FAILURE_LIMIT=0 and throttle at the proxy.
class EdgeGuard {
 public:
  // `throttle` may be null (no throttling); it must outlive the guard.
  EdgeGuard(FailedAuthThrottle* throttle, CorsPolicy cors);

  // Returns true when it answered the request itself.
  bool Before(const httplib::Request& req, httplib::Response& res) const;
  void After(const httplib::Request& req, httplib::Response& res) const;

 private:
  bool AnswerPreflight(const httplib::Request& req, httplib::Response& res) const;

  FailedAuthThrottle* throttle_;
  CorsPolicy cors_;
};

}  // namespace nexus::gateway::admin

#endif  // NEXUS_GATEWAY_ADMIN_EDGE_GUARD_H_
