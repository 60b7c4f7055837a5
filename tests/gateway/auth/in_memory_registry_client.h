#ifndef NEXUS_TESTS_GATEWAY_AUTH_IN_MEMORY_REGISTRY_CLIENT_H_
#define NEXUS_TESTS_GATEWAY_AUTH_IN_MEMORY_REGISTRY_CLIENT_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/auth/registry_client.h"

namespace nexus::gateway::testing {

// A registry in memory behind the RegistryClient interface, so that the caches, route table and
// watcher run from many threads without gRPC (whose uninstrumented internals ThreadSanitizer
// cannot follow). Answers from tables the test sets, counts calls, can fail unary calls, can hold
// them at a gate, and honours Cancel like gRPC: a held or streaming call ends CANCELLED. Every
// watch stream starts with KIND_RESET at the current revision, as the registry's does.
// A change event of `kind` about the row `id` (revision unset), as the watch stream sends them.
inline nexus::registry::v1::ChangeEvent ChangeOf(nexus::registry::v1::ChangeEvent::Kind kind,
                                                 int64_t id = 0) {
  nexus::registry::v1::ChangeEvent event;
  event.set_kind(kind);
  event.set_id(id);
  return event;
}

class InMemoryRegistryClient : public RegistryClient {
 public:
  using ChangeEvent = nexus::registry::v1::ChangeEvent;

  InMemoryRegistryClient() = default;

  void PutKey(const std::string& secret, const nexus::registry::v1::ClientKey& key,
              std::vector<std::string> models = {});
  void RemoveKey(const std::string& secret);
  // Routes of the next ListRoutes answers; bumps the revision (answers carry the current one).
  void SetRoutes(std::vector<nexus::registry::v1::Route> routes);
  void SetAdminToken(const std::string& token);
  // Unary calls (ResolveKey, CheckAdminToken, ListRoutes) fail with this status (OK: answer).
  void FailUnary(absl::Status status);
  // While closed, unary calls wait (counted before waiting) until opened or cancelled. A held
  // ResolveKey carries the answer the registry gave when the call arrived.
  void CloseGate();
  void OpenGate();

  // Sends `event` (revision set here, increasing) to every open watch stream.
  void Emit(ChangeEvent event);
  // Ends every open watch stream with `status`.
  void EndStreams(absl::Status status);
  // While set, new watch streams end at once with UNAVAILABLE.
  void RefuseStreams(bool refuse);

  // Block until the count is reached; false after a generous deadline (hang guard only).
  bool WaitForResolveCalls(int count);
  bool WaitForListRoutesCalls(int count);
  bool WaitForStreams(int count);  // streams that have started reading

  int resolve_calls() const;
  int admin_calls() const;
  int list_routes_calls() const;
  int cancelled_calls() const;  // unary calls and streams ended by Cancel
  int streams() const;
  int64_t revision() const;

  absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> ResolveKey(
      std::string_view secret, absl::Duration timeout) override;
  absl::StatusOr<bool> CheckAdminToken(std::string_view token, absl::Duration timeout) override;
  std::unique_ptr<RoutesCall> ListRoutes(absl::Duration timeout) override;
  std::unique_ptr<ChangeStream> Watch() override;

 private:
  class Call;
  class Stream;
  struct StreamState {
    std::deque<ChangeEvent> queue;
    bool started = false;
    bool ended = false;
    absl::Status end_status;
  };

  // Waits at the gate; the failure to answer with instead, or OK. `cancelled` may be null.
  absl::Status PassGate(std::unique_lock<std::mutex>& lock, const bool* cancelled);
  absl::StatusOr<nexus::registry::v1::ListRoutesResponse> RunListRoutes(const bool* cancelled);
  bool WaitFor(const std::function<bool()>& done);

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, nexus::registry::v1::ResolveKeyResponse> keys_;
  std::vector<nexus::registry::v1::Route> routes_;
  std::string admin_token_;
  absl::Status failure_;
  bool gate_open_ = true;
  bool refuse_streams_ = false;
  std::vector<std::shared_ptr<StreamState>> streams_;
  int64_t revision_ = 1;
  int resolve_calls_ = 0;
  int admin_calls_ = 0;
  int list_routes_calls_ = 0;
  int cancelled_calls_ = 0;
  int started_streams_ = 0;
};

}  // namespace nexus::gateway::testing

#endif  // NEXUS_TESTS_GATEWAY_AUTH_IN_MEMORY_REGISTRY_CLIENT_H_
