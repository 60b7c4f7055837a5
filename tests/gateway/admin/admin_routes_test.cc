// The HTTP wiring of the admin API and the console on a real cpp-httplib server: the admin token
// gate, security headers, MIME types, and that nothing outside the web root is ever served.
#include "gateway/admin/admin_routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/support/serving_thread.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::gateway::admin {
namespace {

class TokenAuthenticator : public AdminAuthenticator {
 public:
  absl::Status Check(std::string_view token) override {
    if (token == "the-admin-token-1234") return absl::OkStatus();
    if (token == "registry-down") return absl::UnavailableError("registry unreachable");
    return absl::UnauthenticatedError("wrong token");
  }
};

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class AdminRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string root = dir_.path() + "/web";
    std::filesystem::create_directories(root + "/js");
    WriteFile(root + "/index.html", "<!doctype html><title>console</title>");
    WriteFile(root + "/js/app.js", "console.log('hi');");
    WriteFile(dir_.path() + "/secret.txt", "do not serve");
    // Registry and stats are not running: calls that pass the gate answer 503/504.
    channel_ = grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
    registry_ = registry::v1::Registry::NewStub(channel_);
    stats_ = nexus::stats::v1::Stats::NewStub(channel_);
    AdminApiOptions options;
    options.rpc_timeout = absl::Milliseconds(300);
    api_ = std::make_unique<AdminApi>(*registry_, *stats_, clock_, options);
    RegisterAdminRoutes(server_, *api_, authenticator_);
    RegisterConsoleRoutes(server_, root);
    serving_ = std::make_unique<testing_support::ServingThread>(server_);
    ASSERT_GT(serving_->port(), 0);
  }
  void TearDown() override { serving_.reset(); }
  httplib::Client Client() { return httplib::Client("127.0.0.1", serving_->port()); }

  testing_support::TempDir dir_;
  SystemClock clock_;
  TokenAuthenticator authenticator_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<registry::v1::Registry::Stub> registry_;
  std::unique_ptr<nexus::stats::v1::Stats::Stub> stats_;
  std::unique_ptr<AdminApi> api_;
  httplib::Server server_;
  std::unique_ptr<testing_support::ServingThread> serving_;
};

TEST_F(AdminRoutesTest, MissingOrWrongTokenIs401) {
  httplib::Client client = Client();
  auto none = client.Get("/api/admin/providers");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_NE(none->body.find("\"authentication_error\""), std::string::npos);
  auto client_key = client.Get("/api/admin/keys", {{"Authorization", "Bearer nx-client-key-abc"}});
  ASSERT_TRUE(client_key);
  EXPECT_EQ(client_key->status, 401);
  auto basic = client.Get("/api/admin/keys", {{"Authorization", "Basic the-admin-token-1234"}});
  EXPECT_EQ(basic->status, 401);
  auto down = client.Get("/api/admin/keys", {{"Authorization", "Bearer registry-down"}});
  EXPECT_EQ(down->status, 503);
}

TEST_F(AdminRoutesTest, ValidTokenReachesTheApi) {
  httplib::Client client = Client();
  auto response =
      client.Get("/api/admin/providers", {{"Authorization", "bearer the-admin-token-1234"}});
  ASSERT_TRUE(response);
  // The registry is down in this test, so the call gets past the gate and fails upstream.
  EXPECT_TRUE(response->status == 503 || response->status == 504) << response->status;
  EXPECT_EQ(response->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json");
}

TEST_F(AdminRoutesTest, ConsoleIsServedWithSecurityHeaders) {
  httplib::Client client = Client();
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string csp = index->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(index->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(index->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(index->get_header_value("Referrer-Policy"), "no-referrer");
  auto script = client.Get("/js/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
}

TEST_F(AdminRoutesTest, NothingOutsideTheWebRootAndNoListings) {
  httplib::Client client = Client();
  for (const char* path : {"/js/../../secret.txt", "/js/%2e%2e/%2e%2e/secret.txt", "/js/", "/js",
                           "/js/.hidden", "/css/missing.css", "/secret.txt"}) {
    auto response = client.Get(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 404) << path;
    EXPECT_EQ(response->body.find("do not serve"), std::string::npos) << path;
  }
}

TEST(MimeTypeTest, KnownExtensions) {
  EXPECT_EQ(MimeTypeFor("a/b.css"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("x.woff2"), "font/woff2");
  EXPECT_EQ(MimeTypeFor("x.svg"), "image/svg+xml");
  EXPECT_EQ(MimeTypeFor("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeTypeFor("x.bin"), "application/octet-stream");
}

TEST(BearerTokenTest, ParsesSchemeCaseInsensitively) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer   abc  "), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken(""), "");
}

}  // namespace
}  // namespace nexus::gateway::admin
