#include "tests/integration/fault/fault_stack.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/grpc/channel_factory.h"
#include "tests/integration/gateway/stats_ledger.h"

namespace nexus::testing_support {
namespace {

namespace pb = nexus::registry::v1;

std::string Addr(int port) { return absl::StrCat("127.0.0.1:", port); }

// Bounds how long a process may take to come up or go away; only a guard against hangs.
constexpr absl::Duration kProcessGuard = absl::Seconds(30);

}  // namespace

FaultStack::FaultStack(FaultStackOptions options) : options_(std::move(options)) {
  registry_port_ = FreePort();
  stats_port_ = FreePort();
  gateway_port_ = FreePort();
}

FaultStack::~FaultStack() {
  if (gateway_) gateway_->Stop(SIGKILL, kProcessGuard);
  if (stats_process_) stats_process_->Stop(SIGKILL, kProcessGuard);
  if (registry_process_) registry_process_->Stop(SIGKILL, kProcessGuard);
}

bool FaultStack::StartRegistry() {
  registry_process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("nexus-registry")},
      std::map<std::string, std::string>{{"NEXUS_REGISTRY_LISTEN", Addr(registry_port_)},
                                         {"NEXUS_DATA_DIR", dir() + "/registry"},
                                         {"NEXUS_MASTER_KEY", master_key_},
                                         {"NEXUS_ADMIN_TOKEN", admin_token_}},
      dir() + "/registry.log");
  if (WaitForPort(registry_port_, kProcessGuard)) return true;
  ADD_FAILURE() << "registry did not start (exit code "
                << registry_process_->Stop(SIGKILL, kProcessGuard) << "):\n"
                << registry_process_->ReadLog();
  return false;
}

int FaultStack::StopRegistry(int signal) {
  int code = registry_process_ ? registry_process_->Stop(signal, kProcessGuard) : -1;
  registry_process_.reset();
  return code;
}

bool FaultStack::StartStats() {
  stats_process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{BinaryPath("nexus-stats")},
      std::map<std::string, std::string>{{"NEXUS_STATS_LISTEN", Addr(stats_port_)},
                                         {"NEXUS_DATA_DIR", dir() + "/stats"}},
      dir() + "/stats.log");
  if (WaitForPort(stats_port_, kProcessGuard)) return true;
  ADD_FAILURE() << "stats did not start:\n" << stats_process_->ReadLog();
  return false;
}

int FaultStack::StopStats(int signal) {
  int code = stats_process_ ? stats_process_->Stop(signal, kProcessGuard) : -1;
  stats_process_.reset();
  return code;
}

bool FaultStack::StartGateway() {
  std::map<std::string, std::string> env = {
      {"NEXUS_GATEWAY_LISTEN", Addr(gateway_port_)}, {"NEXUS_REGISTRY_ADDR", Addr(registry_port_)},
      {"NEXUS_STATS_ADDR", Addr(stats_port_)},       {"NEXUS_DATA_DIR", dir() + "/gateway"},
      {"NEXUS_UPSTREAM_READ_TIMEOUT", "20s"},        {"NEXUS_SHUTDOWN_TIMEOUT", "5s"}};
  for (const auto& [name, value] : options_.gateway_env) env[name] = value;
  gateway_ =
      std::make_unique<Subprocess>(std::vector<std::string>{BinaryPath("nexus-gateway")}, env,
                                   dir() + "/gateway.log", options_.gateway_max_file_bytes);
  if (!WaitForPort(gateway_port_, kProcessGuard)) {
    ADD_FAILURE() << "gateway did not start:\n" << GatewayLog();
    return false;
  }
  // Serve tests only once the gateway's route table holds the model.
  httplib::Client client("127.0.0.1", gateway_port_);
  client.set_read_timeout(5, 0);
  const absl::Time until = absl::Now() + kProcessGuard;
  while (absl::Now() < until) {
    auto res = client.Get("/v1/models", {{"Authorization", "Bearer " + probe_key_}});
    if (res && res->status == 200 && res->body.find("fake-model") != std::string::npos) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ADD_FAILURE() << "the gateway never listed fake-model\n" << GatewayLog();
  return false;
}

int FaultStack::StopGateway(int signal) {
  int code = gateway_ ? gateway_->Stop(signal, kProcessGuard) : -1;
  return code;
}

std::string FaultStack::GatewayLog() const { return gateway_ ? gateway_->ReadLog() : ""; }

bool FaultStack::Start() {
  upstream_ = std::make_unique<FakeUpstream>(
      FakeUpstreamOptions{.api_key = "sk-fault-upstream-secret-0001", .threads = 256});
  if (!upstream_->Start().ok()) {
    ADD_FAILURE() << "fake upstream did not start";
    return false;
  }
  if (!StartRegistry() || !StartStats()) return false;
  registry_ = pb::Registry::NewStub(grpc_runtime::MakeChannel(Addr(registry_port_)));
  stats_ = nexus::stats::v1::Stats::NewStub(grpc_runtime::MakeChannel(Addr(stats_port_)));
  pb::CreateProviderRequest provider;
  provider.set_name("fake");
  provider.set_base_url(upstream_->base_url());
  provider.set_api_key("sk-fault-upstream-secret-0001");
  grpc::ClientContext context;
  grpc_runtime::SetDeadline(context, absl::Seconds(10));
  pb::Provider created;
  grpc::Status status = registry_->CreateProvider(&context, provider, &created);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateProvider: " << status.error_message();
    return false;
  }
  pb::CreateModelRequest model;
  model.set_provider_id(created.id());
  model.set_name("fake-model");
  model.set_upstream_name("fake-model-large");
  model.set_tokenizer("cl100k_base");
  grpc::ClientContext model_context;
  grpc_runtime::SetDeadline(model_context, absl::Seconds(10));
  pb::Model created_model;
  status = registry_->CreateModel(&model_context, model, &created_model);
  if (!status.ok()) {
    ADD_FAILURE() << "CreateModel: " << status.error_message();
    return false;
  }
  probe_key_ = NewKey("probe");
  return !probe_key_.empty() && StartGateway();
}

std::string FaultStack::NewKey(const std::string& name, int64_t* id) {
  pb::CreateKeyRequest request;
  request.set_name(name);
  pb::CreateKeyResponse response;
  grpc::Status status;
  // Right after a registry restart the channel may still hold the dead connection (the first call
  // fails) or wait to reconnect: retry within the guard.
  for (absl::Time until = absl::Now() + kProcessGuard; absl::Now() < until;) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    grpc_runtime::SetDeadline(context, absl::Seconds(10));
    status = registry_->CreateKey(&context, request, &response);
    if (status.ok() || status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  if (id != nullptr) *id = response.key().id();
  return response.secret();
}

absl::StatusOr<nexus::stats::v1::Totals> FaultStack::TotalsFor(int64_t key_id) {
  return KeyTotals(*stats_, key_id);
}

nexus::stats::v1::Totals FaultStack::WaitForRequests(int64_t key_id, int64_t requests,
                                                     absl::Duration timeout) {
  return WaitForKeyRequests(*stats_, key_id, requests, timeout);
}

std::vector<nexus::stats::v1::UsageEvent> FaultStack::EventsFor(int64_t key_id) {
  return KeyEvents(*stats_, key_id);
}

std::optional<double> FaultStack::Metric(const std::string& name) {
  httplib::Client client("127.0.0.1", gateway_port_);
  client.set_read_timeout(5, 0);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(res->body, '\n')) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    double value = 0;
    if (parts.size() == 2 && parts[0] == name && absl::SimpleAtod(parts[1], &value)) return value;
  }
  return std::nullopt;
}

}  // namespace nexus::testing_support
