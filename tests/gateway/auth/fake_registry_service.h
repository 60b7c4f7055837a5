#ifndef NEXUS_TESTS_GATEWAY_AUTH_FAKE_REGISTRY_SERVICE_H_
#define NEXUS_TESTS_GATEWAY_AUTH_FAKE_REGISTRY_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nexus/registry/v1/registry.grpc.pb.h"
#include "services/grpc/server_runner.h"

namespace nexus::gateway::testing {

// A test double of the remote registry: answers ResolveKey, ListRoutes, CheckAdminToken and Watch
// from in-memory tables the test sets, counts calls, can fail unary calls on demand and can hold
// ResolveKey calls at a gate. Every Watch stream starts with KIND_RESET.
class FakeRegistryService : public nexus::registry::v1::Registry::Service {
 public:
  using ChangeEvent = nexus::registry::v1::ChangeEvent;

  void PutKey(const std::string& secret, const nexus::registry::v1::ClientKey& key,
              std::vector<std::string> models = {});
  void RemoveKey(const std::string& secret);
  void SetRoutes(std::vector<nexus::registry::v1::Route> routes, int64_t revision);
  void SetAdminToken(const std::string& token);
  // Unary calls fail with this code (OK: answer normally).
  void FailUnary(grpc::StatusCode code);
  // While closed, ResolveKey calls wait (they are counted before waiting).
  void CloseGate();
  void OpenGate();

  // Sends `event` to every open watch stream.
  void Emit(const ChangeEvent& event);
  // Ends every open watch stream with UNAVAILABLE.
  void EndWatches();
  // While set, new watch streams are refused with UNAVAILABLE (a registry on its way down).
  void RefuseWatches(bool refuse);
  bool WaitForWatchers(int count, absl::Duration timeout);
  bool WaitForResolveCalls(int count, absl::Duration timeout);

  int resolve_calls() const { return resolve_calls_.load(); }
  int list_routes_calls() const { return list_routes_calls_.load(); }
  int admin_calls() const { return admin_calls_.load(); }

  grpc::Status ResolveKey(grpc::ServerContext* context,
                          const nexus::registry::v1::ResolveKeyRequest* request,
                          nexus::registry::v1::ResolveKeyResponse* response) override;
  grpc::Status ListRoutes(grpc::ServerContext* context,
                          const nexus::registry::v1::ListRoutesRequest* request,
                          nexus::registry::v1::ListRoutesResponse* response) override;
  grpc::Status CheckAdminToken(grpc::ServerContext* context,
                               const nexus::registry::v1::CheckAdminTokenRequest* request,
                               nexus::registry::v1::CheckAdminTokenResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const nexus::registry::v1::WatchRequest* request,
                     grpc::ServerWriter<ChangeEvent>* writer) override;

 private:
  struct Stream {
    std::deque<ChangeEvent> queue;
    bool ended = false;
  };

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, nexus::registry::v1::ResolveKeyResponse> keys_;
  nexus::registry::v1::ListRoutesResponse routes_;
  std::string admin_token_;
  grpc::StatusCode failure_ = grpc::StatusCode::OK;
  bool gate_open_ = true;
  bool refuse_watches_ = false;
  std::list<std::shared_ptr<Stream>> streams_;
  int64_t revision_ = 0;

  std::atomic<int> resolve_calls_{0};
  std::atomic<int> list_routes_calls_{0};
  std::atomic<int> admin_calls_{0};
};

// The fake on a real gRPC server (127.0.0.1, port chosen at first start, kept across restarts)
// with a TCP channel, so that stopping the server looks to clients like a registry going down.
class FakeRegistryServer {
 public:
  FakeRegistryServer();
  ~FakeRegistryServer();

  FakeRegistryService& service() { return service_; }
  std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub() { return stub_; }
  int port() const { return port_; }

  void Stop();
  // Starts again on the same port; false if that failed.
  bool Restart();

 private:
  FakeRegistryService service_;
  std::unique_ptr<nexus::grpc_runtime::ServerRunner> runner_;
  int port_ = 0;
  std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub_;
};

}  // namespace nexus::gateway::testing

#endif  // NEXUS_TESTS_GATEWAY_AUTH_FAKE_REGISTRY_SERVICE_H_
