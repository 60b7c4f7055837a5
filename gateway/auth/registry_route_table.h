#ifndef NEXUS_GATEWAY_AUTH_REGISTRY_ROUTE_TABLE_H_
#define NEXUS_GATEWAY_AUTH_REGISTRY_ROUTE_TABLE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "gateway/auth/registry_client.h"
#include "gateway/auth/registry_watcher.h"
#include "gateway/auth/route_table.h"
#include "nexus/registry/v1/registry.grpc.pb.h"

namespace nexus::gateway {

struct RegistryRouteTableOptions {
  // Deadline of each ListRoutes call.
  absl::Duration rpc_timeout = absl::Seconds(5);
  // Retry delays after a failed reload: from initial, doubling, capped.
  absl::Duration initial_retry = absl::Milliseconds(100);
  absl::Duration max_retry = absl::Seconds(2);
  // Optional; must outlive the table.
  const log::Logger* logger = nullptr;
};

// A model as GET /v1/models lists it: one entry per client-facing name, whatever the number of
// providers serving it.
struct ListedModel {
  std::string id;
  // Names of the providers this key may reach it through, best first.
  std::vector<std::string> providers;
};

// Immutable routing snapshot built from one ListRoutes answer.
struct RouteSnapshot {
  int64_t revision = 0;
  // Model name -> enabled routes, best (lowest priority value) first.
  absl::flat_hash_map<std::string, std::vector<nexus::registry::v1::Route>> by_model;
  // Every model name, sorted.
  std::vector<std::string> models;
};

// RouteTable over the registry's ListRoutes. A background thread loads the table at start and
// reloads it after every KIND_PROVIDER, KIND_MODEL or KIND_RESET event (register the table on a
// RegistryWatcher); lookups read an immutable snapshot and never wait for the registry once one
// exists. Before the first successful load lookups answer UNAVAILABLE at once (the loader keeps
// retrying; start-up code can wait with WaitForRevision or LoadNow).
class RegistryRouteTable : public RouteTable, public ChangeListener {
 public:
  // Starts the loader thread, which makes the first load at once.
  RegistryRouteTable(std::shared_ptr<RegistryClient> registry,
                     RegistryRouteTableOptions options = {});
  // Over gRPC (GrpcRegistryClient).
  RegistryRouteTable(std::shared_ptr<nexus::registry::v1::Registry::StubInterface> stub,
                     RegistryRouteTableOptions options = {});
  ~RegistryRouteTable() override;
  RegistryRouteTable(const RegistryRouteTable&) = delete;
  RegistryRouteTable& operator=(const RegistryRouteTable&) = delete;

  // Routes for `model` this key may use, best first. PERMISSION_DENIED when the key's allow-list
  // excludes the model, NOT_FOUND when no route serves it for this key, UNAVAILABLE when no table
  // was ever loaded.
  absl::StatusOr<std::vector<nexus::registry::v1::Route>> RoutesFor(
      std::string_view model, const nexus::registry::v1::ClientKey& key) override;

  // Models this key may use (allow-list and provider restriction applied), sorted by id.
  absl::StatusOr<std::vector<ListedModel>> ModelsFor(const nexus::registry::v1::ClientKey& key);

  // The current snapshot (null before the first load).
  std::shared_ptr<const RouteSnapshot> Snapshot() const;
  // Loads synchronously now; for start-up ("do not serve before routes are known").
  absl::Status LoadNow();
  // Blocks until a snapshot with revision >= `revision` (or any snapshot, for 0) exists or
  // `timeout` passes; returns whether it does.
  bool WaitForRevision(int64_t revision, absl::Duration timeout);

  void OnChange(const nexus::registry::v1::ChangeEvent& event) override;

 private:
  void Run();
  absl::Status Load();
  std::shared_ptr<const RouteSnapshot> CurrentOrError(absl::Status* error) const;
  void Log(log::Level level, std::string_view message) const;

  const std::shared_ptr<RegistryClient> registry_;
  const RegistryRouteTableOptions options_;

  std::mutex load_mutex_;  // one ListRoutes at a time

  mutable std::mutex mutex_;  // guards the fields below; never held during I/O
  std::condition_variable changed_;
  std::shared_ptr<const RouteSnapshot> snapshot_;
  uint64_t requested_ = 1;  // reload requests (the first load is requested at construction)
  uint64_t loaded_ = 0;     // requests satisfied by a completed load
  bool stopping_ = false;
  RoutesCall* loading_call_ = nullptr;  // cancelled by the destructor
  std::thread thread_;
};

// Builds a snapshot from ListRoutes' answer (routes ordered by model, then priority; the order
// within a model is kept, ties broken by priority again for safety).
std::shared_ptr<const RouteSnapshot> BuildRouteSnapshot(
    const nexus::registry::v1::ListRoutesResponse& response);

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_REGISTRY_ROUTE_TABLE_H_
