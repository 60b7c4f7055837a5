#include "registry/store/key_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "registry/store/migrations.h"
#include "registry/store/sqlite_registry_store.h"
#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

using ::testing::HasSubstr;

constexpr char kUpstreamKey[] = "sk-live-Rotate0123456789abcdef";
constexpr char kClientSecret[] = "nx-ClientSecret0123456789abcdefghijklmnopq";
using testing_support::ReadFileBytes;

constexpr char kAdminToken[] = "nx-admin-Token0123456789abcdefghijklmnop";

crypto::KeyBytes KeyOf(unsigned char fill) {
  crypto::KeyBytes key;
  std::fill(key.data(), key.data() + key.size(), fill);
  return key;
}

class KeyMaterialTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.path() + "/registry.db"; }

  void Open() {
    store_.reset();
    auto store = SqliteRegistryStore::Open(DbPath());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A provider, a client key and the admin token, as the registry stores them with `ring`.
  void Populate(const crypto::KeyRing& ring) {
    Provider p;
    p.name = "openai";
    p.base_url = "https://api.example.com/v1";
    auto provider = store_->CreateProvider(p, [&](int64_t id) -> absl::StatusOr<std::string> {
      return ring.SealUpstreamKey(kUpstreamKey, id);
    });
    ASSERT_TRUE(provider.ok()) << provider.status();
    provider_id_ = provider->id;
    ClientKey key;
    key.name = "alice";
    key.prefix = "nx-Client";
    ASSERT_TRUE(store_->CreateKey(key, ring.HashClientSecret(kClientSecret)).ok());
    ASSERT_TRUE(store_->PutSetting("admin_token_hash", ring.HashAdminToken(kAdminToken)).ok());
  }

  // Everything stored opens with `ring`: the upstream key, the client key and the admin token.
  void ExpectWorksWith(const crypto::KeyRing& ring) {
    auto provider = store_->GetProvider(provider_id_);
    ASSERT_TRUE(provider.ok());
    absl::StatusOr<std::string> upstream =
        ring.OpenUpstreamKey(provider->sealed_api_key, provider_id_);
    ASSERT_TRUE(upstream.ok()) << upstream.status();
    EXPECT_EQ(*upstream, kUpstreamKey);
    auto found = store_->FindKeyByHash(ring.HashClientSecret(kClientSecret));
    ASSERT_TRUE(found.ok());
    EXPECT_TRUE(found->has_value()) << "client key no longer resolves";
    auto admin = store_->GetSetting("admin_token_hash");
    ASSERT_TRUE(admin.ok() && admin->has_value());
    EXPECT_TRUE(crypto::ConstantTimeEquals(**admin, ring.HashAdminToken(kAdminToken)));
  }

  std::string SealedUpstreamKey() { return store_->GetProvider(provider_id_)->sealed_api_key; }

  testing_support::TempDir dir_;
  std::unique_ptr<SqliteRegistryStore> store_;
  int64_t provider_id_ = 0;
};

TEST_F(KeyMaterialTest, NewDatabaseGetsRandomPeppersThatPersist) {
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::StatusOr<crypto::KeyRing> ring = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_TRUE(ring.ok()) << ring.status();
  ASSERT_NO_FATAL_FAILURE(Populate(*ring));
  EXPECT_NE(ring->HashClientSecret(kClientSecret),
            crypto::KeyRing(KeyOf(1)).HashClientSecret(kClientSecret))
      << "a new file's peppers are random, not derived from the master key";
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::StatusOr<crypto::KeyRing> again = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_TRUE(again.ok()) << again.status();
  ExpectWorksWith(*again);
}

TEST_F(KeyMaterialTest, AnotherMasterKeyIsRefusedWithTheFix) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_TRUE(OpenKeyRing(store_->database(), KeyOf(1)).ok());
  absl::StatusOr<crypto::KeyRing> wrong = OpenKeyRing(store_->database(), KeyOf(2));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(), HasSubstr("differs from the key this registry.db"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("NEXUS_MASTER_KEY_FILE"));
}

TEST_F(KeyMaterialTest, DatabaseFromBeforeSealedPeppersKeepsItsHashesAndRotates) {
  {
    // Schema version 1, as earlier releases wrote it: hashes peppered by the master key itself.
    auto v1 = sqlite::Database::Open(DbPath(), RegistryMigrations().first(1));
    ASSERT_TRUE(v1.ok()) << v1.status();
    store_ = std::make_unique<SqliteRegistryStore>(*std::move(v1));
    ASSERT_NO_FATAL_FAILURE(Populate(crypto::KeyRing(KeyOf(1))));
    ASSERT_TRUE(
        store_->PutSetting("master_key_check", crypto::KeyRing(KeyOf(1)).KeyCheckValue()).ok());
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(store_->database().schema_version(), 2);
  absl::StatusOr<crypto::KeyRing> ring = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_TRUE(ring.ok()) << ring.status();
  ExpectWorksWith(*ring);

  ASSERT_TRUE(RotateMasterKey(store_->database(), KeyOf(1), KeyOf(2)).ok());
  absl::StatusOr<crypto::KeyRing> rotated = OpenKeyRing(store_->database(), KeyOf(2));
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  ExpectWorksWith(*rotated);
}

TEST_F(KeyMaterialTest, RotationReencryptsEveryUpstreamKeyAndKeepsEveryHash) {
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::StatusOr<crypto::KeyRing> ring = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_TRUE(ring.ok());
  ASSERT_NO_FATAL_FAILURE(Populate(*ring));
  const std::string old_sealed = SealedUpstreamKey();

  absl::StatusOr<RotationReport> report = RotateMasterKey(store_->database(), KeyOf(1), KeyOf(2));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->upstream_keys, 1);
  ASSERT_NO_FATAL_FAILURE(Open());

  EXPECT_EQ(OpenKeyRing(store_->database(), KeyOf(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<crypto::KeyRing> rotated = OpenKeyRing(store_->database(), KeyOf(2));
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  ExpectWorksWith(*rotated);
  EXPECT_NE(SealedUpstreamKey(), old_sealed);
  EXPECT_FALSE(crypto::KeyRing(KeyOf(1)).OpenUpstreamKey(SealedUpstreamKey(), provider_id_).ok());

  // Neither the secret nor its old ciphertext is left anywhere in the files (free pages, WAL).
  store_.reset();
  std::string files = ReadFileBytes(DbPath()) + ReadFileBytes(DbPath() + "-wal");
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.find("sk-live"), std::string::npos);
  EXPECT_EQ(files.find(old_sealed.substr(1, 24)), std::string::npos) << "old nonce still there";
}

TEST_F(KeyMaterialTest, RotationWithTheWrongCurrentKeyChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::StatusOr<crypto::KeyRing> ring = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_NO_FATAL_FAILURE(Populate(*ring));
  const std::string sealed = SealedUpstreamKey();
  absl::StatusOr<RotationReport> report = RotateMasterKey(store_->database(), KeyOf(3), KeyOf(2));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("nothing was changed"));
  EXPECT_EQ(SealedUpstreamKey(), sealed);
  ASSERT_TRUE(OpenKeyRing(store_->database(), KeyOf(1)).ok());
  EXPECT_EQ(RotateMasterKey(store_->database(), KeyOf(1), KeyOf(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(KeyMaterialTest, RotationStopsAtAKeyThatDoesNotOpenAndChangesNothing) {
  ASSERT_NO_FATAL_FAILURE(Open());
  absl::StatusOr<crypto::KeyRing> ring = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_NO_FATAL_FAILURE(Populate(*ring));
  Provider second;
  second.name = "damaged";
  second.base_url = "https://damaged.example/v1";
  auto damaged = store_->CreateProvider(second, [&](int64_t id) -> absl::StatusOr<std::string> {
    std::string sealed = ring->SealUpstreamKey("sk-other", id);
    sealed.back() ^= 1;
    return sealed;
  });
  ASSERT_TRUE(damaged.ok());
  const std::string first_sealed = SealedUpstreamKey();

  absl::StatusOr<RotationReport> report = RotateMasterKey(store_->database(), KeyOf(1), KeyOf(2));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(report.status().message(), HasSubstr("provider " + std::to_string(damaged->id)));
  EXPECT_THAT(report.status().message(), HasSubstr("nothing was changed"));
  EXPECT_EQ(SealedUpstreamKey(), first_sealed) << "the first provider was rolled back";
  absl::StatusOr<crypto::KeyRing> still = OpenKeyRing(store_->database(), KeyOf(1));
  ASSERT_TRUE(still.ok()) << still.status();
  ExpectWorksWith(*still);
}

}  // namespace
}  // namespace nexus::registry
