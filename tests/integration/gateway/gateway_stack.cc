#include "tests/integration/gateway/gateway_stack.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/grpc/channel_factory.h"
#include "tests/integration/gateway/stats_ledger.h"

namespace nexus::testing_support {
namespace {

namespace pb = nexus::registry::v1;

std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

}  // namespace

GatewayStack::GatewayStack() {
  registry_port_ = FreePort();
  stats_port_ = FreePort();
  gateway_port_ = FreePort();
}

GatewayStack::~GatewayStack() {
  if (gateway_) gateway_->Stop(SIGTERM, absl::Seconds(10));
  if (stats_process_) stats_process_->Stop(SIGTERM, absl::Seconds(10));
  if (registry_process_) registry_process_->Stop(SIGTERM, absl::Seconds(10));
}

void GatewayStack::StartStats() {
  stats_process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("nexus-stats")},
      std::map<std::string, std::string>{{"NEXUS_STATS_LISTEN", Addr(stats_port_)},
                                         {"NEXUS_DATA_DIR", dir_.path() + "/stats"}},
      dir_.path() + "/stats.log");
  EXPECT_TRUE(WaitForPort(stats_port_, absl::Seconds(20))) << stats_process_->ReadLog();
}

void GatewayStack::StopStats() {
  if (stats_process_) {
    EXPECT_EQ(stats_process_->Stop(SIGTERM, absl::Seconds(10)), 0);
  }
  stats_process_.reset();
}

void GatewayStack::StartGateway() {
  gateway_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("nexus-gateway")},
      std::map<std::string, std::string>{{"NEXUS_GATEWAY_LISTEN", Addr(gateway_port_)},
                                         {"NEXUS_REGISTRY_ADDR", Addr(registry_port_)},
                                         {"NEXUS_STATS_ADDR", Addr(stats_port_)},
                                         {"NEXUS_DATA_DIR", dir_.path() + "/gateway"},
                                         {"NEXUS_GATEWAY_MAX_BODY_BYTES", "65536"},
                                         {"NEXUS_UPSTREAM_READ_TIMEOUT", "20s"},
                                         {"NEXUS_SHUTDOWN_TIMEOUT", "5s"}},
      dir_.path() + "/gateway.log");
  EXPECT_TRUE(WaitForPort(gateway_port_, absl::Seconds(20))) << gateway_->ReadLog();
}

std::unique_ptr<Subprocess> GatewayStack::StartExtraGateway(
    int port, const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> settings = {
      {"NEXUS_GATEWAY_LISTEN", Addr(port)},
      {"NEXUS_REGISTRY_ADDR", Addr(registry_port_)},
      {"NEXUS_STATS_ADDR", Addr(stats_port_)},
      {"NEXUS_DATA_DIR", dir_.path() + "/extra-" + std::to_string(port)}};
  for (const auto& [name, value] : env) settings[name] = value;
  auto process =
      std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-gateway")}, settings,
                                   dir_.path() + "/gateway-" + std::to_string(port) + ".log");
  EXPECT_TRUE(WaitForPort(port, absl::Seconds(20))) << process->ReadLog();
  return process;
}

int GatewayStack::StopGateway(int signal) {
  int code = gateway_ ? gateway_->Stop(signal, absl::Seconds(15)) : -1;
  gateway_.reset();
  return code;
}

std::unique_ptr<httplib::Client> GatewayStack::Client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", gateway_port_);
  client->set_read_timeout(30, 0);
  return client;
}

std::string GatewayStack::CreateKey(const pb::CreateKeyRequest& request, int64_t* id) {
  grpc::ClientContext context;
  pb::CreateKeyResponse response;
  grpc::Status status = registry_->CreateKey(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (id != nullptr) *id = response.key().id();
  return response.secret();
}

bool GatewayStack::Start() {
  primary_ = std::make_unique<FakeUpstream>(
      FakeUpstreamOptions{.api_key = "sk-primary-upstream-secret-0001"});
  backup_ = std::make_unique<FakeUpstream>(
      FakeUpstreamOptions{.api_key = "sk-backup-upstream-secret-0002"});
  if (!primary_->Start().ok() || !backup_->Start().ok()) return false;
  registry_process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("nexus-registry")},
      std::map<std::string, std::string>{{"NEXUS_REGISTRY_LISTEN", Addr(registry_port_)},
                                         {"NEXUS_DATA_DIR", dir_.path() + "/registry"},
                                         {"NEXUS_MASTER_KEY", master_key_},
                                         {"NEXUS_ADMIN_TOKEN", admin_token_}},
      dir_.path() + "/registry.log");
  if (!WaitForPort(registry_port_, absl::Seconds(20))) {
    ADD_FAILURE() << registry_process_->ReadLog();
    return false;
  }
  StartStats();
  registry_ = pb::Registry::NewStub(grpc_runtime::MakeChannel(Addr(registry_port_)));
  stats_ = nexus::stats::v1::Stats::NewStub(grpc_runtime::MakeChannel(Addr(stats_port_)));
  int priority = 0;
  for (FakeUpstream* fake : {primary_.get(), backup_.get()}) {
    pb::CreateProviderRequest provider;
    provider.set_name(fake == primary_.get() ? "primary" : "backup");
    provider.set_base_url(fake->base_url());
    provider.set_api_key(fake == primary_.get() ? "sk-primary-upstream-secret-0001"
                                                : "sk-backup-upstream-secret-0002");
    provider.set_priority(priority++);
    grpc::ClientContext context;
    pb::Provider created;
    grpc::Status status = registry_->CreateProvider(&context, provider, &created);
    if (!status.ok()) {
      ADD_FAILURE() << status.error_message();
      return false;
    }
    pb::CreateModelRequest model;
    model.set_provider_id(created.id());
    model.set_name("fake-model");
    model.set_upstream_name("fake-model-large");
    // An exact tokenizer, so that locally counted usage is marked COUNTED.
    model.set_tokenizer("cl100k_base");
    grpc::ClientContext model_context;
    pb::Model created_model;
    status = registry_->CreateModel(&model_context, model, &created_model);
    if (!status.ok()) {
      ADD_FAILURE() << status.error_message();
      return false;
    }
  }
  pb::CreateKeyRequest key;
  key.set_name("integration");
  key_ = CreateKey(key, &key_id_);
  StartGateway();
  // Serve tests only once the gateway's route table holds the model.
  absl::Time until = absl::Now() + absl::Seconds(30);
  while (absl::Now() < until) {
    auto res = Client()->Get("/v1/models", {{"Authorization", "Bearer " + key_}});
    if (res && res->status == 200 && res->body.find("fake-model") != std::string::npos) {
      return !key_.empty();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  ADD_FAILURE() << "the gateway never listed fake-model\n" << GatewayLog();
  return false;
}

absl::StatusOr<nexus::stats::v1::Totals> GatewayStack::TotalsFor(int64_t key_id) {
  return KeyTotals(*stats_, key_id);
}

nexus::stats::v1::Totals GatewayStack::WaitForRequests(int64_t key_id, int64_t requests,
                                                       absl::Duration timeout) {
  return WaitForKeyRequests(*stats_, key_id, requests, timeout);
}

std::vector<nexus::stats::v1::UsageEvent> GatewayStack::EventsFor(int64_t key_id) {
  return KeyEvents(*stats_, key_id);
}

}  // namespace nexus::testing_support
