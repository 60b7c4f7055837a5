#include "services/grpc/server_runner.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/channel_factory.h"

namespace nexus::grpc_runtime {
namespace {

// A service whose methods all answer UNIMPLEMENTED: enough to give the server something to run.
class IdleService : public nexus::stats::v1::Stats::Service {};

TEST(ServerRunnerTest, ServesHealthOnPickedPortAndRefusesSharedPort) {
  IdleService service;
  auto runner = ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service});
  ASSERT_TRUE(runner.ok()) << runner.status();
  int port = (*runner)->port();
  ASSERT_GT(port, 0);

  auto channel = MakeChannel("127.0.0.1:" + std::to_string(port));
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(5));
  // The standard health service answers SERVING for the whole server ("").
  grpc::health::v1::HealthCheckRequest check;
  grpc::health::v1::HealthCheckResponse answer;
  auto health = grpc::health::v1::Health::NewStub(channel);
  ASSERT_TRUE(health->Check(&context, check, &answer).ok());
  EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  IdleService other;
  auto second =
      ServerRunner::Start({.listen_address = "127.0.0.1:" + std::to_string(port)}, {&other});
  EXPECT_FALSE(second.ok());
  (*runner)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace nexus::grpc_runtime
