#include "registry/store/sqlite_registry_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SqliteRegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    auto store = SqliteRegistryStore::Open(dir_.path() + "/registry.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  Provider AddProvider(const std::string& name, int32_t priority = 0) {
    Provider p;
    p.name = name;
    p.base_url = "https://" + name + ".example/v1";
    p.priority = priority;
    p.created_at_ms = p.updated_at_ms = 1000;
    auto created = store_->CreateProvider(p, [](int64_t id) -> absl::StatusOr<std::string> {
      return "sealed-" + std::to_string(id);
    });
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Provider{});
  }

  Model AddModel(int64_t provider_id, const std::string& name) {
    Model m;
    m.provider_id = provider_id;
    m.name = name;
    m.upstream_name = name + "-up";
    auto created = store_->CreateModel(m);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.value_or(Model{});
  }

  testing_support::TempDir dir_;
  std::unique_ptr<SqliteRegistryStore> store_;
};

TEST_F(SqliteRegistryStoreTest, ProviderCrudKeepsSealedKeyBoundToItsId) {
  Provider created = AddProvider("alpha");
  ASSERT_GT(created.id, 0);
  EXPECT_EQ(created.sealed_api_key, "sealed-" + std::to_string(created.id));

  auto updated = store_->UpdateProvider(created.id, [](Provider& p) {
    p.description = "changed";
    p.enabled = false;
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  auto fetched = store_->GetProvider(created.id);
  ASSERT_TRUE(fetched.ok());
  EXPECT_EQ(fetched->description, "changed");
  EXPECT_FALSE(fetched->enabled);
  EXPECT_EQ(fetched->sealed_api_key, created.sealed_api_key);

  ASSERT_TRUE(store_->DeleteProvider(created.id).ok());
  EXPECT_EQ(store_->GetProvider(created.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteProvider(created.id).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteRegistryStoreTest, FailedMutationOrSealChangesNothing) {
  Provider created = AddProvider("alpha");
  auto failed = store_->UpdateProvider(created.id, [](Provider& p) {
    p.name = "renamed";
    return absl::InvalidArgumentError("name: no");
  });
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetProvider(created.id)->name, "alpha");

  Provider other;
  other.name = "beta";
  auto not_sealed = store_->CreateProvider(
      other, [](int64_t) -> absl::StatusOr<std::string> { return absl::InternalError("boom"); });
  EXPECT_FALSE(not_sealed.ok());
  EXPECT_EQ(store_->ListProviders({})->items.size(), 1u);
}

TEST_F(SqliteRegistryStoreTest, NamesAreUniqueWhereTheyMustBe) {
  Provider a = AddProvider("alpha");
  Provider b = AddProvider("beta");
  Provider dup;
  dup.name = "alpha";
  auto created = store_->CreateProvider(
      dup, [](int64_t) -> absl::StatusOr<std::string> { return std::string("x"); });
  EXPECT_EQ(created.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(created.status().message(), HasSubstr("name: a provider named 'alpha'"));
  auto renamed = store_->UpdateProvider(b.id, [](Provider& p) {
    p.name = "alpha";
    return absl::OkStatus();
  });
  EXPECT_EQ(renamed.status().code(), absl::StatusCode::kAlreadyExists);

  // The same model name under two providers is fine; twice under one is not.
  AddModel(a.id, "gpt-4o");
  AddModel(b.id, "gpt-4o");
  Model again;
  again.provider_id = a.id;
  again.name = "gpt-4o";
  again.upstream_name = "gpt-4o";
  auto dup_model = store_->CreateModel(again);
  EXPECT_EQ(dup_model.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(dup_model.status().message(), HasSubstr("already has a model named 'gpt-4o'"));
}

TEST_F(SqliteRegistryStoreTest, ModelsNeedAnExistingProviderAndGoWithIt) {
  Model orphan;
  orphan.provider_id = 99;
  orphan.name = "m";
  orphan.upstream_name = "m";
  auto created = store_->CreateModel(orphan);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(created.status().message(), HasSubstr("provider_id: provider 99 not found"));

  Provider p = AddProvider("alpha");
  Provider q = AddProvider("beta");
  Model m1 = AddModel(p.id, "one");
  Model m2 = AddModel(p.id, "two");
  Model m3 = AddModel(q.id, "three");
  auto deleted = store_->DeleteProvider(p.id);
  ASSERT_TRUE(deleted.ok());
  EXPECT_THAT(*deleted, ElementsAre(m1.id, m2.id));
  EXPECT_EQ(store_->GetModel(m1.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetModel(m3.id).ok());
  EXPECT_EQ(store_->ListModels(p.id, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteRegistryStoreTest, PagesWalkEveryRowOnceInIdOrder) {
  for (int i = 0; i < 7; ++i) AddProvider("p" + std::to_string(i));
  std::vector<std::string> seen;
  PageCursor cursor{.after_id = 0, .limit = 3};
  int pages = 0;
  while (true) {
    auto page = store_->ListProviders(cursor);
    ASSERT_TRUE(page.ok());
    ++pages;
    for (const Provider& p : page->items) seen.push_back(p.name);
    if (page->next_page_token.empty()) break;
    cursor.after_id = std::stoll(page->next_page_token);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(seen, ElementsAre("p0", "p1", "p2", "p3", "p4", "p5", "p6"));
}

TEST_F(SqliteRegistryStoreTest, KeysRoundTripAndAreFoundByHash) {
  Provider p = AddProvider("alpha");
  ClientKey key;
  key.name = "team";
  key.prefix = "nx-abcdef";
  key.allowed_models = {"a", "b"};
  key.provider_id = p.id;
  key.expires_at_ms = 5000;
  key.requests_per_minute = 60;
  key.max_concurrency = 4;
  auto created = store_->CreateKey(key, "hash-1");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(store_->CreateKey(key, "hash-1").status().code(), absl::StatusCode::kAlreadyExists);

  auto found = store_->FindKeyByHash("hash-1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->second, "hash-1");
  const ClientKey& k = (*found)->first;
  EXPECT_EQ(k.name, "team");
  EXPECT_THAT(k.allowed_models, ElementsAre("a", "b"));
  EXPECT_EQ(k.provider_id, p.id);
  EXPECT_EQ(k.requests_per_minute, 60);
  EXPECT_EQ(k.max_concurrency, 4);
  EXPECT_FALSE(store_->FindKeyByHash("hash-2")->has_value());

  ClientKey bad = key;
  bad.provider_id = 77;
  EXPECT_EQ(store_->CreateKey(bad, "hash-3").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteRegistryStoreTest, RouteRowsAreEnabledOnlyAndOrdered) {
  Provider slow = AddProvider("slow", 5);
  Provider fast = AddProvider("fast", 1);
  Provider off = AddProvider("off", 0);
  ASSERT_TRUE(store_
                  ->UpdateProvider(off.id,
                                   [](Provider& p) {
                                     p.enabled = false;
                                     return absl::OkStatus();
                                   })
                  .ok());
  AddModel(slow.id, "gpt");
  AddModel(fast.id, "gpt");
  AddModel(off.id, "gpt");
  Model hidden = AddModel(fast.id, "hidden");
  ASSERT_TRUE(store_
                  ->UpdateModel(hidden.id,
                                [](Model& m) {
                                  m.enabled = false;
                                  return absl::OkStatus();
                                })
                  .ok());
  AddModel(slow.id, "another");

  auto rows = store_->ListRouteRows(std::nullopt);
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> order;
  for (const RouteRow& r : *rows) order.push_back(r.model.name + "@" + r.provider.name);
  EXPECT_THAT(order, ElementsAre("another@slow", "gpt@fast", "gpt@slow"));
  auto gpt = store_->ListRouteRows("gpt");
  ASSERT_TRUE(gpt.ok());
  EXPECT_EQ(gpt->size(), 2u);
  EXPECT_EQ((*gpt)[0].provider.sealed_api_key, "sealed-" + std::to_string(fast.id));
}

TEST_F(SqliteRegistryStoreTest, EverythingSurvivesReopening) {
  Provider p = AddProvider("alpha");
  Model m = AddModel(p.id, "gpt");
  ClientKey key;
  key.name = "k";
  key.prefix = "nx-123456";
  ASSERT_TRUE(store_->CreateKey(key, "h").ok());
  ASSERT_TRUE(store_->PutSetting("admin_token_hash", std::string("\0\1\2", 3)).ok());
  Reopen();
  EXPECT_EQ(store_->GetProvider(p.id)->sealed_api_key, p.sealed_api_key);
  EXPECT_EQ(store_->GetModel(m.id)->upstream_name, "gpt-up");
  EXPECT_TRUE(store_->FindKeyByHash("h")->has_value());
  EXPECT_EQ(store_->GetSetting("admin_token_hash")->value_or(""), std::string("\0\1\2", 3));
  EXPECT_FALSE(store_->GetSetting("missing")->has_value());
}

}  // namespace
}  // namespace nexus::registry
