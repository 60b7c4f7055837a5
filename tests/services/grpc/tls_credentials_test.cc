#include "services/grpc/tls_credentials.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <utility>

#include "grpc/health/v1/health.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "services/grpc/channel_factory.h"
#include "services/grpc/server_runner.h"
#include "services/grpc/tls_settings.h"
#include "tests/services/grpc/test_certificates.h"
#include "tests/support/temp_dir.h"

namespace nexus::grpc_runtime {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(IsLoopbackAddressTest, TrueOnlyForAddressesOnlyThisMachineReaches) {
  for (const char* address :
       {"127.0.0.1:50051", "127.8.9.10:1", "localhost:50051", "LOCALHOST:1", "[::1]:50051", "::1",
        "dns:///localhost:50051", "dns:127.0.0.1:1", "ipv4:127.0.0.1:5", "ipv6:[::1]:5",
        "unix:/run/nexus/registry.sock", "unix-abstract:nexus", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "10.0.0.5:50051", "registry:50051",
        "dns:///registry:50051", "192.168.1.127:1", "128.0.0.1:1", "[2001:db8::1]:1",
        "localhost.example.com:1", "", "ipv4:10.0.0.1:1,127.0.0.1:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(MakeServerCredentialsTest, PlaintextOnlyOnLoopbackUnlessAllowed) {
  EXPECT_TRUE(MakeServerCredentials({}, "127.0.0.1:50051").ok());
  auto refused = MakeServerCredentials({}, "0.0.0.0:50051");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr("0.0.0.0:50051"), HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"),
                    HasSubstr("NEXUS_GRPC_TLS_CERT")));
  EXPECT_TRUE(MakeServerCredentials({.allow_plaintext = true}, "0.0.0.0:50051").ok());
}

TEST(MakeChannelCredentialsTest, PlaintextOnlyOnLoopbackUnlessAllowed) {
  EXPECT_TRUE(MakeChannelCredentials({}, "localhost:50051").ok());
  auto refused = MakeChannelCredentials({}, "registry:50051");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr("registry:50051"), HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"),
                    HasSubstr("NEXUS_GRPC_TLS_CA")));
  EXPECT_TRUE(MakeChannelCredentials({.allow_plaintext = true}, "registry:50051").ok());
}

TEST(MakeServerCredentialsTest, MissingOrWrongFilesAreErrorsNamingTheSetting) {
  testing_support::TempDir dir;
  const std::string missing = dir.path() + "/missing.pem";
  auto result = MakeServerCredentials({.cert_file = missing, .key_file = missing}, "0.0.0.0:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), AllOf(HasSubstr("NEXUS_GRPC_TLS_CERT"), HasSubstr(missing),
                                               HasSubstr("No such file or directory")));

  const std::string not_pem = dir.path() + "/notes.txt";
  std::ofstream(not_pem) << "not a certificate\n";
  result = MakeServerCredentials({.cert_file = not_pem, .key_file = not_pem}, "0.0.0.0:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("NEXUS_GRPC_TLS_CERT"), HasSubstr("holds no PEM certificate")));

  // A certificate where the key belongs is caught before gRPC sees it.
  const std::string cert = dir.path() + "/cert.pem";
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  result = MakeServerCredentials({.cert_file = cert, .key_file = cert}, "0.0.0.0:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("NEXUS_GRPC_TLS_KEY"), HasSubstr("holds no PEM private key")));

  result = MakeServerCredentials({.cert_file = cert}, "127.0.0.1:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("set both or neither"));
  result = MakeServerCredentials({.require_client_cert = true}, "127.0.0.1:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("NEXUS_GRPC_REQUIRE_CLIENT_CERT"));
}

TEST(MakeServerCredentialsTest, UnreadableFilesAreErrorsNamingTheSetting) {
  testing_support::TempDir dir;
  const std::string cert = dir.path() + "/cert.pem";
  std::ofstream(cert) << "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  // A directory, and a path through a file: unreadable whoever runs the test (root included).
  for (const auto& [path, reason] :
       {std::pair<std::string, std::string>{dir.path(), "Is a directory"},
        {cert + "/key.pem", "Not a directory"}}) {
    auto result = MakeServerCredentials({.cert_file = cert, .key_file = path}, "127.0.0.1:1");
    ASSERT_FALSE(result.ok()) << path;
    EXPECT_THAT(result.status().message(),
                AllOf(HasSubstr("NEXUS_GRPC_TLS_KEY"), HasSubstr(path), HasSubstr(reason)));
  }
  if (geteuid() != 0) {  // root reads files whatever their mode
    ASSERT_EQ(chmod(cert.c_str(), 0), 0);
    auto result = MakeServerCredentials({.cert_file = cert, .key_file = cert}, "127.0.0.1:1");
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.status().message(),
                AllOf(HasSubstr("NEXUS_GRPC_TLS_CERT"), HasSubstr("Permission denied")));
  }
}

TEST(MakeChannelCredentialsTest, MissingFilesAndHalfClientIdentityAreErrors) {
  testing_support::TempDir dir;
  auto result = MakeChannelCredentials({.ca_file = dir.path() + "/ca.pem"}, "registry:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(),
              AllOf(HasSubstr("NEXUS_GRPC_TLS_CA"), HasSubstr("No such file or directory")));
  result = MakeChannelCredentials({.client_cert_file = "/x.pem"}, "127.0.0.1:1");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("needs NEXUS_GRPC_TLS_CA"));
}

config::EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(ReadGrpcTlsSettingsTest, ReadsEachRoleAndReportsHalfPairs) {
  const std::vector<config::SettingSpec> server_specs =
      WithGrpcTlsSettingSpecs({}, TlsRole::kServer);
  const char* argv[] = {"prog", "--grpc_require_client_cert=true"};
  auto config = config::Config::Load(server_specs, 2, argv,
                                     Env({{"NEXUS_GRPC_TLS_CERT", "/etc/nexus/server.pem"},
                                          {"NEXUS_GRPC_ALLOW_PLAINTEXT", "yes"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  TlsSettings tls = ReadGrpcTlsSettings(*config, TlsRole::kServer);
  EXPECT_EQ(tls.cert_file, "/etc/nexus/server.pem");
  EXPECT_TRUE(tls.allow_plaintext);
  EXPECT_TRUE(tls.require_client_cert);
  EXPECT_THAT(config->Validate().message(),
              AllOf(HasSubstr("--grpc_tls_key (NEXUS_GRPC_TLS_KEY)"),
                    HasSubstr("--grpc_require_client_cert (NEXUS_GRPC_REQUIRE_CLIENT_CERT)")));

  const std::vector<config::SettingSpec> client_specs =
      WithGrpcTlsSettingSpecs({}, TlsRole::kClient);
  config = config::Config::Load(client_specs, 1, argv,
                                Env({{"NEXUS_GRPC_TLS_CA", "/ca.pem"},
                                     {"NEXUS_GRPC_TLS_CLIENT_CERT", "/c.pem"},
                                     {"NEXUS_GRPC_TLS_CLIENT_KEY", "/c.key"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  tls = ReadGrpcTlsSettings(*config, TlsRole::kClient);
  EXPECT_TRUE(config->Validate().ok()) << config->Validate();
  EXPECT_EQ(tls.ca_file, "/ca.pem");
  EXPECT_EQ(tls.client_cert_file, "/c.pem");
  EXPECT_EQ(tls.client_key_file, "/c.key");
  EXPECT_FALSE(tls.allow_plaintext);
}

class IdleService : public nexus::stats::v1::Stats::Service {};

// Health check over `channel`; the gRPC status.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  SetDeadline(context, absl::Seconds(5));
  grpc::health::v1::HealthCheckResponse answer;
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, {}, &answer);
}

TEST(TlsRoundTripTest, MutualTlsServesClientsWithCertificateAndRefusesOthers) {
  testing_support::TempDir dir;
  auto files = testing_support::GenerateTestCertificates(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  IdleService service;
  auto runner = ServerRunner::Start({.listen_address = "127.0.0.1:0",
                                     .tls = {.cert_file = files->server_cert,
                                             .key_file = files->server_key,
                                             .ca_file = files->ca,
                                             .require_client_cert = true}},
                                    {&service});
  ASSERT_TRUE(runner.ok()) << runner.status();
  const std::string address = "127.0.0.1:" + std::to_string((*runner)->port());
  ChannelOptions fast;
  fast.max_reconnect_backoff = absl::Milliseconds(200);

  auto with_cert = Dial(address,
                        {.ca_file = files->ca,
                         .client_cert_file = files->client_cert,
                         .client_key_file = files->client_key},
                        fast);
  ASSERT_TRUE(with_cert.ok()) << with_cert.status();
  EXPECT_TRUE(CheckHealth(*with_cert).ok());

  auto without_cert = Dial(address, {.ca_file = files->ca}, fast);
  ASSERT_TRUE(without_cert.ok()) << without_cert.status();
  EXPECT_EQ(CheckHealth(*without_cert).error_code(), grpc::StatusCode::UNAVAILABLE);
  // Plaintext to a TLS port does not get through either.
  EXPECT_FALSE(CheckHealth(MakeChannel(address, fast)).ok());
  (*runner)->Shutdown(absl::Seconds(1));
}

TEST(TlsRoundTripTest, ServerTlsVerifiedAgainstTheCa) {
  testing_support::TempDir dir;
  auto files = testing_support::GenerateTestCertificates(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  IdleService service;
  auto runner =
      ServerRunner::Start({.listen_address = "127.0.0.1:0",
                           .tls = {.cert_file = files->server_cert, .key_file = files->server_key}},
                          {&service});
  ASSERT_TRUE(runner.ok()) << runner.status();
  const std::string address = "127.0.0.1:" + std::to_string((*runner)->port());
  auto trusted = Dial(address, {.ca_file = files->ca});
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_TRUE(CheckHealth(*trusted).ok());
  // A CA that did not sign the server's certificate: the handshake fails.
  auto stranger = Dial(address, {.ca_file = files->client_cert});
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  EXPECT_FALSE(CheckHealth(*stranger).ok());
  (*runner)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace nexus::grpc_runtime
