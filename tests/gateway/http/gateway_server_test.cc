#include "gateway/http/gateway_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "gateway/http/client_connection.h"
#include "gateway/http/gateway_routes.h"
#include "nlohmann/json.hpp"
#include "tests/support/subprocess.h"

namespace nexus::gateway::http {
namespace {

struct Running {
  explicit Running(ServerOptions options) : server(options) { InstallCommonHandlers(server); }
  void Start() {
    ASSERT_TRUE(server.Bind().ok());
    thread = std::thread([this] { server.Serve(); });
    ASSERT_TRUE(testing_support::WaitForPort(server.bound_port(), absl::Seconds(5)));
  }
  ~Running() {
    server.Stop();
    server.AbortConnections();
    if (thread.joinable()) thread.join();
  }
  GatewayHttpServer server;
  std::thread thread;
};

ServerOptions Options(int port = 0) {
  ServerOptions options;
  options.port = port;
  options.max_workers = 2;
  options.overload_body =
      R"({"error":{"message":"busy","type":"service_unavailable","param":null,"code":null}})";
  return options;
}

TEST(GatewayServerTest, UnknownRouteIsAnOpenAiErrorWithRequestId) {
  Running running(Options());
  running.Start();
  httplib::Client client("127.0.0.1", running.server.bound_port());
  auto res = client.Get("/nothing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["error"]["code"], "unknown_url");
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_EQ(res->get_header_value("X-Request-Id").rfind("req_", 0), 0u);
}

}  // namespace
}  // namespace nexus::gateway::http
