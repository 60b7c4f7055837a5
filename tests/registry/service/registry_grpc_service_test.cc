#include "registry/service/registry_grpc_service.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "registry/store/sqlite_registry_store.h"
#include "services/grpc/server_runner.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::registry {
namespace {

namespace pb = nexus::registry::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

crypto::KeyBytes TestKey() {
  crypto::KeyBytes key;
  std::fill(key.data(), key.data() + key.size(), 5);
  return key;
}

class RegistryGrpcServiceTest : public ::testing::Test {
 protected:
  RegistryGrpcServiceTest()
      : keys_(TestKey()),
        store_(*SqliteRegistryStore::Open(dir_.path() + "/registry.db")),
        registry_(*store_, keys_, clock_, hub_),
        service_(registry_, hub_,
                 log::Logger("test", log::Level::kDebug,
                             std::make_shared<testing_support::CaptureSink>(),
                             std::make_shared<log::Redactor>()),
                 absl::Milliseconds(20)) {
    auto runner = grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service_});
    EXPECT_TRUE(runner.ok()) << runner.status();
    runner_ = *std::move(runner);
    stub_ = pb::Registry::NewStub(runner_->InProcessChannel());
  }
  ~RegistryGrpcServiceTest() override {
    hub_.Close();
    runner_->Shutdown(absl::Seconds(2));
  }

  std::unique_ptr<grpc::ClientContext> Call() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  pb::Provider AddProvider(const std::string& name, const std::string& api_key) {
    pb::CreateProviderRequest request;
    request.set_name(name);
    request.set_base_url("http://127.0.0.1:9/v1");
    request.set_api_key(api_key);
    pb::Provider provider;
    grpc::Status status = stub_->CreateProvider(Call().get(), request, &provider);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return provider;
  }

  pb::Model AddModel(int64_t provider_id, const std::string& name) {
    pb::CreateModelRequest request;
    request.set_provider_id(provider_id);
    request.set_name(name);
    pb::Model model;
    EXPECT_TRUE(stub_->CreateModel(Call().get(), request, &model).ok());
    return model;
  }

  pb::CreateKeyResponse AddKey() {
    pb::CreateKeyRequest request;
    request.set_name("team");
    pb::CreateKeyResponse response;
    EXPECT_TRUE(stub_->CreateKey(Call().get(), request, &response).ok());
    return response;
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_;
  crypto::KeyRing keys_;
  std::unique_ptr<SqliteRegistryStore> store_;
  ChangeHub hub_;
  Registry registry_;
  RegistryGrpcService service_;
  std::unique_ptr<grpc_runtime::ServerRunner> runner_;
  std::unique_ptr<pb::Registry::Stub> stub_;
};

TEST_F(RegistryGrpcServiceTest, CrudOverTheWireNeverReturnsTheUpstreamKey) {
  pb::Provider provider = AddProvider("openai", "sk-live-XYZ0000000000");
  EXPECT_EQ(provider.api_key_hint(), "sk-...0000");
  EXPECT_TRUE(provider.enabled()) << "enabled defaults to true";
  EXPECT_TRUE(provider.stream_usage());
  pb::GetProviderRequest get;
  get.set_id(provider.id());
  pb::Provider fetched;
  ASSERT_TRUE(stub_->GetProvider(Call().get(), get, &fetched).ok());
  EXPECT_EQ(fetched.DebugString().find("XYZ"), std::string::npos);

  pb::Model model = AddModel(provider.id(), "gpt-4o");
  EXPECT_EQ(model.upstream_name(), "gpt-4o");
  pb::ListModelsRequest list;
  list.set_provider_id(provider.id());
  pb::ListModelsResponse models;
  ASSERT_TRUE(stub_->ListModels(Call().get(), list, &models).ok());
  ASSERT_EQ(models.models_size(), 1);

  pb::DeleteProviderRequest remove;
  remove.set_id(provider.id());
  pb::DeleteResponse removed;
  ASSERT_TRUE(stub_->DeleteProvider(Call().get(), remove, &removed).ok());
  pb::GetModelRequest get_model;
  get_model.set_id(model.id());
  pb::Model gone;
  EXPECT_EQ(stub_->GetModel(Call().get(), get_model, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryGrpcServiceTest, BadRequestsGetPreciseCodesNamingTheField) {
  pb::CreateProviderRequest request;
  request.set_name("x");
  request.set_base_url("file:///etc/passwd");
  pb::Provider provider;
  grpc::Status status = stub_->CreateProvider(Call().get(), request, &provider);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "base_url: must start with http:// or https://");

  AddProvider("dup", "");
  request.set_name("dup");
  request.set_base_url("https://example.com/v1");
  status = stub_->CreateProvider(Call().get(), request, &provider);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("name: "));

  pb::CreateModelRequest model;
  model.set_provider_id(12345);
  model.set_name("m");
  pb::Model created;
  status = stub_->CreateModel(Call().get(), model, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("provider_id: "));

  pb::ListKeysRequest list;
  list.set_page_token("not-a-token");
  pb::ListKeysResponse keys;
  status = stub_->ListKeys(Call().get(), list, &keys);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token: "));
}

TEST_F(RegistryGrpcServiceTest, PaginationHandsOutOpaqueTokensUntilTheEnd) {
  for (int i = 0; i < 5; ++i) AddProvider("p" + std::to_string(i), "");
  pb::ListProvidersRequest request;
  request.set_page_size(2);
  std::vector<std::string> names;
  for (int guard = 0; guard < 10; ++guard) {
    pb::ListProvidersResponse page;
    ASSERT_TRUE(stub_->ListProviders(Call().get(), request, &page).ok());
    for (const auto& p : page.providers()) names.push_back(p.name());
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_THAT(names, ElementsAre("p0", "p1", "p2", "p3", "p4"));
}

TEST_F(RegistryGrpcServiceTest, ResolveKeyReturnsRoutesWithDecryptedKey) {
  pb::Provider provider = AddProvider("openai", "sk-live-route0000000");
  AddModel(provider.id(), "gpt-4o");
  pb::CreateKeyResponse key = AddKey();
  EXPECT_TRUE(key.secret().starts_with(key.key().prefix()));

  pb::ResolveKeyRequest request;
  request.set_secret(key.secret());
  request.set_model("gpt-4o");
  pb::ResolveKeyResponse response;
  ASSERT_TRUE(stub_->ResolveKey(Call().get(), request, &response).ok());
  EXPECT_EQ(response.key().id(), key.key().id());
  ASSERT_EQ(response.routes_size(), 1);
  EXPECT_EQ(response.routes(0).api_key(), "sk-live-route0000000");
  EXPECT_EQ(response.routes(0).base_url(), "http://127.0.0.1:9/v1");
  EXPECT_THAT(response.models(), ElementsAre("gpt-4o"));

  request.set_secret("nx-wrongwrongwrongwrong");
  grpc::Status status = stub_->ResolveKey(Call().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), "invalid API key");

  pb::ListRoutesResponse routes;
  ASSERT_TRUE(stub_->ListRoutes(Call().get(), pb::ListRoutesRequest(), &routes).ok());
  EXPECT_EQ(routes.routes_size(), 1);
  EXPECT_EQ(routes.revision(), hub_.revision());
}

TEST_F(RegistryGrpcServiceTest, CheckAdminTokenAnswersValidity) {
  ASSERT_TRUE(registry_.SetAdminToken("nx-admin-abcdefghijklmnop").ok());
  pb::CheckAdminTokenRequest request;
  pb::CheckAdminTokenResponse response;
  request.set_token("nx-admin-abcdefghijklmnop");
  ASSERT_TRUE(stub_->CheckAdminToken(Call().get(), request, &response).ok());
  EXPECT_TRUE(response.valid());
  request.set_token("nx-admin-abcdefghijklmnoX");
  ASSERT_TRUE(stub_->CheckAdminToken(Call().get(), request, &response).ok());
  EXPECT_FALSE(response.valid());
}

TEST_F(RegistryGrpcServiceTest, WatchStartsWithResetAndReportsRevokeAndDisable) {
  pb::CreateKeyResponse key = AddKey();
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto reader = stub_->Watch(&context, pb::WatchRequest());
  pb::ChangeEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.kind(), pb::ChangeEvent::KIND_RESET);
  int64_t reset_revision = event.revision();

  pb::UpdateKeyRequest disable;
  disable.set_id(key.key().id());
  disable.set_enabled(false);
  pb::ClientKey updated;
  ASSERT_TRUE(stub_->UpdateKey(Call().get(), disable, &updated).ok());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.kind(), pb::ChangeEvent::KIND_KEY);
  EXPECT_EQ(event.op(), pb::ChangeEvent::OP_UPDATED);
  EXPECT_EQ(event.id(), key.key().id());
  EXPECT_EQ(event.revision(), reset_revision + 1);

  pb::RevokeKeyRequest revoke;
  revoke.set_id(key.key().id());
  ASSERT_TRUE(stub_->RevokeKey(Call().get(), revoke, &updated).ok());
  EXPECT_TRUE(updated.revoked());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.id(), key.key().id());
  EXPECT_EQ(event.revision(), reset_revision + 2);

  hub_.Close();
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(RegistryGrpcServiceTest, ShutdownWithOpenWatchFinishesWithinItsDeadline) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->Watch(&context, pb::WatchRequest());
  pb::ChangeEvent event;
  ASSERT_TRUE(reader->Read(&event));
  // Without closing the hub first: the server deadline must cancel the stream by itself.
  runner_->Shutdown(absl::Milliseconds(100));
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_FALSE(reader->Finish().ok());
}

}  // namespace
}  // namespace nexus::registry
