#include "services/health/health_probe.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/server_runner.h"

namespace nexus::health {
namespace {

class IdleService : public nexus::stats::v1::Stats::Service {};

TEST(HealthProbeTest, GrpcServingThenUnavailableAfterShutdown) {
  IdleService service;
  auto runner = grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service});
  ASSERT_TRUE(runner.ok());
  std::string address = "127.0.0.1:" + std::to_string((*runner)->port());
  EXPECT_TRUE(ProbeGrpc(address, absl::Seconds(5)).ok());
  (*runner)->Shutdown(absl::Seconds(1));
  EXPECT_FALSE(ProbeGrpc(address, absl::Seconds(1)).ok());
}

TEST(HealthProbeTest, HttpAcceptsOnly2xx) {
  httplib::Server server;
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  EXPECT_TRUE(ProbeHttp(base + "/healthz", absl::Seconds(5)).ok());
  EXPECT_EQ(ProbeHttp(base + "/down", absl::Seconds(5)).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ProbeHttp("ftp://x", absl::Seconds(1)).code(), absl::StatusCode::kInvalidArgument);
  server.stop();
  thread.join();
}

}  // namespace
}  // namespace nexus::health
