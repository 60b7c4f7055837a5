// The real nexus-registry, nexus-stats, nexus-gateway and nexusctl over TLS and mutual TLS on
// loopback, with certificates made by the openssl command for this run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "tests/services/grpc/test_certificates.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus {
namespace {

using ::testing::HasSubstr;
using testing_support::BinaryPath;
using testing_support::CommandResult;
using testing_support::FakeUpstream;
using testing_support::FreePort;
using testing_support::RunCommand;
using testing_support::Subprocess;
using testing_support::WaitForPort;

using Env = std::map<std::string, std::string>;

std::string Loopback(int port) { return absl::StrCat("127.0.0.1:", port); }

class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto files = testing_support::GenerateTestCertificates(dir_.path());
    ASSERT_TRUE(files.ok()) << files.status();
    certs_ = *files;
  }

  void TearDown() override {
    for (auto* process : {&gateway_, &stats_, &registry_}) {
      if (*process) {
        EXPECT_EQ((*process)->Stop(SIGTERM, absl::Seconds(15)), 0);
      }
    }
  }

  // Server settings for TLS, requiring client certificates when `mutual`.
  Env ServerTls(bool mutual) const {
    Env env = {{"NEXUS_GRPC_TLS_CERT", certs_.server_cert},
               {"NEXUS_GRPC_TLS_KEY", certs_.server_key}};
    if (mutual) {
      env["NEXUS_GRPC_TLS_CA"] = certs_.ca;
      env["NEXUS_GRPC_REQUIRE_CLIENT_CERT"] = "true";
    }
    return env;
  }

  // Client settings: the CA, and the client certificate when `with_cert`.
  Env ClientTls(bool with_cert) const {
    Env env = {{"NEXUS_GRPC_TLS_CA", certs_.ca}};
    if (with_cert) {
      env["NEXUS_GRPC_TLS_CLIENT_CERT"] = certs_.client_cert;
      env["NEXUS_GRPC_TLS_CLIENT_KEY"] = certs_.client_key;
    }
    return env;
  }

  void StartServices(bool mutual) {
    Env registry = ServerTls(mutual);
    registry.insert({{"NEXUS_REGISTRY_LISTEN", Loopback(registry_port_)},
                     {"NEXUS_DATA_DIR", dir_.path() + "/registry"},
                     {"NEXUS_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
                     {"NEXUS_ADMIN_TOKEN", "nxa-tls-test-admin-token-0123456789"}});
    registry_ = std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-registry")},
                                             registry, dir_.path() + "/registry.log");
    Env stats = ServerTls(mutual);
    stats.insert({{"NEXUS_STATS_LISTEN", Loopback(stats_port_)},
                  {"NEXUS_DATA_DIR", dir_.path() + "/stats"}});
    stats_ = std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-stats")},
                                          stats, dir_.path() + "/stats.log");
    ASSERT_TRUE(WaitForPort(registry_port_, absl::Seconds(20))) << registry_->ReadLog();
    ASSERT_TRUE(WaitForPort(stats_port_, absl::Seconds(20))) << stats_->ReadLog();
  }

  CommandResult Ctl(std::vector<std::string> args, const Env& tls, const std::string& input = "") {
    args.insert(args.begin(), BinaryPath("nexusctl"));
    args.insert(args.end(), {"--json", "--timeout", "5s"});
    Env env = tls;
    env["NEXUS_REGISTRY_ADDR"] = Loopback(registry_port_);
    env["NEXUS_STATS_ADDR"] = Loopback(stats_port_);
    return RunCommand(args, env, input);
  }

  // Adds the fake upstream as a provider of "fake-model" and returns a new client key.
  std::string Provision(const Env& tls) {
    CommandResult provider = Ctl({"providers", "add", "--name", "fake", "--base-url",
                                  upstream_.base_url(), "--api-key-stdin"},
                                 tls, "sk-fake-upstream-secret-0001\n");
    EXPECT_EQ(provider.exit_code, 0) << provider.errors;
    CommandResult model = Ctl({"models", "add", "--provider", "fake", "--name", "fake-model"}, tls);
    EXPECT_EQ(model.exit_code, 0) << model.errors;
    CommandResult key = Ctl({"keys", "create", "--name", "tls"}, tls);
    EXPECT_EQ(key.exit_code, 0) << key.errors;
    return nlohmann::json::parse(key.output, nullptr, false).value("secret", "");
  }

  void StartGateway(const Env& tls) {
    Env env = tls;
    env.insert({{"NEXUS_GATEWAY_LISTEN", Loopback(gateway_port_)},
                {"NEXUS_REGISTRY_ADDR", Loopback(registry_port_)},
                {"NEXUS_STATS_ADDR", Loopback(stats_port_)},
                {"NEXUS_DATA_DIR", dir_.path() + "/gateway"}});
    gateway_ = std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-gateway")},
                                            env, dir_.path() + "/gateway.log");
    ASSERT_TRUE(WaitForPort(gateway_port_, absl::Seconds(20))) << gateway_->ReadLog();
  }

  // A non-streamed chat completion through the gateway once its route table holds the model.
  httplib::Result Chat(const std::string& key) {
    httplib::Client client("127.0.0.1", gateway_port_);
    client.set_read_timeout(20, 0);
    const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
    absl::Time until = absl::Now() + absl::Seconds(20);
    while (absl::Now() < until) {
      auto models = client.Get("/v1/models", auth);
      if (models && models->status == 200 && models->body.find("fake-model") != std::string::npos) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    return client.Post("/v1/chat/completions", auth,
                       R"({"model":"fake-model","stream":false,)"
                       R"("messages":[{"role":"user","content":"Hi"}]})",
                       "application/json");
  }

  // The request reached the fake upstream, once.
  void ExpectOneChatUpstream() const {
    int chats = 0;
    for (const auto& request : upstream_.requests()) {
      chats += request.path == "/v1/chat/completions" ? 1 : 0;
    }
    EXPECT_EQ(chats, 1);
  }

  testing_support::TempDir dir_;
  testing_support::TestCertificates certs_;
  FakeUpstream upstream_{{.api_key = "sk-fake-upstream-secret-0001"}};
  int registry_port_ = FreePort();
  int stats_port_ = FreePort();
  int gateway_port_ = FreePort();
  std::unique_ptr<Subprocess> registry_;
  std::unique_ptr<Subprocess> stats_;
  std::unique_ptr<Subprocess> gateway_;
};

TEST_F(GrpcTlsTest, ChatRoundTripsWhenTheGatewayDialsTheServicesOverTls) {
  ASSERT_TRUE(upstream_.Start().ok());
  ASSERT_NO_FATAL_FAILURE(StartServices(/*mutual=*/false));
  // Plaintext to a TLS port gets nowhere.
  CommandResult plaintext = Ctl({"providers", "list"}, {});
  EXPECT_EQ(plaintext.exit_code, 3) << plaintext.output;

  const std::string key = Provision(ClientTls(/*with_cert=*/false));
  ASSERT_TRUE(key.starts_with("nx-")) << key;
  ASSERT_NO_FATAL_FAILURE(StartGateway(ClientTls(/*with_cert=*/false)));
  auto res = Chat(key);
  ASSERT_TRUE(res) << gateway_->ReadLog();
  EXPECT_EQ(res->status, 200) << res->body << gateway_->ReadLog();
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "Hello from the fake upstream.") << res->body;
  ExpectOneChatUpstream();
  // Written just after the port opened; surely there by now.
  EXPECT_THAT(registry_->ReadLog(), HasSubstr("port " + std::to_string(registry_port_) + ", TLS"));
}

TEST_F(GrpcTlsTest, MutualTlsRefusesClientsWithoutCertificate) {
  ASSERT_TRUE(upstream_.Start().ok());
  ASSERT_NO_FATAL_FAILURE(StartServices(/*mutual=*/true));

  CommandResult no_cert = Ctl({"providers", "list"}, ClientTls(/*with_cert=*/false));
  EXPECT_EQ(no_cert.exit_code, 3) << no_cert.output;
  EXPECT_THAT(no_cert.errors, HasSubstr("cannot reach registry"));
  CommandResult no_cert_stats = Ctl({"usage"}, ClientTls(/*with_cert=*/false));
  EXPECT_NE(no_cert_stats.exit_code, 0) << no_cert_stats.output;

  const std::string key = Provision(ClientTls(/*with_cert=*/true));
  ASSERT_TRUE(key.starts_with("nx-")) << key;
  ASSERT_NO_FATAL_FAILURE(StartGateway(ClientTls(/*with_cert=*/true)));
  auto res = Chat(key);
  ASSERT_TRUE(res) << gateway_->ReadLog();
  EXPECT_EQ(res->status, 200) << res->body << gateway_->ReadLog();
  ExpectOneChatUpstream();
  EXPECT_THAT(stats_->ReadLog(), HasSubstr("mutual TLS"));
}

TEST_F(GrpcTlsTest, PlaintextOffLoopbackIsAStartupErrorNamingTheSetting) {
  // The registry refuses before it binds: nothing listens on the wildcard address.
  CommandResult registry =
      RunCommand({BinaryPath("nexus-registry")},
                 {{"NEXUS_REGISTRY_LISTEN", absl::StrCat("0.0.0.0:", registry_port_)},
                  {"NEXUS_DATA_DIR", dir_.path() + "/refused"},
                  {"NEXUS_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}});
  EXPECT_NE(registry.exit_code, 0);
  EXPECT_THAT(registry.errors, HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"));

  CommandResult stats = RunCommand({BinaryPath("nexus-stats")},
                                   {{"NEXUS_STATS_LISTEN", absl::StrCat("0.0.0.0:", stats_port_)},
                                    {"NEXUS_DATA_DIR", dir_.path() + "/refused"}});
  EXPECT_NE(stats.exit_code, 0);
  EXPECT_THAT(stats.errors, HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"));

  // TEST-NET-1 (RFC 5737): never dialled, the check comes first.
  CommandResult gateway = RunCommand({BinaryPath("nexus-gateway")},
                                     {{"NEXUS_GATEWAY_LISTEN", Loopback(gateway_port_)},
                                      {"NEXUS_REGISTRY_ADDR", "192.0.2.1:50051"},
                                      {"NEXUS_DATA_DIR", dir_.path() + "/refused-gateway"}});
  EXPECT_NE(gateway.exit_code, 0);
  EXPECT_THAT(gateway.errors, HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"));
  EXPECT_THAT(gateway.errors, HasSubstr("192.0.2.1:50051"));

  CommandResult ctl =
      RunCommand({BinaryPath("nexusctl"), "--registry", "192.0.2.1:50051", "providers", "list"});
  EXPECT_EQ(ctl.exit_code, 2);
  EXPECT_THAT(ctl.errors, HasSubstr("NEXUS_GRPC_ALLOW_PLAINTEXT"));

  // A missing certificate file names the setting too.
  CommandResult missing = RunCommand({BinaryPath("nexusctl"), "providers", "list"},
                                     {{"NEXUS_GRPC_TLS_CA", dir_.path() + "/no-such-ca.pem"}});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.errors, HasSubstr("NEXUS_GRPC_TLS_CA"));
}

}  // namespace
}  // namespace nexus
