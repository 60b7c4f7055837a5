#include "registry/domain/registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "registry/crypto/secret_generator.h"
#include "registry/domain/validation.h"
#include "services/log/redactor.h"

namespace nexus::registry {
namespace {

constexpr std::string_view kAdminTokenSetting = "admin_token_hash";
constexpr std::string_view kMasterKeyCheckSetting = "master_key_check";

std::string KeyHint(std::string_view api_key) {
  return api_key.empty() ? std::string() : log::MaskSecret(api_key);
}

bool KeyMayUse(const ClientKey& key, const RouteRow& row) {
  if (key.provider_id != 0 && row.provider.id != key.provider_id) return false;
  return key.allowed_models.empty() ||
         std::binary_search(key.allowed_models.begin(), key.allowed_models.end(), row.model.name);
}

absl::Status InvalidKeyError() { return absl::UnauthenticatedError("invalid API key"); }

}  // namespace

Registry::Registry(RegistryStore& store, const crypto::KeyRing& keys, const Clock& clock,
                   ChangeSink& changes)
    : store_(store), keys_(keys), clock_(clock), changes_(changes) {}

int64_t Registry::NowMs() const { return absl::ToUnixMillis(clock_.Now()); }

absl::StatusOr<Provider> Registry::CreateProvider(const NewProvider& request) {
  Provider provider;
  provider.name = request.name;
  provider.base_url = request.base_url;
  provider.description = request.description;
  provider.enabled = request.enabled;
  provider.priority = request.priority;
  provider.stream_usage = request.stream_usage;
  provider.api_key_hint = KeyHint(request.api_key);
  if (absl::Status s = ValidateProvider(provider); !s.ok()) return s;
  if (absl::Status s = ValidateApiKey(request.api_key); !s.ok()) return s;
  provider.created_at_ms = provider.updated_at_ms = NowMs();
  absl::StatusOr<Provider> created =
      store_.CreateProvider(provider, [&](int64_t id) -> absl::StatusOr<std::string> {
        return keys_.SealUpstreamKey(request.api_key, id);
      });
  if (created.ok()) changes_.Publish(ChangeKind::kProvider, ChangeOp::kCreated, created->id);
  return created;
}

absl::StatusOr<Provider> Registry::GetProvider(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  return store_.GetProvider(id);
}

absl::StatusOr<Page<Provider>> Registry::ListProviders(const PageRequest& page) {
  absl::StatusOr<PageCursor> cursor = ParsePageRequest(page);
  if (!cursor.ok()) return cursor.status();
  return store_.ListProviders(*cursor);
}

absl::StatusOr<Provider> Registry::UpdateProvider(int64_t id, const ProviderPatch& patch) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  if (patch.api_key.has_value()) {
    if (absl::Status s = ValidateApiKey(*patch.api_key); !s.ok()) return s;
  }
  absl::StatusOr<Provider> updated = store_.UpdateProvider(id, [&](Provider& p) {
    if (patch.name) p.name = *patch.name;
    if (patch.base_url) p.base_url = *patch.base_url;
    if (patch.description) p.description = *patch.description;
    if (patch.enabled) p.enabled = *patch.enabled;
    if (patch.priority) p.priority = *patch.priority;
    if (patch.stream_usage) p.stream_usage = *patch.stream_usage;
    if (absl::Status s = ValidateProvider(p); !s.ok()) return s;
    if (patch.api_key) {
      p.sealed_api_key = keys_.SealUpstreamKey(*patch.api_key, id);
      p.api_key_hint = KeyHint(*patch.api_key);
    }
    p.updated_at_ms = NowMs();
    return absl::OkStatus();
  });
  if (updated.ok()) changes_.Publish(ChangeKind::kProvider, ChangeOp::kUpdated, id);
  return updated;
}

absl::Status Registry::DeleteProvider(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  absl::StatusOr<std::vector<int64_t>> model_ids = store_.DeleteProvider(id);
  if (!model_ids.ok()) return model_ids.status();
  for (int64_t model_id : *model_ids) {
    changes_.Publish(ChangeKind::kModel, ChangeOp::kDeleted, model_id);
  }
  changes_.Publish(ChangeKind::kProvider, ChangeOp::kDeleted, id);
  return absl::OkStatus();
}

absl::StatusOr<Model> Registry::CreateModel(const Model& request) {
  Model model = request;
  if (model.upstream_name.empty()) model.upstream_name = model.name;
  if (absl::Status s = ValidateModel(model); !s.ok()) return s;
  model.created_at_ms = model.updated_at_ms = NowMs();
  absl::StatusOr<Model> created = store_.CreateModel(model);
  if (created.ok()) changes_.Publish(ChangeKind::kModel, ChangeOp::kCreated, created->id);
  return created;
}

absl::StatusOr<Model> Registry::GetModel(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  return store_.GetModel(id);
}

absl::StatusOr<Page<Model>> Registry::ListModels(int64_t provider_id, const PageRequest& page) {
  if (provider_id < 0) {
    return absl::InvalidArgumentError("provider_id: must be 0 (all) or a provider id");
  }
  absl::StatusOr<PageCursor> cursor = ParsePageRequest(page);
  if (!cursor.ok()) return cursor.status();
  return store_.ListModels(provider_id, *cursor);
}

absl::StatusOr<Model> Registry::UpdateModel(int64_t id, const ModelPatch& patch) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  absl::StatusOr<Model> updated = store_.UpdateModel(id, [&](Model& m) {
    if (patch.name) m.name = *patch.name;
    if (patch.upstream_name) m.upstream_name = *patch.upstream_name;
    if (m.upstream_name.empty()) m.upstream_name = m.name;
    if (patch.description) m.description = *patch.description;
    if (patch.enabled) m.enabled = *patch.enabled;
    if (patch.tokenizer) m.tokenizer = *patch.tokenizer;
    m.updated_at_ms = NowMs();
    return ValidateModel(m);
  });
  if (updated.ok()) changes_.Publish(ChangeKind::kModel, ChangeOp::kUpdated, id);
  return updated;
}

absl::Status Registry::DeleteModel(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  absl::Status status = store_.DeleteModel(id);
  if (status.ok()) changes_.Publish(ChangeKind::kModel, ChangeOp::kDeleted, id);
  return status;
}

absl::StatusOr<CreatedKey> Registry::CreateKey(const NewKey& request) {
  int64_t now = NowMs();
  ClientKey key;
  key.name = request.name;
  key.allowed_models = request.allowed_models;
  key.provider_id = request.provider_id;
  key.expires_at_ms = request.expires_at_ms;
  key.enabled = request.enabled;
  key.requests_per_minute = request.requests_per_minute;
  key.max_concurrency = request.max_concurrency;
  key.created_at_ms = key.updated_at_ms = now;
  if (absl::Status s = ValidateKey(key, now, /*expiry_changed=*/true); !s.ok()) return s;
  CreatedKey out;
  out.secret = crypto::GenerateSecret(crypto::kClientKeyPrefix);
  key.prefix = crypto::VisiblePrefix(out.secret);
  absl::StatusOr<ClientKey> created = store_.CreateKey(key, keys_.HashClientSecret(out.secret));
  if (!created.ok()) return created.status();
  out.key = *std::move(created);
  changes_.Publish(ChangeKind::kKey, ChangeOp::kCreated, out.key.id);
  return out;
}

absl::StatusOr<ClientKey> Registry::GetKey(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  return store_.GetKey(id);
}

absl::StatusOr<Page<ClientKey>> Registry::ListKeys(const PageRequest& page) {
  absl::StatusOr<PageCursor> cursor = ParsePageRequest(page);
  if (!cursor.ok()) return cursor.status();
  return store_.ListKeys(*cursor);
}

absl::StatusOr<ClientKey> Registry::UpdateKey(int64_t id, const KeyPatch& patch) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  int64_t now = NowMs();
  absl::StatusOr<ClientKey> updated = store_.UpdateKey(id, [&](ClientKey& k) {
    if (k.revoked) {
      return absl::FailedPreconditionError(
          absl::StrCat("id: key ", id, " is revoked; revocation is permanent"));
    }
    if (patch.name) k.name = *patch.name;
    if (patch.allowed_models) k.allowed_models = *patch.allowed_models;
    if (patch.provider_id) k.provider_id = *patch.provider_id;
    if (patch.expires_at_ms) k.expires_at_ms = *patch.expires_at_ms;
    if (patch.enabled) k.enabled = *patch.enabled;
    if (patch.requests_per_minute) k.requests_per_minute = *patch.requests_per_minute;
    if (patch.max_concurrency) k.max_concurrency = *patch.max_concurrency;
    k.updated_at_ms = now;
    return ValidateKey(k, now, patch.expires_at_ms.has_value());
  });
  if (updated.ok()) changes_.Publish(ChangeKind::kKey, ChangeOp::kUpdated, id);
  return updated;
}

absl::StatusOr<ClientKey> Registry::RevokeKey(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  absl::StatusOr<ClientKey> revoked = store_.UpdateKey(id, [&](ClientKey& k) {
    if (!k.revoked) {
      k.revoked = true;
      k.revoked_at_ms = k.updated_at_ms = NowMs();
    }
    return absl::OkStatus();
  });
  if (revoked.ok()) changes_.Publish(ChangeKind::kKey, ChangeOp::kUpdated, id);
  return revoked;
}

absl::Status Registry::DeleteKey(int64_t id) {
  if (absl::Status s = ValidateId("id", id); !s.ok()) return s;
  absl::Status status = store_.DeleteKey(id);
  if (status.ok()) changes_.Publish(ChangeKind::kKey, ChangeOp::kDeleted, id);
  return status;
}

absl::StatusOr<Route> Registry::MakeRoute(const RouteRow& row) const {
  absl::StatusOr<std::string> api_key =
      keys_.OpenUpstreamKey(row.provider.sealed_api_key, row.provider.id);
  if (!api_key.ok()) return api_key.status();
  return Route{.provider_id = row.provider.id,
               .provider_name = row.provider.name,
               .base_url = row.provider.base_url,
               .model_id = row.model.id,
               .model = row.model.name,
               .upstream_model = row.model.upstream_name,
               .api_key = *std::move(api_key),
               .priority = row.provider.priority,
               .stream_usage = row.provider.stream_usage,
               .tokenizer = row.model.tokenizer};
}

absl::StatusOr<ResolvedKey> Registry::ResolveKey(std::string_view secret, std::string_view model) {
  if (!secret.starts_with(crypto::kClientKeyPrefix)) return InvalidKeyError();
  std::string hash = keys_.HashClientSecret(secret);
  auto found = store_.FindKeyByHash(hash);
  if (!found.ok()) return found.status();
  if (!found->has_value() || !crypto::ConstantTimeEquals((*found)->second, hash)) {
    return InvalidKeyError();
  }
  ResolvedKey out;
  out.key = std::move((*found)->first);
  absl::StatusOr<std::vector<RouteRow>> rows = store_.ListRouteRows(std::nullopt);
  if (!rows.ok()) return rows.status();
  for (const RouteRow& row : *rows) {
    if (!KeyMayUse(out.key, row)) continue;
    // Rows come sorted by model name, so duplicates are adjacent.
    if (out.models.empty() || out.models.back() != row.model.name) {
      out.models.push_back(row.model.name);
    }
    if (!model.empty() && row.model.name == model) {
      absl::StatusOr<Route> route = MakeRoute(row);
      if (!route.ok()) return route.status();
      out.routes.push_back(*std::move(route));
    }
  }
  return out;
}

absl::StatusOr<std::vector<Route>> Registry::ListRoutes() {
  absl::StatusOr<std::vector<RouteRow>> rows = store_.ListRouteRows(std::nullopt);
  if (!rows.ok()) return rows.status();
  std::vector<Route> routes;
  routes.reserve(rows->size());
  for (const RouteRow& row : *rows) {
    absl::StatusOr<Route> route = MakeRoute(row);
    if (!route.ok()) return route.status();
    routes.push_back(*std::move(route));
  }
  return routes;
}

absl::StatusOr<bool> Registry::CheckAdminToken(std::string_view token) {
  if (token.empty()) return false;
  absl::StatusOr<std::optional<std::string>> stored = store_.GetSetting(kAdminTokenSetting);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return false;
  return crypto::ConstantTimeEquals(keys_.HashAdminToken(token), **stored);
}

absl::Status Registry::SetAdminToken(std::string_view token) {
  if (token.size() < 16) {
    return absl::InvalidArgumentError("admin token: must be at least 16 characters");
  }
  return store_.PutSetting(kAdminTokenSetting, keys_.HashAdminToken(token));
}

absl::StatusOr<bool> Registry::HasAdminToken() {
  absl::StatusOr<std::optional<std::string>> stored = store_.GetSetting(kAdminTokenSetting);
  if (!stored.ok()) return stored.status();
  return stored->has_value();
}

absl::Status Registry::VerifyMasterKey() {
  std::string check = keys_.KeyCheckValue();
  absl::StatusOr<std::optional<std::string>> stored = store_.GetSetting(kMasterKeyCheckSetting);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return store_.PutSetting(kMasterKeyCheckSetting, check);
  if (crypto::ConstantTimeEquals(**stored, check)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "master key: differs from the key this registry.db was created with, so its upstream keys "
      "cannot be decrypted; start with the original NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE");
}

}  // namespace nexus::registry
