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

class Gate {
 public:
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

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

TEST(GatewayServerTest, SecondServerOnTheSamePortFailsToBind) {
  Running first(Options());
  first.Start();
  GatewayHttpServer second(Options(first.server.bound_port()));
  absl::Status status = second.Bind();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("in use"), std::string::npos) << status;
}

TEST(GatewayServerTest, SaturatedPoolAnswers503AtOnce) {
  Running running(Options());
  Gate gate;
  std::atomic<int> entered{0};
  running.server.Get("/block", [&](const httplib::Request&, httplib::Response& res) {
    entered.fetch_add(1);
    gate.Wait();
    res.set_content("done", "text/plain");
  });
  running.Start();
  int port = running.server.bound_port();
  std::vector<std::thread> blockers;
  for (int i = 0; i < 2; ++i) {
    blockers.emplace_back([port] {
      httplib::Client client("127.0.0.1", port);
      auto res = client.Get("/block");
      EXPECT_TRUE(res && res->status == 200);
    });
  }
  while (entered.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/block");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(nlohmann::json::parse(res->body)["error"]["type"], "service_unavailable");
  EXPECT_EQ(running.server.pool_stats()->rejected.load(), 1);
  gate.Open();
  for (auto& t : blockers) t.join();
}

TEST(GatewayServerTest, HandlersSeeTheClientLeave) {
  Running running(Options());
  Gate gone;
  std::atomic<bool> saw_gone{false};
  running.server.Get("/watch", [&](const httplib::Request&, httplib::Response&) {
    ClientConnection* connection = ClientConnection::Current();
    ASSERT_NE(connection, nullptr);
    for (int i = 0; i < 500 && !connection->Gone(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    saw_gone = connection->Gone();
    gone.Open();
  });
  running.Start();
  {
    httplib::Client client("127.0.0.1", running.server.bound_port());
    client.set_read_timeout(0, 200000);
    client.Get("/watch");  // times out and closes its socket
  }
  gone.Wait();
  EXPECT_TRUE(saw_gone.load());
}

}  // namespace
}  // namespace nexus::gateway::http
