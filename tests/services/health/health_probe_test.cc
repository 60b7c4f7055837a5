#include "services/health/health_probe.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/server_runner.h"
#include "tests/services/grpc/test_certificates.h"
#include "tests/support/temp_dir.h"

namespace nexus::health {
namespace {

class IdleService : public nexus::stats::v1::Stats::Service {};

TEST(HealthProbeTest, GrpcServingThenUnavailableAfterShutdown) {
  IdleService service;
  auto runner = grpc_runtime::ServerRunner::Start({.listen_address = "127.0.0.1:0"}, {&service});
  ASSERT_TRUE(runner.ok());
  std::string address = "127.0.0.1:" + std::to_string((*runner)->port());
  EXPECT_TRUE(ProbeGrpc(address, {}, absl::Seconds(5)).ok());
  (*runner)->Shutdown(absl::Seconds(1));
  EXPECT_FALSE(ProbeGrpc(address, {}, absl::Seconds(1)).ok());
}

// A registry or stats serving TLS is probed over TLS; the certificate must name the dialed host
// or the configured server name.
TEST(HealthProbeTest, GrpcOverTlsChecksTheCertificateName) {
  testing_support::TempDir dir;
  auto certs = testing_support::GenerateTestCertificates(dir.path());
  ASSERT_TRUE(certs.ok()) << certs.status();
  IdleService service;
  grpc_runtime::TlsSettings server_tls = {.cert_file = certs->server_cert,
                                          .key_file = certs->server_key};
  auto runner = grpc_runtime::ServerRunner::Start(
      {.listen_address = "127.0.0.1:0", .tls = server_tls}, {&service});
  ASSERT_TRUE(runner.ok()) << runner.status();
  std::string address = "127.0.0.1:" + std::to_string((*runner)->port());

  EXPECT_FALSE(ProbeGrpc(address, {}, absl::Seconds(2)).ok()) << "plaintext against TLS";
  grpc_runtime::TlsSettings client_tls = {.ca_file = certs->ca};
  EXPECT_TRUE(ProbeGrpc(address, client_tls, absl::Seconds(5)).ok());
  client_tls.server_name = "localhost";
  EXPECT_TRUE(ProbeGrpc(address, client_tls, absl::Seconds(5)).ok());
  client_tls.server_name = "stats.internal";  // not in the certificate
  EXPECT_FALSE(ProbeGrpc(address, client_tls, absl::Seconds(2)).ok());
  (*runner)->Shutdown(absl::Seconds(1));
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
