#ifndef NEXUS_TESTS_INTEGRATION_GATEWAY_GATEWAY_STACK_H_
#define NEXUS_TESTS_INTEGRATION_GATEWAY_GATEWAY_STACK_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::testing_support {

// The real nexus-registry, nexus-stats and nexus-gateway binaries on free loopback ports, with two
// in-process fake upstreams ("primary" and "backup") registered as providers of "fake-model"
// (primary first), and one client key.
class GatewayStack {
 public:
  GatewayStack();
  ~GatewayStack();

  // Starts everything; false (with a gtest failure) when something did not come up.
  bool Start();

  void StartStats();
  void StopStats();
  void StartGateway();
  int StopGateway(int signal);

  // Another gateway process on `port` sharing this stack's registry and stats, with extra
  // environment settings.
  std::unique_ptr<Subprocess> StartExtraGateway(int port,
                                                const std::map<std::string, std::string>& env);

  int gateway_port() const { return gateway_port_; }
  std::unique_ptr<httplib::Client> Client() const;
  FakeUpstream& primary() { return *primary_; }
  FakeUpstream& backup() { return *backup_; }
  nexus::registry::v1::Registry::Stub& registry() { return *registry_; }
  nexus::stats::v1::Stats::Stub& stats() { return *stats_; }
  const std::string& key() const { return key_; }
  int64_t key_id() const { return key_id_; }
  const std::string& admin_token() const { return admin_token_; }
  std::string GatewayLog() const { return gateway_ ? gateway_->ReadLog() : ""; }

  // A new client key; returns the secret.
  std::string CreateKey(const nexus::registry::v1::CreateKeyRequest& request, int64_t* id);
  // Totals of one key from stats (only what stats has committed).
  absl::StatusOr<nexus::stats::v1::Totals> TotalsFor(int64_t key_id);
  // Waits until stats holds `requests` events for the key; returns the last totals seen.
  nexus::stats::v1::Totals WaitForRequests(int64_t key_id, int64_t requests,
                                           absl::Duration timeout);
  // Newest events of a key.
  std::vector<nexus::stats::v1::UsageEvent> EventsFor(int64_t key_id);

 private:
  TempDir dir_;
  std::string admin_token_ = "nxa-integration-admin-token-0123456789";
  std::string master_key_ = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  int registry_port_ = 0;
  int stats_port_ = 0;
  int gateway_port_ = 0;
  std::unique_ptr<FakeUpstream> primary_;
  std::unique_ptr<FakeUpstream> backup_;
  std::unique_ptr<Subprocess> registry_process_;
  std::unique_ptr<Subprocess> stats_process_;
  std::unique_ptr<Subprocess> gateway_;
  std::unique_ptr<nexus::registry::v1::Registry::Stub> registry_;
  std::unique_ptr<nexus::stats::v1::Stats::Stub> stats_;
  std::string key_;
  int64_t key_id_ = 0;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_INTEGRATION_GATEWAY_GATEWAY_STACK_H_
