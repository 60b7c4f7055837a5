#include "gateway/http/gateway_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gateway/http/client_connection.h"
#include "gateway/http/gateway_routes.h"
#include "nlohmann/json.hpp"

namespace nexus::gateway::http {
namespace {

struct Running {
  explicit Running(ServerOptions options) : server(options) { InstallCommonHandlers(server); }
  // Bind listens, so connections made after it wait in the backlog until Serve accepts them:
  // no probe connection is needed (it would take a connection slot of its own).
  void Start() {
    ASSERT_TRUE(server.Bind().ok());
    thread = std::thread([this] { server.Serve(); });
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

// A client connection that sends nothing: it holds one of the server's connection slots.
int ConnectIdle(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  return fd;
}

// Polls `done` until it holds; false after a generous deadline (a hang guard, not a timing check).
template <typename Condition>
bool Eventually(Condition done) {
  for (absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

class GatewayServerModelTest : public ::testing::TestWithParam<IoModel> {};

TEST_P(GatewayServerModelTest, BeyondMaxConnectionsAnswers503AtOnceAndServesAgainWhenFreed) {
  ServerOptions options = Options();
  options.io_model = GetParam();
  Running running(options);
  running.server.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong", "text/plain");
  });
  running.Start();
  const int port = running.server.bound_port();
  auto stats = running.server.pool_stats();
  const int first = ConnectIdle(port);
  const int second = ConnectIdle(port);
  ASSERT_TRUE(Eventually([&] { return stats->busy.load() == 2; }));

  httplib::Client client("127.0.0.1", port);
  auto refused = client.Get("/ping");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(refused->body)["error"]["type"], "service_unavailable");
  EXPECT_EQ(stats->rejected.load(), 1);

  ::close(first);
  ::close(second);
  ASSERT_TRUE(Eventually([&] { return stats->busy.load() == 0; }));
  httplib::Client again("127.0.0.1", port);
  auto served = again.Get("/ping");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(served->body, "pong");
}

TEST_P(GatewayServerModelTest, ManyKeepAliveClientsAreServedConcurrently) {
  ServerOptions options = Options();
  options.io_model = GetParam();
  options.max_workers = 64;
  Running running(options);
  running.server.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong", "text/plain");
  });
  running.Start();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&] {
      httplib::Client client("127.0.0.1", running.server.bound_port());
      client.set_keep_alive(true);
      for (int i = 0; i < 50; ++i) {
        auto res = client.Get("/ping");
        if (res && res->status == 200 && res->body == "pong") ok.fetch_add(1);
      }
    });
  }
  for (auto& thread : clients) thread.join();
  EXPECT_EQ(ok.load(), 16 * 50);
}

INSTANTIATE_TEST_SUITE_P(IoModels, GatewayServerModelTest,
                         ::testing::Values(IoModel::kFibers, IoModel::kThreads),
                         [](const ::testing::TestParamInfo<IoModel>& info) {
                           return info.param == IoModel::kFibers ? "Fibers" : "Threads";
                         });

}  // namespace
}  // namespace nexus::gateway::http
