#include "gateway/auth/authorize.h"

#include "absl/strings/str_cat.h"
#include "services/strings/absl_view.h"

namespace nexus::gateway {

bool ModelAllowed(const nexus::registry::v1::ClientKey& key, std::string_view model) {
  if (key.allowed_models().empty()) return true;
  for (const std::string& allowed : key.allowed_models()) {
    if (allowed == model) return true;
  }
  return false;
}

absl::Status ModelNotAllowedError(std::string_view model) {
  return absl::PermissionDeniedError(
      absl::StrCat("This API key may not use model `", Av(model), "`."));
}

absl::Status Authorize(const nexus::registry::v1::ClientKey& key, std::string_view model,
                       absl::Time now) {
  if (key.revoked()) return absl::UnauthenticatedError("API key has been revoked.");
  if (!key.enabled()) return absl::UnauthenticatedError("API key is disabled.");
  if (key.expires_at_ms() != 0) {
    const absl::Time expires_at = absl::FromUnixMillis(key.expires_at_ms());
    if (now >= expires_at) {
      return absl::UnauthenticatedError(absl::StrCat(
          "API key expired at ",
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", expires_at, absl::UTCTimeZone()), "."));
    }
  }
  if (!model.empty() && !ModelAllowed(key, model)) return ModelNotAllowedError(model);
  return absl::OkStatus();
}

}  // namespace nexus::gateway
