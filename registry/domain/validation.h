#ifndef NEXUS_REGISTRY_DOMAIN_VALIDATION_H_
#define NEXUS_REGISTRY_DOMAIN_VALIDATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "registry/domain/types.h"

namespace nexus::registry {

// Every failure is INVALID_ARGUMENT with a message that starts with the field name as the API
// spells it, e.g. "base_url: must start with http:// or https://".

inline constexpr size_t kMaxNameLength = 100;
inline constexpr size_t kMaxModelNameLength = 200;
inline constexpr size_t kMaxDescriptionLength = 1000;
inline constexpr size_t kMaxBaseUrlLength = 2048;
inline constexpr size_t kMaxApiKeyLength = 4096;
inline constexpr size_t kMaxAllowedModels = 1000;
inline constexpr int32_t kDefaultPageSize = 100;
inline constexpr int32_t kMaxPageSize = 1000;

absl::Status ValidateId(std::string_view field, int64_t id);
absl::Status ValidateDisplayName(std::string_view field, std::string_view name);
absl::Status ValidateModelName(std::string_view field, std::string_view name);
absl::Status ValidateDescription(std::string_view description);
absl::Status ValidateApiKey(std::string_view api_key);
absl::Status ValidateTokenizer(std::string_view tokenizer);

// http(s)://host[:port][/path]; no credentials, query or fragment. Trailing slashes are dropped
// because the gateway appends "/chat/completions" and friends.
absl::StatusOr<std::string> NormalizeBaseUrl(std::string_view url);

// Checks a whole provider row (after a create or a patch); normalises its base URL.
absl::Status ValidateProvider(Provider& provider);
absl::Status ValidateModel(const Model& model);
// Sorts and de-duplicates the allow-list; `now_ms` rejects expiry times already past when
// `expiry_changed` (an unchanged past expiry of an old key is not the caller's mistake).
absl::Status ValidateKey(ClientKey& key, int64_t now_ms, bool expiry_changed);

absl::StatusOr<PageCursor> ParsePageRequest(const PageRequest& request);
std::string PageTokenAfter(int64_t last_id);

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_DOMAIN_VALIDATION_H_
