#ifndef NEXUS_GATEWAY_AUTH_AUTHORIZE_H_
#define NEXUS_GATEWAY_AUTH_AUTHORIZE_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "nexus/registry/v1/registry.pb.h"

namespace nexus::gateway {

// Whether `key` may be used at `now`, and (when `model` is not empty) for `model`.
//
// Following the habit of OpenAI's API, a key that is revoked, disabled or expired is answered like
// an invalid key: UNAUTHENTICATED (HTTP 401), with a message saying which of the three it is, so
// that clients treat it as "fix your key", not "ask for access". A valid key used for a model
// outside its allow-list is PERMISSION_DENIED (HTTP 403): the key is fine, the model is not.
// Pure: no I/O, no clock of its own, so cached keys are re-checked on every request.
absl::Status Authorize(const nexus::registry::v1::ClientKey& key, std::string_view model,
                       absl::Time now);

// True when the key's allow-list admits `model` (an empty allow-list admits every model).
bool ModelAllowed(const nexus::registry::v1::ClientKey& key, std::string_view model);

// The message of a PERMISSION_DENIED for a model outside the allow-list.
absl::Status ModelNotAllowedError(std::string_view model);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_AUTHORIZE_H_
