#include "gateway/auth/caching_admin_authenticator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/auth/grpc_registry_client.h"

namespace nexus::gateway {

using nexus::registry::v1::ChangeEvent;

namespace {

absl::Status InvalidTokenError() {
  return absl::UnauthenticatedError("Invalid or missing admin token.");
}

}  // namespace

CachingAdminAuthenticator::CachingAdminAuthenticator(
    std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub, const Clock& clock,
    CachingAdminAuthenticatorOptions options)
    : CachingAdminAuthenticator(std::make_shared<GrpcRegistryClient>(std::move(stub)), clock,
                                options) {}

CachingAdminAuthenticator::CachingAdminAuthenticator(std::shared_ptr<RegistryClient> registry,
                                                     const Clock& clock,
                                                     CachingAdminAuthenticatorOptions options)
    : registry_(std::move(registry)), clock_(clock), options_(options) {}

absl::Status CachingAdminAuthenticator::Check(std::string_view token) {
  if (token.empty()) return InvalidTokenError();
  const SecretDigest digest = hasher_.Hash(token);
  {
    std::lock_guard lock(mutex_);
    const auto found = accepted_.find(digest);
    if (found != accepted_.end()) {
      if (clock_.Now() < found->second) return absl::OkStatus();
      accepted_.erase(found);
    }
  }
  const absl::StatusOr<bool> valid = registry_->CheckAdminToken(token, options_.rpc_timeout);
  if (valid.status().code() == absl::StatusCode::kUnauthenticated ||
      valid.status().code() == absl::StatusCode::kInvalidArgument) {
    return InvalidTokenError();
  }
  if (!valid.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "The admin token cannot be checked right now (registry: ", valid.status().message(), ")."));
  }
  if (!*valid) return InvalidTokenError();
  const absl::Time now = clock_.Now();
  std::lock_guard lock(mutex_);
  if (accepted_.size() >= options_.max_entries && !accepted_.contains(digest)) {
    auto oldest =
        std::min_element(accepted_.begin(), accepted_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    if (oldest != accepted_.end()) accepted_.erase(oldest);
  }
  accepted_.insert_or_assign(digest, now + options_.positive_ttl);
  return absl::OkStatus();
}

void CachingAdminAuthenticator::OnChange(const ChangeEvent& event) {
  if (event.kind() != ChangeEvent::KIND_RESET) return;
  std::lock_guard lock(mutex_);
  accepted_.clear();
}

}  // namespace nexus::gateway
