// The auth caches against the real registry service (nexus_registry_lib) on a real gRPC server:
// the contract the gateway relies on, including revocation through the watch stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "absl/strings/str_cat.h"
#include "gateway/auth/authorize.h"
#include "gateway/auth/caching_admin_authenticator.h"
#include "gateway/auth/caching_key_resolver.h"
#include "gateway/auth/registry_route_table.h"
#include "gateway/auth/registry_watcher.h"
#include "registry/app/registry_app.h"
#include "services/grpc/channel_factory.h"
#include "services/grpc/server_runner.h"
#include "tests/gateway/auth/test_waits.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway {
namespace {

namespace v1 = nexus::registry::v1;
using testing::Eventually;
using ::testing::HasSubstr;

constexpr char kAdminToken[] = "admin-token-for-auth-tests-0123";

class RealRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry::RegistrySettings settings;
    settings.data_dir = dir_.path() + "/data";
    settings.master_key = std::string(64, 'a');  // 32 bytes as hex
    settings.admin_token = kAdminToken;
    log::Logger logger("registry", log::Level::kWarning,
                       std::make_shared<testing_support::CaptureSink>(),
                       std::make_shared<log::Redactor>());
    std::ostringstream announce;
    auto app = registry::RegistryApp::Open(settings, logger, announce);
    ASSERT_TRUE(app.ok()) << app.status();
    app_ = *std::move(app);
    auto runner =
        grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {app_->service()});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = *std::move(runner);
    stub_ = v1::Registry::NewStub(
        grpc_runtime::MakeChannel(absl::StrCat("127.0.0.1:", runner_->port())));

    v1::CreateProviderRequest provider;
    provider.set_name("alpha");
    provider.set_base_url("http://127.0.0.1:9/v1");
    provider.set_api_key("sk-upstream-alpha-secret");
    v1::Provider created_provider;
    ASSERT_TRUE(Call([&](grpc::ClientContext* c) {
      return stub_->CreateProvider(c, provider, &created_provider);
    }));
    provider_id_ = created_provider.id();
    AddModel("gpt-4o");
    v1::CreateKeyRequest key;
    key.set_name("alice");
    v1::CreateKeyResponse created_key;
    ASSERT_TRUE(
        Call([&](grpc::ClientContext* c) { return stub_->CreateKey(c, key, &created_key); }));
    key_id_ = created_key.key().id();
    secret_ = created_key.secret();

    resolver_ = std::make_unique<CachingKeyResolver>(stub_, clock_);
    routes_ = std::make_unique<RegistryRouteTable>(stub_);
    admin_ = std::make_unique<CachingAdminAuthenticator>(stub_, clock_);
    watcher_ = std::make_unique<RegistryWatcher>(stub_);
    watcher_->AddListener(resolver_.get());
    watcher_->AddListener(routes_.get());
    watcher_->AddListener(admin_.get());
    watcher_->Start();
    ASSERT_TRUE(watcher_->WaitUntilConnected(absl::Seconds(10)));
    ASSERT_TRUE(routes_->WaitForRevision(0, absl::Seconds(10)));
  }

  void TearDown() override {
    watcher_.reset();
    if (app_ != nullptr) app_->BeginShutdown();
    if (runner_ != nullptr) runner_->Shutdown(absl::Seconds(2));
  }

  template <typename Fn>
  bool Call(Fn fn) {
    grpc::ClientContext context;
    grpc_runtime::SetDeadline(context, absl::Seconds(5));
    const grpc::Status status = fn(&context);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return status.ok();
  }

  void AddModel(const std::string& name) {
    v1::CreateModelRequest model;
    model.set_provider_id(provider_id_);
    model.set_name(name);
    v1::Model created;
    ASSERT_TRUE(
        Call([&](grpc::ClientContext* c) { return stub_->CreateModel(c, model, &created); }));
  }

  absl::Status AuthorizeSecret(std::string_view model) {
    auto resolved = resolver_->Resolve(secret_);
    if (!resolved.ok()) return resolved.status();
    return Authorize((*resolved)->key, model, clock_.Now());
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_{absl::Now()};
  std::unique_ptr<registry::RegistryApp> app_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
  std::shared_ptr<v1::Registry::StubInterface> stub_;
  int64_t provider_id_ = 0;
  int64_t key_id_ = 0;
  std::string secret_;
  std::unique_ptr<CachingKeyResolver> resolver_;
  std::unique_ptr<RegistryRouteTable> routes_;
  std::unique_ptr<CachingAdminAuthenticator> admin_;
  std::unique_ptr<RegistryWatcher> watcher_;
};

TEST_F(RealRegistryTest, ResolvesAKeyAndRoutesItsModel) {
  auto resolved = resolver_->Resolve(secret_);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ((*resolved)->key.id(), key_id_);
  EXPECT_THAT((*resolved)->models, ::testing::ElementsAre("gpt-4o"));
  ASSERT_TRUE(AuthorizeSecret("gpt-4o").ok());
  auto routes = routes_->RoutesFor("gpt-4o", (*resolved)->key);
  ASSERT_TRUE(routes.ok()) << routes.status();
  ASSERT_EQ(routes->size(), 1u);
  EXPECT_EQ((*routes)[0].api_key(), "sk-upstream-alpha-secret");
  EXPECT_EQ((*routes)[0].base_url(), "http://127.0.0.1:9/v1");
}

TEST_F(RealRegistryTest, UnknownSecretIsUnauthenticated) {
  EXPECT_EQ(resolver_->Resolve("nx-not-a-real-key").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(resolver_->Resolve("garbage").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(RealRegistryTest, RevocationReachesTheCacheThroughTheWatchStream) {
  ASSERT_TRUE(AuthorizeSecret("gpt-4o").ok());
  v1::RevokeKeyRequest revoke;
  revoke.set_id(key_id_);
  v1::ClientKey revoked;
  ASSERT_TRUE(Call([&](grpc::ClientContext* c) { return stub_->RevokeKey(c, revoke, &revoked); }));
  // The fake clock stands still, so only the change event can end the cached answer.
  ASSERT_TRUE(Eventually([&] { return !AuthorizeSecret("gpt-4o").ok(); }));
  const absl::Status status = AuthorizeSecret("gpt-4o");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(status.message()), HasSubstr("revoked"));
}

TEST_F(RealRegistryTest, DisablingTakesEffectThroughTheWatchStream) {
  ASSERT_TRUE(AuthorizeSecret("gpt-4o").ok());
  v1::UpdateKeyRequest update;
  update.set_id(key_id_);
  update.set_enabled(false);
  v1::ClientKey updated;
  ASSERT_TRUE(Call([&](grpc::ClientContext* c) { return stub_->UpdateKey(c, update, &updated); }));
  ASSERT_TRUE(Eventually([&] { return !AuthorizeSecret("gpt-4o").ok(); }));
  EXPECT_THAT(std::string(AuthorizeSecret("gpt-4o").message()), HasSubstr("disabled"));
}

TEST_F(RealRegistryTest, NewModelIsRoutedAfterItsEvent) {
  v1::ClientKey any;
  any.set_enabled(true);
  EXPECT_EQ(routes_->RoutesFor("llama-3", any).status().code(), absl::StatusCode::kNotFound);
  AddModel("llama-3");
  ASSERT_TRUE(Eventually([&] { return routes_->RoutesFor("llama-3", any).ok(); }));
  auto models = routes_->ModelsFor(any);
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(models->size(), 2u);
  EXPECT_EQ((*models)[1].id, "llama-3");
}

TEST_F(RealRegistryTest, AdminTokenIsCheckedAndClientKeysAreRefused) {
  EXPECT_TRUE(admin_->Check(kAdminToken).ok());
  EXPECT_EQ(admin_->Check(secret_).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(admin_->Check("wrong-admin-token-xyz").code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace nexus::gateway
