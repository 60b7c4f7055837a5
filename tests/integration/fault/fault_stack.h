#ifndef NEXUS_TESTS_INTEGRATION_FAULT_FAULT_STACK_H_
#define NEXUS_TESTS_INTEGRATION_FAULT_FAULT_STACK_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "nexus/stats/v1/stats.grpc.pb.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace nexus::testing_support {

struct FaultStackOptions {
  // Extra gateway settings (NEXUS_* variables), over the stack's defaults.
  std::map<std::string, std::string> gateway_env;
  // RLIMIT_FSIZE of the gateway process; 0: none.
  uint64_t gateway_max_file_bytes = 0;
};

// The real nexus-registry, nexus-stats and nexus-gateway binaries on free loopback ports, each of
// which a test can kill and restart (same port, same data), with one in-process fake upstream
// serving "fake-model". Every process is killed when the stack goes away.
class FaultStack {
 public:
  explicit FaultStack(FaultStackOptions options = {});
  ~FaultStack();
  FaultStack(const FaultStack&) = delete;
  FaultStack& operator=(const FaultStack&) = delete;

  // Starts everything and waits until the gateway routes "fake-model"; false (with a gtest
  // failure) when something did not come up.
  bool Start();

  bool StartRegistry();
  // Sends `signal` and waits for the exit; returns the exit code (128+signal when killed).
  int StopRegistry(int signal);
  bool StartStats();
  int StopStats(int signal);
  bool StartGateway();
  int StopGateway(int signal);
  Subprocess& gateway() { return *gateway_; }

  int gateway_port() const { return gateway_port_; }
  FakeUpstream& upstream() { return *upstream_; }
  const std::string& dir() const { return dir_.path(); }
  std::string GatewayLog() const;

  // A new client key; returns its secret.
  std::string NewKey(const std::string& name, int64_t* id = nullptr);
  // Totals of one key as stats has committed them.
  absl::StatusOr<nexus::stats::v1::Totals> TotalsFor(int64_t key_id);
  // Waits until stats holds at least `requests` events of the key; returns the last totals seen.
  nexus::stats::v1::Totals WaitForRequests(int64_t key_id, int64_t requests,
                                           absl::Duration timeout);
  std::vector<nexus::stats::v1::UsageEvent> EventsFor(int64_t key_id);
  // A sample of the gateway's /metrics without labels; nullopt when absent or unreachable.
  std::optional<double> Metric(const std::string& name);

 private:
  FaultStackOptions options_;
  TempDir dir_;
  const std::string admin_token_ = "nxa-fault-suite-admin-token-0123456789";
  const std::string master_key_ = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  int registry_port_ = 0;
  int stats_port_ = 0;
  int gateway_port_ = 0;
  std::unique_ptr<FakeUpstream> upstream_;
  std::unique_ptr<Subprocess> registry_process_;
  std::unique_ptr<Subprocess> stats_process_;
  std::unique_ptr<Subprocess> gateway_;
  std::unique_ptr<nexus::registry::v1::Registry::Stub> registry_;
  std::unique_ptr<nexus::stats::v1::Stats::Stub> stats_;
  std::string probe_key_;
};

}  // namespace nexus::testing_support

#endif  // NEXUS_TESTS_INTEGRATION_FAULT_FAULT_STACK_H_
