#include "gateway/pipeline/admission.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/authorize.h"
#include "gateway/pipeline/openai_error.h"
#include "services/log/redactor.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {
namespace {

std::string_view Trim(std::string_view text) { return Sv(absl::StripAsciiWhitespace(Av(text))); }

absl::Status AuthenticationFailure(const absl::Status& status, std::string_view secret) {
  if (status.code() != absl::StatusCode::kUnauthenticated) return status;
  return WithOpenAiDetail(absl::UnauthenticatedError(absl::StrCat(
                              "Incorrect API key provided: ", log::MaskSecret(secret), ".")),
                          "", "invalid_api_key");
}

}  // namespace

std::string BearerFromHeaders(std::string_view authorization, std::string_view api_key,
                              std::string_view x_api_key) {
  authorization = Trim(authorization);
  if (absl::StartsWithIgnoreCase(Av(authorization), "bearer ")) {
    return std::string(Trim(authorization.substr(7)));
  }
  if (!Trim(api_key).empty()) return std::string(Trim(api_key));
  return std::string(Trim(x_api_key));
}

absl::StatusOr<std::shared_ptr<const ResolvedKey>> Admission::Authenticate(
    std::string_view secret) {
  if (secret.empty()) {
    return WithOpenAiDetail(
        absl::UnauthenticatedError(
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."),
        "", "missing_api_key");
  }
  absl::StatusOr<std::shared_ptr<const ResolvedKey>> resolved = keys_.Resolve(secret);
  if (!resolved.ok()) return AuthenticationFailure(resolved.status(), secret);
  absl::Status allowed = Authorize((*resolved)->key, "", clock_.Now());
  if (!allowed.ok()) return WithOpenAiDetail(allowed, "", "invalid_api_key");
  return resolved;
}

bool Admission::Admit(std::string_view secret, bool admin_session, std::string_view model,
                      AdmittedCall* call, AdmissionError* error) {
  nexus::registry::v1::ClientKey unrestricted;
  const nexus::registry::v1::ClientKey* key = &unrestricted;
  if (!admin_session) {
    absl::StatusOr<std::shared_ptr<const ResolvedKey>> resolved = Authenticate(secret);
    if (!resolved.ok()) {
      error->status = resolved.status();
      return false;
    }
    call->key = *std::move(resolved);
    key = &call->key->key;
    error->key_id = key->id();
    absl::Status allowed = Authorize(*key, model, clock_.Now());
    if (!allowed.ok()) {
      error->status = WithOpenAiDetail(allowed, "model", "model_not_found");
      return false;
    }
    RateLimitRejection rejection;
    absl::StatusOr<std::unique_ptr<RateLimitPermit>> permit =
        limiter_.Admit(key->id(), key->requests_per_minute(), key->max_concurrency(), &rejection);
    if (!permit.ok()) {
      error->status = WithOpenAiDetail(permit.status(), "", "rate_limit_exceeded");
      error->retry_after = std::max(rejection.retry_after, absl::Seconds(1));
      return false;
    }
    call->permit = *std::move(permit);
  }
  absl::StatusOr<std::vector<nexus::registry::v1::Route>> routes = routes_.RoutesFor(model, *key);
  if (!routes.ok() || routes->empty()) {
    absl::Status status = routes.ok() ? absl::NotFoundError("") : routes.status();
    if (status.code() == absl::StatusCode::kNotFound ||
        status.code() == absl::StatusCode::kPermissionDenied) {
      status = WithOpenAiDetail(
          absl::NotFoundError(absl::StrCat("The model `", Av(model),
                                           "` does not exist or you do not have access to it.")),
          "model", "model_not_found");
    }
    error->status = status;
    call->permit.reset();
    return false;
  }
  call->routes = *std::move(routes);
  return true;
}

}  // namespace nexus::gateway
