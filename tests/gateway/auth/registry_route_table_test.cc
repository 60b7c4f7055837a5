#include "gateway/auth/registry_route_table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/gateway/auth/fake_registry_service.h"
#include "tests/gateway/auth/test_waits.h"

namespace nexus::gateway {
namespace {

using nexus::registry::v1::ChangeEvent;
using nexus::registry::v1::ClientKey;
using nexus::registry::v1::Route;
using ::testing::ElementsAre;
using testing::FakeRegistryServer;
using ::testing::HasSubstr;

Route MakeRoute(int64_t provider_id, const std::string& provider, const std::string& model,
                int32_t priority) {
  Route route;
  route.set_provider_id(provider_id);
  route.set_provider_name(provider);
  route.set_base_url("http://127.0.0.1:9/v1");
  route.set_model(model);
  route.set_upstream_model(model + "-upstream");
  route.set_api_key("sk-upstream-" + provider);
  route.set_priority(priority);
  return route;
}

std::vector<std::string> Providers(const std::vector<Route>& routes) {
  std::vector<std::string> names;
  for (const Route& route : routes) names.push_back(route.provider_name());
  return names;
}

ClientKey AnyKey() {
  ClientKey key;
  key.set_id(1);
  key.set_enabled(true);
  return key;
}

class RegistryRouteTableTest : public ::testing::Test {
 protected:
  RegistryRouteTableTest() {
    // Ordered by model, then priority, as ListRoutes answers.
    server_.service().SetRoutes(
        {MakeRoute(1, "alpha", "gpt-4o", 0), MakeRoute(2, "beta", "gpt-4o", 5),
         MakeRoute(2, "beta", "llama-3", 0)},
        1);
  }

  FakeRegistryServer server_;
};

TEST_F(RegistryRouteTableTest, ServesRoutesBestFirst) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  auto routes = table.RoutesFor("gpt-4o", AnyKey());
  ASSERT_TRUE(routes.ok()) << routes.status();
  EXPECT_THAT(Providers(*routes), ElementsAre("alpha", "beta"));
  EXPECT_EQ((*routes)[0].upstream_model(), "gpt-4o-upstream");
}

TEST_F(RegistryRouteTableTest, UnknownModelIsNotFoundInOpenAiWords) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  const absl::Status status = table.RoutesFor("gpt-5", AnyKey()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(status.message()),
            "The model `gpt-5` does not exist or you do not have access to it.");
}

TEST_F(RegistryRouteTableTest, ProviderRestrictionFilters) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  ClientKey key = AnyKey();
  key.set_provider_id(2);
  auto routes = table.RoutesFor("gpt-4o", key);
  ASSERT_TRUE(routes.ok());
  EXPECT_THAT(Providers(*routes), ElementsAre("beta"));
  key.set_provider_id(1);
  EXPECT_EQ(table.RoutesFor("llama-3", key).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryRouteTableTest, AllowListFilters) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  ClientKey key = AnyKey();
  key.add_allowed_models("llama-3");
  EXPECT_TRUE(table.RoutesFor("llama-3", key).ok());
  const absl::Status status = table.RoutesFor("gpt-4o", key).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("may not use model `gpt-4o`"));
}

TEST_F(RegistryRouteTableTest, ModelsForListsUniqueNamesTheKeyMayUse) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  auto all = table.ModelsFor(AnyKey());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "gpt-4o");
  EXPECT_THAT((*all)[0].providers, ElementsAre("alpha", "beta"));
  EXPECT_EQ((*all)[1].id, "llama-3");

  ClientKey restricted = AnyKey();
  restricted.set_provider_id(1);
  auto alpha_only = table.ModelsFor(restricted);
  ASSERT_TRUE(alpha_only.ok());
  ASSERT_EQ(alpha_only->size(), 1u);
  EXPECT_THAT((*alpha_only)[0].providers, ElementsAre("alpha"));

  ClientKey allow = AnyKey();
  allow.add_allowed_models("llama-3");
  allow.add_allowed_models("not-served");
  auto allowed = table.ModelsFor(allow);
  ASSERT_TRUE(allowed.ok());
  ASSERT_EQ(allowed->size(), 1u);
  EXPECT_EQ((*allowed)[0].id, "llama-3");
}

TEST_F(RegistryRouteTableTest, ReloadsAfterAModelEvent) {
  RegistryRouteTable table(server_.stub());
  RegistryWatcher watcher(server_.stub());
  watcher.AddListener(&table);
  watcher.Start();
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  EXPECT_EQ(table.RoutesFor("mistral", AnyKey()).status().code(), absl::StatusCode::kNotFound);

  server_.service().SetRoutes({MakeRoute(3, "gamma", "mistral", 0)}, 2);
  ChangeEvent event;
  event.set_kind(ChangeEvent::KIND_MODEL);
  event.set_op(ChangeEvent::OP_CREATED);
  server_.service().Emit(event);
  ASSERT_TRUE(table.WaitForRevision(2, absl::Seconds(10)));
  auto routes = table.RoutesFor("mistral", AnyKey());
  ASSERT_TRUE(routes.ok());
  EXPECT_THAT(Providers(*routes), ElementsAre("gamma"));
  EXPECT_EQ(table.RoutesFor("gpt-4o", AnyKey()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryRouteTableTest, KeepsServingTheLastTableWhileTheRegistryIsDown) {
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  server_.service().FailUnary(grpc::StatusCode::UNAVAILABLE);
  ChangeEvent event;
  event.set_kind(ChangeEvent::KIND_PROVIDER);
  table.OnChange(event);
  const int calls = server_.service().list_routes_calls();
  ASSERT_TRUE(testing::Eventually([&] { return server_.service().list_routes_calls() > calls; }));
  EXPECT_TRUE(table.RoutesFor("gpt-4o", AnyKey()).ok());
}

TEST_F(RegistryRouteTableTest, UnavailableUntilTheFirstLoadThenRetriesOnItsOwn) {
  server_.service().FailUnary(grpc::StatusCode::UNAVAILABLE);
  RegistryRouteTable table(server_.stub());
  ASSERT_TRUE(testing::Eventually([&] { return server_.service().list_routes_calls() >= 1; }));
  const absl::Status status = table.RoutesFor("gpt-4o", AnyKey()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(table.ModelsFor(AnyKey()).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(table.LoadNow().code(), absl::StatusCode::kUnavailable);
  server_.service().FailUnary(grpc::StatusCode::OK);
  ASSERT_TRUE(table.WaitForRevision(1, absl::Seconds(10)));
  EXPECT_TRUE(table.RoutesFor("gpt-4o", AnyKey()).ok());
}

TEST(BuildRouteSnapshotTest, OrdersEachModelByPriority) {
  nexus::registry::v1::ListRoutesResponse response;
  *response.add_routes() = MakeRoute(1, "late", "m", 9);
  *response.add_routes() = MakeRoute(2, "early", "m", 1);
  response.set_revision(4);
  auto snapshot = BuildRouteSnapshot(response);
  EXPECT_EQ(snapshot->revision, 4);
  EXPECT_THAT(Providers(snapshot->by_model.at("m")), ElementsAre("early", "late"));
  EXPECT_THAT(snapshot->models, ElementsAre("m"));
}

}  // namespace
}  // namespace nexus::gateway
