#include "registry/store/sqlite_registry_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "registry/store/migrations.h"

namespace nexus::registry {
namespace {

constexpr char kProviderColumns[] =
    "id, name, base_url, description, enabled, priority, stream_usage, api_key_hint, "
    "api_key_sealed, created_at_ms, updated_at_ms";
constexpr char kModelColumns[] =
    "id, provider_id, name, upstream_name, description, enabled, tokenizer, created_at_ms, "
    "updated_at_ms";
constexpr char kKeyColumns[] =
    "id, name, prefix, allowed_models, provider_id, expires_at_ms, enabled, revoked, "
    "revoked_at_ms, requests_per_minute, max_concurrency, created_at_ms, updated_at_ms";

void BindBlob(SQLite::Statement& statement, int index, std::string_view bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

// Reads a provider from columns starting at `first` in kProviderColumns order.
Provider ReadProvider(SQLite::Statement& row, int first = 0) {
  Provider p;
  p.id = row.getColumn(first).getInt64();
  p.name = row.getColumn(first + 1).getString();
  p.base_url = row.getColumn(first + 2).getString();
  p.description = row.getColumn(first + 3).getString();
  p.enabled = row.getColumn(first + 4).getInt() != 0;
  p.priority = row.getColumn(first + 5).getInt();
  p.stream_usage = row.getColumn(first + 6).getInt() != 0;
  p.api_key_hint = row.getColumn(first + 7).getString();
  p.sealed_api_key = row.getColumn(first + 8).getString();
  p.created_at_ms = row.getColumn(first + 9).getInt64();
  p.updated_at_ms = row.getColumn(first + 10).getInt64();
  return p;
}

Model ReadModel(SQLite::Statement& row, int first = 0) {
  Model m;
  m.id = row.getColumn(first).getInt64();
  m.provider_id = row.getColumn(first + 1).getInt64();
  m.name = row.getColumn(first + 2).getString();
  m.upstream_name = row.getColumn(first + 3).getString();
  m.description = row.getColumn(first + 4).getString();
  m.enabled = row.getColumn(first + 5).getInt() != 0;
  m.tokenizer = row.getColumn(first + 6).getString();
  m.created_at_ms = row.getColumn(first + 7).getInt64();
  m.updated_at_ms = row.getColumn(first + 8).getInt64();
  return m;
}

std::string EncodeModels(const std::vector<std::string>& models) {
  return nlohmann::json(models).dump();
}

std::vector<std::string> DecodeModels(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!parsed.is_array()) return out;
  for (const auto& item : parsed) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

ClientKey ReadKey(SQLite::Statement& row) {
  ClientKey k;
  k.id = row.getColumn(0).getInt64();
  k.name = row.getColumn(1).getString();
  k.prefix = row.getColumn(2).getString();
  k.allowed_models = DecodeModels(row.getColumn(3).getString());
  k.provider_id = row.getColumn(4).getInt64();
  k.expires_at_ms = row.getColumn(5).getInt64();
  k.enabled = row.getColumn(6).getInt() != 0;
  k.revoked = row.getColumn(7).getInt() != 0;
  k.revoked_at_ms = row.getColumn(8).getInt64();
  k.requests_per_minute = row.getColumn(9).getInt();
  k.max_concurrency = row.getColumn(10).getInt();
  k.created_at_ms = row.getColumn(11).getInt64();
  k.updated_at_ms = row.getColumn(12).getInt64();
  return k;
}

absl::Status NotFound(std::string_view what, int64_t id) {
  return absl::NotFoundError(absl::StrCat("id: ", std::string(what), " ", id, " not found"));
}

absl::StatusOr<Provider> LoadProvider(SQLite::Database& db, int64_t id) {
  SQLite::Statement query(
      db, absl::StrCat("SELECT ", kProviderColumns, " FROM providers WHERE id = ?"));
  query.bind(1, id);
  if (!query.executeStep()) return NotFound("provider", id);
  return ReadProvider(query);
}

absl::StatusOr<Model> LoadModel(SQLite::Database& db, int64_t id) {
  SQLite::Statement query(db, absl::StrCat("SELECT ", kModelColumns, " FROM models WHERE id = ?"));
  query.bind(1, id);
  if (!query.executeStep()) return NotFound("model", id);
  return ReadModel(query);
}

absl::StatusOr<ClientKey> LoadKey(SQLite::Database& db, int64_t id) {
  SQLite::Statement query(db,
                          absl::StrCat("SELECT ", kKeyColumns, " FROM client_keys WHERE id = ?"));
  query.bind(1, id);
  if (!query.executeStep()) return NotFound("key", id);
  return ReadKey(query);
}

bool ProviderExists(SQLite::Database& db, int64_t id) {
  SQLite::Statement query(db, "SELECT 1 FROM providers WHERE id = ?");
  query.bind(1, id);
  return query.executeStep();
}

// Uniqueness is checked inside the write transaction so that the error names the field instead
// of quoting SQLite's constraint text.
absl::Status CheckProviderNameFree(SQLite::Database& db, const std::string& name, int64_t self) {
  SQLite::Statement query(db, "SELECT id FROM providers WHERE name = ? AND id != ?");
  query.bind(1, name);
  query.bind(2, self);
  if (!query.executeStep()) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat("name: a provider named '", name,
                                               "' already exists (id ",
                                               query.getColumn(0).getInt64(), ")"));
}

absl::Status CheckModelNameFree(SQLite::Database& db, const Model& model) {
  SQLite::Statement query(db,
                          "SELECT id FROM models WHERE provider_id = ? AND name = ? AND id != ?");
  query.bind(1, model.provider_id);
  query.bind(2, model.name);
  query.bind(3, model.id);
  if (!query.executeStep()) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat("name: provider ", model.provider_id,
                                               " already has a model named '", model.name, "' (id ",
                                               query.getColumn(0).getInt64(), ")"));
}

absl::Status CheckKeyProvider(SQLite::Database& db, int64_t provider_id) {
  if (provider_id == 0 || ProviderExists(db, provider_id)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("provider_id: provider ", provider_id, " not found"));
}

void StoreProvider(SQLite::Database& db, const Provider& p) {
  SQLite::Statement update(db,
                           "UPDATE providers SET name = ?, base_url = ?, description = ?, "
                           "enabled = ?, priority = ?, stream_usage = ?, api_key_hint = ?, "
                           "api_key_sealed = ?, updated_at_ms = ? WHERE id = ?");
  update.bind(1, p.name);
  update.bind(2, p.base_url);
  update.bind(3, p.description);
  update.bind(4, p.enabled ? 1 : 0);
  update.bind(5, p.priority);
  update.bind(6, p.stream_usage ? 1 : 0);
  update.bind(7, p.api_key_hint);
  BindBlob(update, 8, p.sealed_api_key);
  update.bind(9, p.updated_at_ms);
  update.bind(10, p.id);
  update.exec();
}

void StoreModel(SQLite::Database& db, const Model& m) {
  SQLite::Statement update(db,
                           "UPDATE models SET name = ?, upstream_name = ?, description = ?, "
                           "enabled = ?, tokenizer = ?, updated_at_ms = ? WHERE id = ?");
  update.bind(1, m.name);
  update.bind(2, m.upstream_name);
  update.bind(3, m.description);
  update.bind(4, m.enabled ? 1 : 0);
  update.bind(5, m.tokenizer);
  update.bind(6, m.updated_at_ms);
  update.bind(7, m.id);
  update.exec();
}

void StoreKey(SQLite::Database& db, const ClientKey& k) {
  SQLite::Statement update(
      db,
      "UPDATE client_keys SET name = ?, allowed_models = ?, provider_id = ?, expires_at_ms = ?, "
      "enabled = ?, revoked = ?, revoked_at_ms = ?, requests_per_minute = ?, "
      "max_concurrency = ?, updated_at_ms = ? WHERE id = ?");
  update.bind(1, k.name);
  update.bind(2, EncodeModels(k.allowed_models));
  update.bind(3, k.provider_id);
  update.bind(4, k.expires_at_ms);
  update.bind(5, k.enabled ? 1 : 0);
  update.bind(6, k.revoked ? 1 : 0);
  update.bind(7, k.revoked_at_ms);
  update.bind(8, k.requests_per_minute);
  update.bind(9, k.max_concurrency);
  update.bind(10, k.updated_at_ms);
  update.bind(11, k.id);
  update.exec();
}

// Runs a paged "SELECT ... WHERE id > ? [AND extra] ORDER BY id LIMIT n+1" and reads rows with
// `read`; one extra row tells whether another page follows.
template <typename T, typename ReadFn>
Page<T> ReadPage(SQLite::Statement& query, const PageCursor& cursor, ReadFn read) {
  Page<T> page;
  while (query.executeStep()) {
    if (static_cast<int>(page.items.size()) == cursor.limit) {
      page.next_page_token = absl::StrCat(page.items.back().id);
      break;
    }
    page.items.push_back(read(query));
  }
  return page;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteRegistryStore>> SqliteRegistryStore::Open(
    const std::string& path, const sqlite::DatabaseOptions& options) {
  absl::StatusOr<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open(path, RegistryMigrations(), options);
  if (!db.ok()) return db.status();
  return std::make_unique<SqliteRegistryStore>(*std::move(db));
}

SqliteRegistryStore::SqliteRegistryStore(std::unique_ptr<sqlite::Database> db)
    : db_(std::move(db)) {}

absl::StatusOr<Provider> SqliteRegistryStore::CreateProvider(const Provider& provider,
                                                             SealFn seal) {
  Provider created = provider;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    if (absl::Status s = CheckProviderNameFree(db, created.name, 0); !s.ok()) return s;
    SQLite::Statement insert(db,
                             "INSERT INTO providers (name, base_url, api_key_sealed, "
                             "created_at_ms, updated_at_ms) VALUES (?, ?, x'', ?, ?)");
    insert.bind(1, created.name);
    insert.bind(2, created.base_url);
    insert.bind(3, created.created_at_ms);
    insert.bind(4, created.updated_at_ms);
    insert.exec();
    created.id = db.getLastInsertRowid();
    // The key is sealed to the row id, which exists only now; same transaction, so no row is
    // ever visible without its key.
    absl::StatusOr<std::string> sealed = seal(created.id);
    if (!sealed.ok()) return sealed.status();
    created.sealed_api_key = *std::move(sealed);
    StoreProvider(db, created);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<Provider> SqliteRegistryStore::GetProvider(int64_t id) {
  absl::StatusOr<Provider> out = NotFound("provider", id);
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    out = LoadProvider(db, id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Page<Provider>> SqliteRegistryStore::ListProviders(const PageCursor& cursor) {
  Page<Provider> page;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    SQLite::Statement query(db, absl::StrCat("SELECT ", kProviderColumns,
                                             " FROM providers WHERE id > ? ORDER BY id LIMIT ?"));
    query.bind(1, cursor.after_id);
    query.bind(2, cursor.limit + 1);
    page =
        ReadPage<Provider>(query, cursor, [](SQLite::Statement& row) { return ReadProvider(row); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<Provider> SqliteRegistryStore::UpdateProvider(int64_t id,
                                                             MutateFn<Provider> mutate) {
  Provider provider;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    absl::StatusOr<Provider> current = LoadProvider(db, id);
    if (!current.ok()) return current.status();
    provider = *std::move(current);
    if (absl::Status s = mutate(provider); !s.ok()) return s;
    provider.id = id;
    if (absl::Status s = CheckProviderNameFree(db, provider.name, id); !s.ok()) return s;
    StoreProvider(db, provider);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return provider;
}

absl::StatusOr<std::vector<int64_t>> SqliteRegistryStore::DeleteProvider(int64_t id) {
  std::vector<int64_t> model_ids;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement models(db, "SELECT id FROM models WHERE provider_id = ? ORDER BY id");
    models.bind(1, id);
    while (models.executeStep()) model_ids.push_back(models.getColumn(0).getInt64());
    // Explicit rather than relying on ON DELETE CASCADE alone, which needs foreign_keys = ON on
    // every connection that ever deletes.
    SQLite::Statement delete_models(db, "DELETE FROM models WHERE provider_id = ?");
    delete_models.bind(1, id);
    delete_models.exec();
    SQLite::Statement remove(db, "DELETE FROM providers WHERE id = ?");
    remove.bind(1, id);
    if (remove.exec() == 0) return NotFound("provider", id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return model_ids;
}

absl::StatusOr<Model> SqliteRegistryStore::CreateModel(const Model& model) {
  Model created = model;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    if (!ProviderExists(db, created.provider_id)) {
      return absl::NotFoundError(
          absl::StrCat("provider_id: provider ", created.provider_id, " not found"));
    }
    created.id = 0;
    if (absl::Status s = CheckModelNameFree(db, created); !s.ok()) return s;
    SQLite::Statement insert(db,
                             "INSERT INTO models (provider_id, name, upstream_name, description, "
                             "enabled, tokenizer, created_at_ms, updated_at_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, created.provider_id);
    insert.bind(2, created.name);
    insert.bind(3, created.upstream_name);
    insert.bind(4, created.description);
    insert.bind(5, created.enabled ? 1 : 0);
    insert.bind(6, created.tokenizer);
    insert.bind(7, created.created_at_ms);
    insert.bind(8, created.updated_at_ms);
    insert.exec();
    created.id = db.getLastInsertRowid();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<Model> SqliteRegistryStore::GetModel(int64_t id) {
  absl::StatusOr<Model> out = NotFound("model", id);
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    out = LoadModel(db, id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Page<Model>> SqliteRegistryStore::ListModels(int64_t provider_id,
                                                            const PageCursor& cursor) {
  Page<Model> page;
  absl::Status status = db_->Read([&](SQLite::Database& db) -> absl::Status {
    if (provider_id != 0 && !ProviderExists(db, provider_id)) {
      return absl::NotFoundError(absl::StrCat("provider_id: provider ", provider_id, " not found"));
    }
    SQLite::Statement query(db,
                            absl::StrCat("SELECT ", kModelColumns,
                                         " FROM models WHERE id > ? AND (? = 0 OR provider_id = ?) "
                                         "ORDER BY id LIMIT ?"));
    query.bind(1, cursor.after_id);
    query.bind(2, provider_id);
    query.bind(3, provider_id);
    query.bind(4, cursor.limit + 1);
    page = ReadPage<Model>(query, cursor, [](SQLite::Statement& row) { return ReadModel(row); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<Model> SqliteRegistryStore::UpdateModel(int64_t id, MutateFn<Model> mutate) {
  Model model;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    absl::StatusOr<Model> current = LoadModel(db, id);
    if (!current.ok()) return current.status();
    model = *std::move(current);
    int64_t provider_id = model.provider_id;
    if (absl::Status s = mutate(model); !s.ok()) return s;
    model.id = id;
    model.provider_id = provider_id;  // Models never move between providers.
    if (absl::Status s = CheckModelNameFree(db, model); !s.ok()) return s;
    StoreModel(db, model);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return model;
}

absl::Status SqliteRegistryStore::DeleteModel(int64_t id) {
  return db_->Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement remove(db, "DELETE FROM models WHERE id = ?");
    remove.bind(1, id);
    if (remove.exec() == 0) return NotFound("model", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<ClientKey> SqliteRegistryStore::CreateKey(const ClientKey& key,
                                                         std::string_view secret_hash) {
  ClientKey created = key;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    if (absl::Status s = CheckKeyProvider(db, created.provider_id); !s.ok()) return s;
    SQLite::Statement insert(db,
                             "INSERT INTO client_keys (name, secret_hash, prefix, created_at_ms, "
                             "updated_at_ms) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, created.name);
    BindBlob(insert, 2, secret_hash);
    insert.bind(3, created.prefix);
    insert.bind(4, created.created_at_ms);
    insert.bind(5, created.updated_at_ms);
    insert.exec();
    created.id = db.getLastInsertRowid();
    StoreKey(db, created);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return created;
}

absl::StatusOr<ClientKey> SqliteRegistryStore::GetKey(int64_t id) {
  absl::StatusOr<ClientKey> out = NotFound("key", id);
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    out = LoadKey(db, id);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<Page<ClientKey>> SqliteRegistryStore::ListKeys(const PageCursor& cursor) {
  Page<ClientKey> page;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    SQLite::Statement query(db, absl::StrCat("SELECT ", kKeyColumns,
                                             " FROM client_keys WHERE id > ? ORDER BY id LIMIT ?"));
    query.bind(1, cursor.after_id);
    query.bind(2, cursor.limit + 1);
    page = ReadPage<ClientKey>(query, cursor, [](SQLite::Statement& row) { return ReadKey(row); });
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<ClientKey> SqliteRegistryStore::UpdateKey(int64_t id, MutateFn<ClientKey> mutate) {
  ClientKey key;
  absl::Status status = db_->Write([&](SQLite::Database& db) -> absl::Status {
    absl::StatusOr<ClientKey> current = LoadKey(db, id);
    if (!current.ok()) return current.status();
    key = *std::move(current);
    int64_t old_provider = key.provider_id;
    if (absl::Status s = mutate(key); !s.ok()) return s;
    key.id = id;
    if (key.provider_id != old_provider) {
      if (absl::Status s = CheckKeyProvider(db, key.provider_id); !s.ok()) return s;
    }
    StoreKey(db, key);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return key;
}

absl::Status SqliteRegistryStore::DeleteKey(int64_t id) {
  return db_->Write([&](SQLite::Database& db) -> absl::Status {
    SQLite::Statement remove(db, "DELETE FROM client_keys WHERE id = ?");
    remove.bind(1, id);
    if (remove.exec() == 0) return NotFound("key", id);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::pair<ClientKey, std::string>>> SqliteRegistryStore::FindKeyByHash(
    std::string_view secret_hash) {
  std::optional<std::pair<ClientKey, std::string>> out;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    SQLite::Statement query(db,
                            absl::StrCat("SELECT ", kKeyColumns,
                                         ", secret_hash FROM client_keys WHERE secret_hash = ?"));
    BindBlob(query, 1, secret_hash);
    if (query.executeStep()) out.emplace(ReadKey(query), query.getColumn(13).getString());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<RouteRow>> SqliteRegistryStore::ListRouteRows(
    std::optional<std::string_view> model) {
  std::vector<RouteRow> rows;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    std::string sql = absl::StrCat(
        "SELECT p.", absl::StrReplaceAll(kProviderColumns, {{", ", ", p."}}), ", m.",
        absl::StrReplaceAll(kModelColumns, {{", ", ", m."}}),
        " FROM models m JOIN providers p ON p.id = m.provider_id "
        "WHERE p.enabled = 1 AND m.enabled = 1",
        model.has_value() ? " AND m.name = ?" : "", " ORDER BY m.name, p.priority, p.id, m.id");
    SQLite::Statement query(db, sql);
    if (model.has_value()) query.bind(1, std::string(*model));
    while (query.executeStep()) rows.push_back({ReadProvider(query, 0), ReadModel(query, 11)});
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return rows;
}

absl::StatusOr<std::optional<std::string>> SqliteRegistryStore::GetSetting(std::string_view name) {
  std::optional<std::string> out;
  absl::Status status = db_->Read([&](SQLite::Database& db) {
    SQLite::Statement query(db, "SELECT value FROM registry_settings WHERE name = ?");
    query.bind(1, std::string(name));
    if (query.executeStep()) out = query.getColumn(0).getString();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::Status SqliteRegistryStore::PutSetting(std::string_view name, std::string_view value) {
  return db_->Write([&](SQLite::Database& db) {
    SQLite::Statement upsert(db,
                             "INSERT INTO registry_settings (name, value) VALUES (?, ?) "
                             "ON CONFLICT (name) DO UPDATE SET value = excluded.value");
    upsert.bind(1, std::string(name));
    BindBlob(upsert, 2, value);
    upsert.exec();
    return absl::OkStatus();
  });
}

}  // namespace nexus::registry
