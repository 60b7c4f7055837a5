#include "registry/store/migrations.h"

#include <array>

namespace nexus::registry {
namespace {

// Version 1: providers, their models, client keys and registry settings. AUTOINCREMENT keeps ids
// from being reused after a delete, so a stale id in a cache never names a different row.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE providers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  base_url TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  priority INTEGER NOT NULL DEFAULT 0,
  stream_usage INTEGER NOT NULL DEFAULT 1,
  api_key_hint TEXT NOT NULL DEFAULT '',
  api_key_sealed BLOB NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE models (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  upstream_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  tokenizer TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (provider_id, name)
);
CREATE INDEX models_by_name ON models (name);
CREATE TABLE client_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  secret_hash BLOB NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  allowed_models TEXT NOT NULL DEFAULT '[]',
  provider_id INTEGER NOT NULL DEFAULT 0,
  expires_at_ms INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  revoked INTEGER NOT NULL DEFAULT 0,
  revoked_at_ms INTEGER NOT NULL DEFAULT 0,
  requests_per_minute INTEGER NOT NULL DEFAULT 0,
  max_concurrency INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE registry_settings (
  name TEXT PRIMARY KEY,
  value BLOB NOT NULL
);
)sql";

// Version 2: secrets of registry.db itself, sealed under the master key: the keys ("peppers") of
// the client-key and admin-token hashes. Filled at the first start with a master key (see
// store/key_material.h), so that rotating the master key re-seals them instead of invalidating
// every stored hash. The version step also makes binaries that derived the peppers from the
// master key refuse this file, rather than reject every key after a rotation.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE sealed_secrets (
  name TEXT PRIMARY KEY,
  sealed BLOB NOT NULL
);
)sql";

constexpr std::array<sqlite::Migration, 2> kMigrations = {{{1, kV1}, {2, kV2}}};

}  // namespace

std::span<const sqlite::Migration> RegistryMigrations() { return kMigrations; }

}  // namespace nexus::registry
