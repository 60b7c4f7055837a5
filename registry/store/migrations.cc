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

constexpr std::array<sqlite::Migration, 1> kMigrations = {{{1, kV1}}};

}  // namespace

std::span<const sqlite::Migration> RegistryMigrations() { return kMigrations; }

}  // namespace nexus::registry
