#ifndef NEXUS_REGISTRY_DOMAIN_TYPES_H_
#define NEXUS_REGISTRY_DOMAIN_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nexus::registry {

// Times are Unix milliseconds (UTC); ids are positive and assigned by the store.

struct Provider {
  int64_t id = 0;
  std::string name;
  std::string base_url;
  std::string description;
  bool enabled = true;
  int32_t priority = 0;
  bool stream_usage = true;
  // Masked form of the upstream key for display ("sk-...WXYZ"), empty when there is no key.
  std::string api_key_hint;
  // The upstream key as sealed by crypto::KeyRing; never leaves the registry in this form.
  std::string sealed_api_key;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct ProviderPatch {
  std::optional<std::string> name;
  std::optional<std::string> base_url;
  std::optional<std::string> api_key;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<int32_t> priority;
  std::optional<bool> stream_usage;
};

struct NewProvider {
  std::string name;
  std::string base_url;
  std::string api_key;
  std::string description;
  bool enabled = true;
  int32_t priority = 0;
  bool stream_usage = true;
};

struct Model {
  int64_t id = 0;
  int64_t provider_id = 0;
  std::string name;
  std::string upstream_name;
  std::string description;
  bool enabled = true;
  std::string tokenizer;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct ModelPatch {
  std::optional<std::string> name;
  std::optional<std::string> upstream_name;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::string> tokenizer;
};

struct ClientKey {
  int64_t id = 0;
  std::string name;
  std::string prefix;
  std::vector<std::string> allowed_models;  // empty: every model
  int64_t provider_id = 0;                  // 0: any provider
  int64_t expires_at_ms = 0;                // 0: never
  bool enabled = true;
  bool revoked = false;
  int32_t requests_per_minute = 0;  // 0: unlimited
  int32_t max_concurrency = 0;      // 0: unlimited
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t revoked_at_ms = 0;
};

struct KeyPatch {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> allowed_models;
  std::optional<int64_t> provider_id;
  std::optional<int64_t> expires_at_ms;
  std::optional<bool> enabled;
  std::optional<int32_t> requests_per_minute;
  std::optional<int32_t> max_concurrency;
};

struct NewKey {
  std::string name;
  std::vector<std::string> allowed_models;
  int64_t provider_id = 0;
  int64_t expires_at_ms = 0;
  bool enabled = true;
  int32_t requests_per_minute = 0;
  int32_t max_concurrency = 0;
};

// A freshly created key with its secret, which exists only in this answer.
struct CreatedKey {
  ClientKey key;
  std::string secret;
};

// One enabled model of one enabled provider, as the store keeps it.
struct RouteRow {
  Provider provider;
  Model model;
};

// A way to serve a model, with the upstream key decrypted.
struct Route {
  int64_t provider_id = 0;
  std::string provider_name;
  std::string base_url;
  int64_t model_id = 0;
  std::string model;
  std::string upstream_model;
  std::string api_key;
  int32_t priority = 0;
  bool stream_usage = true;
  std::string tokenizer;
};

struct ResolvedKey {
  ClientKey key;
  std::vector<Route> routes;
  std::vector<std::string> models;
};

struct PageRequest {
  int32_t page_size = 0;  // 0: the default
  std::string page_token;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_page_token;  // empty on the last page
};

// A validated page request: items with id > after_id, at most `limit` of them.
struct PageCursor {
  int64_t after_id = 0;
  int limit = 100;
};

enum class ChangeKind { kProvider, kModel, kKey };
enum class ChangeOp { kCreated, kUpdated, kDeleted };

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_DOMAIN_TYPES_H_
