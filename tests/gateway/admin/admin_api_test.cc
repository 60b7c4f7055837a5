// AdminApi against the real registry (nexus_registry_lib) and stats (nexus_stats_lib) services on
// in-process gRPC servers: status codes, validation, write-only secrets, pagination, statistics.
#include "gateway/admin/admin_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "gateway/upstream/address_policy.h"
#include "registry/app/registry_app.h"
#include "services/grpc/server_runner.h"
#include "stats/app/stats_server.h"
#include "tests/support/capture_sink.h"
#include "tests/support/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway::admin {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

struct Reply {
  int status;
  json body;
};

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::Logger logger("test", log::Level::kWarning,
                       std::make_shared<testing_support::CaptureSink>(),
                       std::make_shared<log::Redactor>());
    registry::RegistrySettings settings;
    settings.data_dir = dir_.path() + "/registry";
    settings.master_key = std::string(64, 'b');
    settings.admin_token = "admin-token-for-admin-api-tests";
    std::ostringstream announce;
    auto app = registry::RegistryApp::Open(settings, logger, announce);
    ASSERT_TRUE(app.ok()) << app.status();
    registry_app_ = *std::move(app);
    auto runner = grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"},
                                                    {registry_app_->service()});
    ASSERT_TRUE(runner.ok()) << runner.status();
    registry_runner_ = *std::move(runner);
    registry_stub_ = registry::v1::Registry::NewStub(registry_runner_->InProcessChannel());

    stats::StatsSettings stats_settings;
    stats_settings.listen = "127.0.0.1:0";
    stats_settings.data_dir = dir_.path() + "/stats";
    auto stats = stats::StatsServer::Start(stats_settings, logger, clock_);
    ASSERT_TRUE(stats.ok()) << stats.status();
    stats_server_ = *std::move(stats);
    stats_stub_ = nexus::stats::v1::Stats::NewStub(stats_server_->InProcessChannel());
    api_ = std::make_unique<AdminApi>(*registry_stub_, *stats_stub_, clock_);
  }

  void TearDown() override {
    api_.reset();
    if (stats_server_) stats_server_->Shutdown(absl::Seconds(1));
    if (registry_app_) registry_app_->BeginShutdown();
    if (registry_runner_) registry_runner_->Shutdown(absl::Seconds(1));
  }

  Reply Do(const std::string& method, const std::string& target, const json& body = nullptr) {
    AdminRequest request;
    request.method = method;
    const size_t q = target.find('?');
    request.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::stringstream query(target.substr(q + 1));
      std::string pair;
      while (std::getline(query, pair, '&')) {
        const size_t eq = pair.find('=');
        request.query.emplace(pair.substr(0, eq),
                              eq == std::string::npos ? "" : pair.substr(eq + 1));
      }
    }
    if (!body.is_null()) request.body = body.dump();
    AdminResponse response = api_->Handle(request);
    Reply reply{response.status, nullptr};
    if (!response.body.empty()) reply.body = json::parse(response.body);
    return reply;
  }

  int64_t CreateProvider(const std::string& name) {
    Reply r = Do("POST", "/api/admin/providers",
                 {{"name", name},
                  {"base_url", "http://127.0.0.1:9/v1"},
                  {"api_key", "sk-secret-" + name + "-WXYZ"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.body.value("id", int64_t{0});
  }

  testing_support::TempDir dir_;
  testing_support::FakeClock clock_{absl::FromUnixMillis(1'800'000'000'000)};
  std::unique_ptr<registry::RegistryApp> registry_app_;
  std::unique_ptr<grpc_runtime::ServerRunner> registry_runner_;
  std::unique_ptr<registry::v1::Registry::Stub> registry_stub_;
  std::unique_ptr<stats::StatsServer> stats_server_;
  std::unique_ptr<nexus::stats::v1::Stats::Stub> stats_stub_;
  std::unique_ptr<AdminApi> api_;
};

TEST_F(AdminApiTest, ProviderLifecycleWithWriteOnlyKey) {
  Reply created = Do("POST", "/api/admin/providers",
                     {{"name", "alpha"},
                      {"base_url", "https://api.example.com/v1"},
                      {"api_key", "sk-very-secret-ABCD"},
                      {"description", "first"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.body["id"];
  EXPECT_EQ(created.body["name"], "alpha");
  EXPECT_EQ(created.body["enabled"], true);
  EXPECT_FALSE(created.body.contains("api_key"));
  EXPECT_THAT(created.body["api_key_hint"].get<std::string>(), HasSubstr("ABCD"));
  EXPECT_THAT(created.body.dump(), ::testing::Not(HasSubstr("very-secret")));

  Reply got = Do("GET", "/api/admin/providers/" + std::to_string(id));
  EXPECT_EQ(got.status, 200);
  EXPECT_THAT(got.body.dump(), ::testing::Not(HasSubstr("very-secret")));

  Reply patched = Do("PATCH", "/api/admin/providers/" + std::to_string(id),
                     {{"enabled", false}, {"api_key", ""}, {"description", "changed"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.body["enabled"], false);
  EXPECT_EQ(patched.body["description"], "changed");
  // An empty api_key in an edit keeps the stored key.
  EXPECT_EQ(patched.body["api_key_hint"], created.body["api_key_hint"]);

  EXPECT_EQ(Do("DELETE", "/api/admin/providers/" + std::to_string(id)).status, 204);
  Reply gone = Do("GET", "/api/admin/providers/" + std::to_string(id));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body["error"]["type"], "not_found_error");
  EXPECT_EQ(Do("DELETE", "/api/admin/providers/" + std::to_string(id)).status, 404);
}

TEST_F(AdminApiTest, DuplicateProviderNameIs409) {
  CreateProvider("dup");
  Reply again =
      Do("POST", "/api/admin/providers", {{"name", "dup"}, {"base_url", "http://127.0.0.1:9/v1"}});
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.body["error"]["type"], "conflict_error");
}

TEST_F(AdminApiTest, ValidationErrorsNameTheField) {
  Reply missing = Do("POST", "/api/admin/providers", {{"base_url", "http://x/v1"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["error"]["param"], "name");
  EXPECT_EQ(missing.body["error"]["type"], "invalid_request_error");

  Reply wrong_type = Do("POST", "/api/admin/providers", {{"name", "x"}, {"base_url", 5}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.body["error"]["param"], "base_url");

  Reply bad_url = Do("POST", "/api/admin/providers", {{"name", "x"}, {"base_url", "ftp://nope"}});
  EXPECT_EQ(bad_url.status, 400) << bad_url.body;
  EXPECT_EQ(bad_url.body["error"]["param"], "base_url");

  Reply unknown = Do("POST", "/api/admin/providers",
                     {{"name", "x"}, {"base_url", "http://x/v1"}, {"colour", "red"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["error"]["param"], "colour");

  Reply read_only = Do("POST", "/api/admin/providers",
                       {{"name", "x"}, {"base_url", "http://x/v1"}, {"api_key_hint", "h"}});
  EXPECT_EQ(read_only.body["error"]["param"], "api_key_hint");

  AdminRequest not_json{"POST", "/api/admin/providers", {}, "{nope"};
  AdminResponse response = api_->Handle(not_json);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(json::parse(response.body)["error"]["param"], "body");
}

TEST_F(AdminApiTest, ModelsOfAProvider) {
  const int64_t provider = CreateProvider("beta");
  const std::string base = "/api/admin/providers/" + std::to_string(provider) + "/models";
  Reply model = Do("POST", base, {{"name", "gpt-4o"}, {"upstream_name", "gpt-4o-2024"}});
  ASSERT_EQ(model.status, 201) << model.body;
  EXPECT_EQ(model.body["provider_id"], provider);
  EXPECT_EQ(Do("POST", base, {{"name", "gpt-4o"}}).status, 409);
  EXPECT_EQ(Do("POST", base, {{"name", "has space"}}).body["error"]["param"], "name");

  Reply list = Do("GET", base);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["data"].size(), 1u);
  EXPECT_TRUE(list.body["next_cursor"].is_null());
  EXPECT_EQ(Do("GET", "/api/admin/models").body["data"].size(), 1u);

  const std::string item = "/api/admin/models/" + std::to_string(model.body["id"].get<int64_t>());
  EXPECT_EQ(Do("PATCH", item, {{"enabled", false}}).body["enabled"], false);
  EXPECT_EQ(Do("DELETE", item).status, 204);
  EXPECT_EQ(Do("GET", item).status, 404);
  EXPECT_EQ(Do("GET", "/api/admin/providers/99999/models").status, 404);
  EXPECT_EQ(Do("POST", "/api/admin/providers/99999/models", {{"name", "m"}}).status, 404);
}

TEST_F(AdminApiTest, KeySecretIsReturnedOnlyOnCreate) {
  Reply created =
      Do("POST", "/api/admin/keys",
         {{"name", "alice"}, {"allowed_models", {"gpt-4o"}}, {"requests_per_minute", 60}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.body["key"];
  EXPECT_GT(secret.size(), 20u);
  EXPECT_EQ(secret.rfind(created.body["prefix"].get<std::string>(), 0), 0u);
  EXPECT_EQ(created.body["status"], "active");
  const std::string item = "/api/admin/keys/" + std::to_string(created.body["id"].get<int64_t>());

  Reply got = Do("GET", item);
  EXPECT_FALSE(got.body.contains("key"));
  EXPECT_THAT(got.body.dump(), ::testing::Not(HasSubstr(secret)));
  EXPECT_THAT(Do("GET", "/api/admin/keys").body.dump(), ::testing::Not(HasSubstr(secret)));

  // The registry refuses a past expiry; the API derives "expired" from its own clock.
  EXPECT_EQ(Do("PATCH", item, {{"expires_at_ms", 1'000}}).body["error"]["param"], "expires_at_ms");
  clock_.Set(absl::Now() + absl::Hours(48));
  Reply expired =
      Do("PATCH", item, {{"expires_at_ms", absl::ToUnixMillis(absl::Now() + absl::Hours(24))}});
  EXPECT_EQ(expired.status, 200) << expired.body;
  EXPECT_EQ(expired.body["status"], "expired");
  Reply cleared =
      Do("PATCH", item, {{"expires_at_ms", nullptr}, {"allowed_models", json::array()}});
  EXPECT_EQ(cleared.body["status"], "active");
  EXPECT_TRUE(cleared.body["expires_at_ms"].is_null());
  EXPECT_TRUE(cleared.body["allowed_models"].empty());

  Reply revoked = Do("POST", item + "/revoke");
  EXPECT_EQ(revoked.status, 200);
  EXPECT_EQ(revoked.body["status"], "revoked");
  EXPECT_EQ(Do("DELETE", item).status, 204);
  EXPECT_EQ(Do("GET", item).status, 404);
  EXPECT_EQ(Do("POST", "/api/admin/keys", {{"name", "x"}, {"max_concurrency", -1}})
                .body["error"]["param"],
            "max_concurrency");
}

TEST_F(AdminApiTest, ListsArePaginated) {
  for (int i = 0; i < 5; ++i) CreateProvider("p" + std::to_string(i));
  std::vector<std::string> names;
  std::string cursor;
  int pages = 0;
  do {
    Reply page =
        Do("GET", "/api/admin/providers?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_LE(page.body["data"].size(), 2u);
    for (const json& p : page.body["data"]) names.push_back(p["name"]);
    cursor = page.body["next_cursor"].is_null() ? "" : page.body["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(names, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(Do("GET", "/api/admin/providers?limit=0").body["error"]["param"], "limit");
  EXPECT_EQ(Do("GET", "/api/admin/keys?limit=5000").status, 400);
}

TEST_F(AdminApiTest, RoutingErrors) {
  EXPECT_EQ(Do("GET", "/api/admin/nothing").status, 404);
  EXPECT_EQ(Do("GET", "/api/admin/providers/abc").status, 404);
  EXPECT_EQ(Do("PUT", "/api/admin/providers").status, 405);
  EXPECT_EQ(Do("POST", "/api/admin/stats/summary").status, 405);
}

TEST_F(AdminApiTest, StatsSummaryTimeSeriesAndBreakdown) {
  const int64_t now = absl::ToUnixMillis(clock_.Now());
  nexus::stats::v1::RecordUsageRequest record;
  for (int i = 0; i < 3; ++i) {
    auto* e = record.add_events();
    e->set_request_id("req-" + std::to_string(i));
    e->set_timestamp_ms(now - 60'000 * (i + 1));
    e->set_key_id(7);
    e->set_provider_id(1);
    e->set_model(i == 2 ? "other" : "gpt-4o");
    e->set_conversation_id("conv-1");
    e->set_prompt_tokens(10);
    e->set_completion_tokens(5);
    e->set_total_tokens(15);
    e->set_token_source(nexus::stats::v1::TOKEN_SOURCE_REPORTED);
    e->set_endpoint(nexus::stats::v1::ENDPOINT_PLAYGROUND);
    e->set_http_status(i == 2 ? 502 : 200);
    e->set_error_type(i == 2 ? "server_error" : "");
    e->set_latency_ms(100);
  }
  nexus::stats::v1::RecordUsageResponse recorded;
  grpc::ClientContext context;
  ASSERT_TRUE(stats_stub_->RecordUsage(&context, record, &recorded).ok());
  ASSERT_EQ(recorded.accepted(), 3);

  Reply summary = Do("GET", "/api/admin/stats/summary");
  ASSERT_EQ(summary.status, 200) << summary.body;
  EXPECT_EQ(summary.body["requests"], 3);
  EXPECT_EQ(summary.body["total_tokens"], 45);
  EXPECT_EQ(summary.body["errors"], 1);
  EXPECT_EQ(summary.body["conversations"], 1);
  EXPECT_EQ(Do("GET", "/api/admin/stats/summary?model=gpt-4o").body["requests"], 2);
  EXPECT_EQ(Do("GET", "/api/admin/stats/summary?key=8").body["requests"], 0);
  EXPECT_EQ(
      Do("GET", "/api/admin/stats/summary?start=" + std::to_string(now - 90'000)).body["requests"],
      1);

  Reply series = Do("GET", "/api/admin/stats/timeseries?group_by=model&bucket=minute&start=" +
                               std::to_string(now - 3'600'000));
  ASSERT_EQ(series.status, 200) << series.body;
  EXPECT_EQ(series.body["bucket"], "minute");
  int64_t tokens = 0;
  for (const json& s : series.body["series"]) {
    for (const json& p : s["points"]) tokens += p["total_tokens"].get<int64_t>();
  }
  EXPECT_EQ(tokens, 45);

  Reply breakdown = Do("GET", "/api/admin/stats/breakdown?group_by=model");
  ASSERT_EQ(breakdown.status, 200) << breakdown.body;
  ASSERT_EQ(breakdown.body["rows"].size(), 2u);
  EXPECT_EQ(breakdown.body["rows"][0]["group"], "gpt-4o");

  EXPECT_EQ(Do("GET", "/api/admin/stats/summary?start=10&end=5").body["error"]["param"], "start");
  EXPECT_EQ(Do("GET", "/api/admin/stats/timeseries?bucket=week").body["error"]["param"], "bucket");
  EXPECT_EQ(Do("GET", "/api/admin/stats/timeseries?group_by=colour").body["error"]["param"],
            "group_by");
  EXPECT_EQ(Do("GET", "/api/admin/stats/summary?start=yesterday").body["error"]["param"], "start");
  EXPECT_EQ(Do("GET", "/api/admin/stats/summary?start=2027-01-15T07:00:00Z").status, 200);
}

TEST_F(AdminApiTest, BaseUrlsAimedAtOurOwnServicesOrMetadataAreRefused) {
  AddressPolicyOptions policy;
  policy.deny_endpoints = OwnEndpoints({{"the gateway's own port", "127.0.0.1:8001"},
                                        {"the registry's gRPC port", "127.0.0.1:50051"}});
  UpstreamAddressGuard guard((AddressPolicy(policy)));
  AdminApiOptions options;
  options.check_base_url = [&guard](std::string_view url) { return guard.CheckBaseUrl(url); };
  api_ = std::make_unique<AdminApi>(*registry_stub_, *stats_stub_, clock_, options);

  for (const char* url : {"http://127.0.0.1:8001/v1", "http://localhost:50051",
                          "http://169.254.169.254/latest/meta-data", "http://[fe80::1]/v1",
                          "http://0.0.0.0:8001/v1"}) {
    Reply r = Do("POST", "/api/admin/providers",
                 {{"name", "evil"}, {"base_url", url}, {"api_key", "sk-secret-evil-WXYZ"}});
    EXPECT_EQ(r.status, 400) << url << r.body;
    EXPECT_EQ(r.body["error"]["param"], "base_url") << url;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find("not allowed"), std::string::npos)
        << r.body;
  }
  EXPECT_TRUE(Do("GET", "/api/admin/providers").body["data"].empty());

  const int64_t id = CreateProvider("fine");  // another loopback port is allowed
  const std::string item = "/api/admin/providers/" + std::to_string(id);
  Reply patch = Do("PATCH", item, {{"base_url", "http://127.0.0.1:8001/v1"}});
  EXPECT_EQ(patch.status, 400) << patch.body;
  EXPECT_EQ(patch.body["error"]["param"], "base_url");
  EXPECT_EQ(Do("GET", item).body["base_url"], "http://127.0.0.1:9/v1");
  EXPECT_EQ(Do("PATCH", item, {{"description", "no url change"}}).status, 200);
}

TEST_F(AdminApiTest, UnreachableRegistryIs503) {
  registry_runner_->Shutdown(absl::Milliseconds(100));
  AdminApiOptions options;
  options.rpc_timeout = absl::Milliseconds(500);
  auto channel = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  auto dead_stub = registry::v1::Registry::NewStub(channel);
  AdminApi api(*dead_stub, *stats_stub_, clock_, options);
  AdminResponse response = api.Handle({"GET", "/api/admin/providers", {}, ""});
  EXPECT_TRUE(response.status == 503 || response.status == 504) << response.status;
}

}  // namespace
}  // namespace nexus::gateway::admin
