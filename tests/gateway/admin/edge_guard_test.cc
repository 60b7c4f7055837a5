// EdgeGuard on a real cpp-httplib server through http::InstallCommonHandlers: the failed-auth
// lockout (429 + Retry-After, other addresses unaffected), CORS closed by default and opened per
// origin for the OpenAI API only, nosniff everywhere. Also: the console HTML has no inline script.
#include "gateway/admin/edge_guard.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "gateway/http/gateway_routes.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_clock.h"
#include "tests/support/serving_thread.h"
#include "tests/support/subprocess.h"

namespace nexus::gateway::admin {
namespace {

class EdgeGuardTest : public ::testing::Test {
 protected:
  void Start(CorsPolicy cors) {
    FailedAuthThrottleOptions options;
    options.max_failures = 3;
    options.window = absl::Seconds(60);
    throttle_ = std::make_unique<FailedAuthThrottle>(clock_, options);
    guard_ = std::make_unique<EdgeGuard>(throttle_.get(), std::move(cors));
    http::EdgeHooks hooks;
    hooks.before = [this](const httplib::Request& q, httplib::Response& s) {
      return guard_->Before(q, s);
    };
    hooks.after = [this](const httplib::Request& q, httplib::Response& s) { guard_->After(q, s); };
    http::InstallCommonHandlers(server_, hooks);
    auto handler = [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer good-key") {
        res.status = 401;
        res.set_content(R"({"error":{"message":"bad key"}})", "application/json");
        return;
      }
      res.set_content(R"({"ok":true})", "application/json");
    };
    server_.Get("/v1/models", handler);
    server_.Post("/v1/chat/completions", handler);
    server_.Get("/api/admin/keys", handler);
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("{}", "application/json");
    });
    serving_ = std::make_unique<testing_support::ServingThread>(server_);
    ASSERT_GT(serving_->port(), 0);
  }
  void TearDown() override { serving_.reset(); }
  httplib::Client Client() { return httplib::Client("127.0.0.1", serving_->port()); }

  testing_support::FakeClock clock_;
  std::unique_ptr<FailedAuthThrottle> throttle_;
  std::unique_ptr<EdgeGuard> guard_;
  httplib::Server server_;
  std::unique_ptr<testing_support::ServingThread> serving_;
};

TEST_F(EdgeGuardTest, RepeatedBadKeysFromOneAddressGet429ThenRecover) {
  Start(CorsPolicy());
  httplib::Client client = Client();
  const httplib::Headers bad = {{"Authorization", "Bearer guess"}};
  const httplib::Headers good = {{"Authorization", "Bearer good-key"}};
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/v1/models", bad);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << i;
  }
  // Locked out: bad and good keys alike, on every route, at once and in OpenAI's shape.
  for (const httplib::Headers& headers : {bad, good}) {
    auto res = client.Get("/v1/models", headers);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 429);
    EXPECT_EQ(res->get_header_value("Retry-After"), "60");
    nlohmann::json body = nlohmann::json::parse(res->body);
    EXPECT_EQ(body["error"]["type"], "rate_limit_error");
    EXPECT_FALSE(res->get_header_value("X-Request-Id").empty());
  }
  auto admin = client.Get("/api/admin/keys", good);
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 429);
  // Health probes stay answerable.
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // Another address (the same guard, another peer) is not affected.
  EXPECT_FALSE(throttle_->LockedOut("127.0.0.2"));

  clock_.Advance(absl::Seconds(60));
  auto after = client.Get("/v1/models", good);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

TEST_F(EdgeGuardTest, AdminTokenGuessesCountToo) {
  Start(CorsPolicy());
  httplib::Client client = Client();
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/api/admin/keys", {{"Authorization", "Bearer nope"}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401);
  }
  auto res = client.Get("/api/admin/keys", {{"Authorization", "Bearer nope"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
}

TEST_F(EdgeGuardTest, CorsIsClosedByDefault) {
  Start(CorsPolicy());
  httplib::Client client = Client();
  auto res = client.Get("/v1/models",
                        {{"Authorization", "Bearer good-key"}, {"Origin", "https://evil.example"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->has_header("Access-Control-Allow-Origin"));
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(res->get_header_value_count("X-Content-Type-Options"), 1u);

  auto preflight = client.Options(
      "/v1/chat/completions", {{"Origin", "https://evil.example"},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "authorization,content-type"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 403);
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Origin"));
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Methods"));
  EXPECT_TRUE(nlohmann::json::parse(preflight->body).contains("error"));
}

TEST_F(EdgeGuardTest, ConfiguredOriginsMayCallTheOpenAiApiOnly) {
  Start(*CorsPolicy::Parse("https://app.example.com, http://localhost:3000"));
  httplib::Client client = Client();
  auto preflight = client.Options(
      "/v1/chat/completions", {{"Origin", "https://app.example.com"},
                               {"Access-Control-Request-Method", "POST"},
                               {"Access-Control-Request-Headers", "authorization,content-type"}});
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Headers"),
            "authorization,content-type");
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Methods").find("POST"),
            std::string::npos);

  auto res = client.Get(
      "/v1/models", {{"Authorization", "Bearer good-key"}, {"Origin", "http://localhost:3000"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_EQ(res->get_header_value("Vary"), "Origin");

  // Not listed; or listed but asking for the admin API.
  auto other = client.Get("/v1/models", {{"Origin", "https://app.example.com.evil.example"}});
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
  auto admin = client.Get("/api/admin/keys", {{"Origin", "https://app.example.com"}});
  ASSERT_TRUE(admin);
  EXPECT_FALSE(admin->has_header("Access-Control-Allow-Origin"));
  auto admin_preflight = client.Options(
      "/api/admin/keys",
      {{"Origin", "https://app.example.com"}, {"Access-Control-Request-Method", "GET"}});
  ASSERT_TRUE(admin_preflight);
  EXPECT_EQ(admin_preflight->status, 403);
  EXPECT_FALSE(admin_preflight->has_header("Access-Control-Allow-Origin"));
}

TEST(CorsPolicyTest, ParsesOriginsAndRejectsOtherText) {
  EXPECT_FALSE(CorsPolicy::Parse("").value().Allows("https://a.example", "/v1/models"));
  absl::StatusOr<CorsPolicy> any = CorsPolicy::Parse("*");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->Allows("https://whatever.example", "/v1/models"));
  EXPECT_FALSE(any->Allows("https://whatever.example", "/api/admin/providers"));
  EXPECT_FALSE(any->Allows("", "/v1/models"));
  absl::StatusOr<CorsPolicy> one = CorsPolicy::Parse("HTTPS://App.Example.com/");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->Allows("https://app.example.com", "/chat/completions"));
  EXPECT_FALSE(one->Allows("http://app.example.com", "/v1/models"));
  for (const char* bad : {"app.example.com", "https://a.example/path", "javascript:alert(1)",
                          "https://a.example,ftp://b"}) {
    EXPECT_FALSE(CorsPolicy::Parse(bad).ok()) << bad;
  }
}

// The console's CSP has no 'unsafe-inline': every script must come from a file, and no element may
// carry an inline handler or a javascript: URL, or the console breaks (or was made unsafe).
TEST(ConsoleMarkupTest, NoInlineScriptsOrHandlers) {
  int pages = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(NEXUS_WEB_SOURCE_DIR)) {
    const std::string path = entry.path().string();
    if (path.find("node_modules") != std::string::npos || entry.path().extension() != ".html") {
      continue;
    }
    ++pages;
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    const std::string html = text.str();
    std::smatch match;
    const std::regex script_tag(R"(<script\b([^>]*)>([\s\S]*?)</script>)", std::regex::icase);
    for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag);
         it != std::sregex_iterator(); ++it) {
      EXPECT_NE((*it)[1].str().find("src="), std::string::npos) << path << ": " << it->str();
      EXPECT_EQ((*it)[2].str().find_first_not_of(" \t\r\n"), std::string::npos)
          << path << ": inline script";
    }
    EXPECT_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)))
        << path << ": inline event handler";
    EXPECT_FALSE(std::regex_search(html, std::regex("javascript:", std::regex::icase))) << path;
  }
  EXPECT_GT(pages, 0);
}

}  // namespace
}  // namespace nexus::gateway::admin
