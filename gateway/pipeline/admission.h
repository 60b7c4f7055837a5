#ifndef NEXUS_GATEWAY_PIPELINE_ADMISSION_H_
#define NEXUS_GATEWAY_PIPELINE_ADMISSION_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/key_resolver.h"
#include "gateway/auth/rate_limiter.h"
#include "gateway/auth/route_table.h"
#include "nexus/registry/v1/registry.pb.h"
#include "services/clock/clock.h"

namespace nexus::gateway {

// A call allowed to proceed: who it is, the concurrency slot it holds, and where it may go.
struct AdmittedCall {
  // Null for an admin session (the console playground).
  std::shared_ptr<const ResolvedKey> key;
  std::unique_ptr<RateLimitPermit> permit;
  std::vector<nexus::registry::v1::Route> routes;

  int64_t key_id() const { return key ? key->key.id() : 0; }
};

struct AdmissionError {
  absl::Status status;
  // Set (non-zero) for rate-limit rejections: the Retry-After the client gets.
  absl::Duration retry_after = absl::ZeroDuration();
  // The key was known before the call was refused (for accounting of refused calls).
  int64_t key_id = 0;
};

// Pipeline stages 2 and 3: authenticate the bearer secret, authorize the key for the model, apply
// its rate limits, and look up the routes. Errors carry OpenAI's codes (invalid_api_key,
// model_not_found, rate_limit_exceeded).
class Admission {
 public:
  Admission(KeyResolver& keys, RouteTable& routes, RateLimiter& limiter, const Clock& clock)
      : keys_(keys), routes_(routes), limiter_(limiter), clock_(clock) {}

  // Authentication and authorization only (models list, token counting).
  absl::StatusOr<std::shared_ptr<const ResolvedKey>> Authenticate(std::string_view secret);

  // The whole admission for `model`. `admin_session` skips the key (the caller checked the admin
  // token) and routes with no key restriction.
  bool Admit(std::string_view secret, bool admin_session, std::string_view model,
             AdmittedCall* call, AdmissionError* error);

 private:
  KeyResolver& keys_;
  RouteTable& routes_;
  RateLimiter& limiter_;
  const Clock& clock_;
};

// The client key a request carries: "Authorization: Bearer <key>", else "api-key", else
// "x-api-key". Empty when none.
std::string BearerFromHeaders(std::string_view authorization, std::string_view api_key,
                              std::string_view x_api_key);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_PIPELINE_ADMISSION_H_
