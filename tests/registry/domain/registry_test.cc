#include "registry/domain/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "registry/store/sqlite_registry_store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

crypto::KeyBytes KeyOf(unsigned char fill) {
  crypto::KeyBytes key;
  std::fill(key.data(), key.data() + key.size(), fill);
  return key;
}

struct Change {
  ChangeKind kind;
  ChangeOp op;
  int64_t id;
  bool operator==(const Change&) const = default;
};

class RecordingSink : public ChangeSink {
 public:
  void Publish(ChangeKind kind, ChangeOp op, int64_t id) override {
    changes.push_back({kind, op, id});
  }
  std::vector<Change> changes;
};

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() : keys_(KeyOf(1)) {
    store_ = *SqliteRegistryStore::Open(dir_.path() + "/registry.db");
    registry_ = std::make_unique<Registry>(*store_, keys_, clock_, sink_);
  }

  Provider MakeProvider(const std::string& name, const std::string& api_key, int32_t priority = 0) {
    NewProvider request;
    request.name = name;
    request.base_url = "https://" + name + ".example/v1/";
    request.api_key = api_key;
    request.priority = priority;
    auto created = registry_->CreateProvider(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Provider{});
  }

  Model MakeModel(int64_t provider_id, const std::string& name, const std::string& upstream = "") {
    Model request;
    request.provider_id = provider_id;
    request.name = name;
    request.upstream_name = upstream;
    auto created = registry_->CreateModel(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Model{});
  }

  CreatedKey MakeKey(std::vector<std::string> models = {}, int64_t provider_id = 0) {
    NewKey request;
    request.name = "team";
    request.allowed_models = std::move(models);
    request.provider_id = provider_id;
    auto created = registry_->CreateKey(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(CreatedKey{});
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_;
  crypto::KeyRing keys_;
  RecordingSink sink_;
  std::unique_ptr<SqliteRegistryStore> store_;
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistryTest, ProviderKeyIsSealedHintedAndDecryptedOnlyInRoutes) {
  Provider p = MakeProvider("openai", "sk-live-XYZ1234567890");
  EXPECT_EQ(p.base_url, "https://openai.example/v1");
  EXPECT_EQ(p.api_key_hint, "sk-...7890");
  EXPECT_EQ(p.sealed_api_key.find("XYZ"), std::string::npos);
  EXPECT_EQ(p.created_at_ms, absl::ToUnixMillis(clock_.Now()));
  MakeModel(p.id, "gpt-4o");
  auto routes = registry_->ListRoutes();
  ASSERT_TRUE(routes.ok()) << routes.status();
  ASSERT_EQ(routes->size(), 1u);
  EXPECT_EQ((*routes)[0].api_key, "sk-live-XYZ1234567890");
  EXPECT_EQ((*routes)[0].upstream_model, "gpt-4o") << "upstream name defaults to the name";
}

TEST_F(RegistryTest, SwappedCiphertextsFailToDecryptWithAClearError) {
  Provider a = MakeProvider("a", "sk-live-aaaaaaaaaaaa");
  Provider b = MakeProvider("b", "sk-live-bbbbbbbbbbbb");
  MakeModel(a.id, "m");
  // An attacker with write access to the file swaps the two sealed keys.
  ASSERT_TRUE(store_->database()
                  .Write([&](SQLite::Database& db) {
                    db.exec("UPDATE providers SET api_key_sealed = CASE id WHEN " +
                            std::to_string(a.id) +
                            " THEN (SELECT api_key_sealed FROM providers "
                            "WHERE id = " +
                            std::to_string(b.id) +
                            ") ELSE (SELECT api_key_sealed "
                            "FROM providers WHERE id = " +
                            std::to_string(a.id) + ") END");
                    return absl::OkStatus();
                  })
                  .ok());
  auto routes = registry_->ListRoutes();
  ASSERT_FALSE(routes.ok());
  EXPECT_EQ(routes.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(routes.status().message(), HasSubstr("cannot be decrypted"));
}

TEST_F(RegistryTest, UpdateReplacesKeyAndValidatesTheWholeRow) {
  Provider p = MakeProvider("openai", "sk-live-old0000000000");
  ProviderPatch patch;
  patch.api_key = "sk-live-new1111111111";
  patch.priority = 3;
  auto updated = registry_->UpdateProvider(p.id, patch);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->api_key_hint, "sk-...1111");
  EXPECT_EQ(updated->priority, 3);
  MakeModel(p.id, "m");
  EXPECT_EQ((*registry_->ListRoutes())[0].api_key, "sk-live-new1111111111");

  ProviderPatch bad;
  bad.base_url = "gopher://x";
  auto refused = registry_->UpdateProvider(p.id, bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("base_url: must start with http://"));
  EXPECT_EQ(registry_->UpdateProvider(999, patch).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_->UpdateProvider(0, patch).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RegistryTest, ResolveKeyFiltersByAllowListAndProviderAndOrdersByPriority) {
  Provider backup = MakeProvider("backup", "sk-backup-000000", 10);
  Provider primary = MakeProvider("primary", "sk-primary-00000", 1);
  Provider tie = MakeProvider("tie", "sk-tie-000000000", 10);
  MakeModel(backup.id, "gpt-4o");
  MakeModel(primary.id, "gpt-4o", "gpt-4o-2024-08-06");
  MakeModel(tie.id, "gpt-4o");
  MakeModel(primary.id, "mini");
  MakeModel(tie.id, "llama");

  CreatedKey open = MakeKey();
  auto all = registry_->ResolveKey(open.secret, "gpt-4o");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(all->models, ElementsAre("gpt-4o", "llama", "mini"));
  std::vector<std::string> order;
  for (const Route& r : all->routes) order.push_back(r.provider_name);
  EXPECT_THAT(order, ElementsAre("primary", "backup", "tie"));
  EXPECT_EQ(all->routes[0].upstream_model, "gpt-4o-2024-08-06");
  EXPECT_EQ(all->routes[0].api_key, "sk-primary-00000");

  CreatedKey limited = MakeKey({"gpt-4o", "mini"}, backup.id);
  auto some = registry_->ResolveKey(limited.secret, "gpt-4o");
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(some->models, ElementsAre("gpt-4o"));
  ASSERT_EQ(some->routes.size(), 1u);
  EXPECT_EQ(some->routes[0].provider_id, backup.id);
  EXPECT_THAT(registry_->ResolveKey(limited.secret, "llama")->routes, IsEmpty());
  EXPECT_THAT(registry_->ResolveKey(open.secret, "")->routes, IsEmpty());
}

TEST_F(RegistryTest, DisabledProvidersAndModelsDisappearFromRoutes) {
  Provider p = MakeProvider("p", "sk-p-000000000000");
  Model m = MakeModel(p.id, "gpt");
  CreatedKey key = MakeKey();
  ModelPatch off;
  off.enabled = false;
  ASSERT_TRUE(registry_->UpdateModel(m.id, off).ok());
  EXPECT_THAT(registry_->ResolveKey(key.secret, "gpt")->models, IsEmpty());
  off.enabled = true;
  ASSERT_TRUE(registry_->UpdateModel(m.id, off).ok());
  ProviderPatch provider_off;
  provider_off.enabled = false;
  ASSERT_TRUE(registry_->UpdateProvider(p.id, provider_off).ok());
  EXPECT_THAT(registry_->ResolveKey(key.secret, "gpt")->routes, IsEmpty());
}

TEST_F(RegistryTest, UnknownSecretsAreUnauthenticatedButRevokedKeysResolveAsStored) {
  for (std::string secret : {"", "sk-not-ours", "nx-unknownunknownunknown"}) {
    auto resolved = registry_->ResolveKey(secret, "");
    EXPECT_EQ(resolved.status().code(), absl::StatusCode::kUnauthenticated) << secret;
    EXPECT_EQ(resolved.status().message(), "invalid API key");
  }
  CreatedKey key = MakeKey();
  EXPECT_TRUE(key.secret.starts_with(key.key.prefix));
  KeyPatch disable;
  disable.enabled = false;
  ASSERT_TRUE(registry_->UpdateKey(key.key.id, disable).ok());
  auto revoked = registry_->RevokeKey(key.key.id);
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked->revoked);
  EXPECT_EQ(revoked->revoked_at_ms, absl::ToUnixMillis(clock_.Now()));
  auto resolved = registry_->ResolveKey(key.secret, "");
  ASSERT_TRUE(resolved.ok());
  EXPECT_TRUE(resolved->key.revoked);
  EXPECT_FALSE(resolved->key.enabled);

  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(registry_->RevokeKey(key.key.id)->revoked_at_ms, revoked->revoked_at_ms);
  KeyPatch enable;
  enable.enabled = true;
  auto refused = registry_->UpdateKey(key.key.id, enable);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("revocation is permanent"));
}

TEST_F(RegistryTest, KeyCreationValidatesProviderAndExpiry) {
  NewKey request;
  request.name = "k";
  request.provider_id = 42;
  EXPECT_THAT(registry_->CreateKey(request).status().message(),
              HasSubstr("provider_id: provider 42 not found"));
  request.provider_id = 0;
  request.expires_at_ms = absl::ToUnixMillis(clock_.Now()) - 1;
  EXPECT_THAT(registry_->CreateKey(request).status().message(),
              HasSubstr("expires_at_ms: is in the past"));
  request.name = "";
  EXPECT_THAT(registry_->CreateKey(request).status().message(), HasSubstr("name: must not be"));
}

TEST_F(RegistryTest, EveryCommittedChangeIsPublishedAndFailuresAreNot) {
  Provider p = MakeProvider("p", "");
  Model m = MakeModel(p.id, "gpt");
  CreatedKey key = MakeKey();
  ASSERT_TRUE(registry_->RevokeKey(key.key.id).ok());
  EXPECT_FALSE(registry_->CreateModel(Model{}).ok());
  ASSERT_TRUE(registry_->DeleteProvider(p.id).ok());
  ASSERT_TRUE(registry_->DeleteKey(key.key.id).ok());
  EXPECT_THAT(sink_.changes, ElementsAre(Change{ChangeKind::kProvider, ChangeOp::kCreated, p.id},
                                         Change{ChangeKind::kModel, ChangeOp::kCreated, m.id},
                                         Change{ChangeKind::kKey, ChangeOp::kCreated, key.key.id},
                                         Change{ChangeKind::kKey, ChangeOp::kUpdated, key.key.id},
                                         Change{ChangeKind::kModel, ChangeOp::kDeleted, m.id},
                                         Change{ChangeKind::kProvider, ChangeOp::kDeleted, p.id},
                                         Change{ChangeKind::kKey, ChangeOp::kDeleted, key.key.id}));
}

TEST_F(RegistryTest, AdminTokenIsStoredHashedAndCheckedExactly) {
  EXPECT_FALSE(*registry_->HasAdminToken());
  EXPECT_FALSE(*registry_->CheckAdminToken("anything-at-all-123"));
  EXPECT_FALSE(registry_->SetAdminToken("short").ok());
  ASSERT_TRUE(registry_->SetAdminToken("nx-admin-0123456789abcdef").ok());
  EXPECT_TRUE(*registry_->HasAdminToken());
  EXPECT_TRUE(*registry_->CheckAdminToken("nx-admin-0123456789abcdef"));
  EXPECT_FALSE(*registry_->CheckAdminToken("nx-admin-0123456789abcdeF"));
  EXPECT_FALSE(*registry_->CheckAdminToken(""));
  EXPECT_NE(store_->GetSetting("admin_token_hash")->value_or(""), "nx-admin-0123456789abcdef");
}

TEST_F(RegistryTest, AnotherMasterKeyIsRefusedAtStart) {
  ASSERT_TRUE(registry_->VerifyMasterKey().ok());
  ASSERT_TRUE(registry_->VerifyMasterKey().ok());
  crypto::KeyRing other(KeyOf(2));
  Registry wrong(*store_, other, clock_, sink_);
  absl::Status status = wrong.VerifyMasterKey();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("master key: differs"));
}

}  // namespace
}  // namespace nexus::registry
