#ifndef NEXUS_GATEWAY_AUTH_REGISTRY_CLIENT_H_
#define NEXUS_GATEWAY_AUTH_REGISTRY_CLIENT_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nexus/registry/v1/registry.pb.h"

namespace nexus::gateway {

// One ListRoutes call. Cancel may come from any thread, before or while Run waits; the call then
// ends with CANCELLED.
class RoutesCall {
 public:
  virtual ~RoutesCall() = default;
  virtual absl::StatusOr<nexus::registry::v1::ListRoutesResponse> Run() = 0;
  virtual void Cancel() = 0;
};

// One Watch stream. Read blocks for the next event and returns false once the stream ended;
// Finish (after that) says why. Cancel may come from any thread, also before the first Read, and
// makes a waiting or later Read return false.
class ChangeStream {
 public:
  virtual ~ChangeStream() = default;
  virtual bool Read(nexus::registry::v1::ChangeEvent* event) = 0;
  virtual absl::Status Finish() = 0;
  virtual void Cancel() = 0;
};

// The registry calls the gateway's auth caches, route table and watcher make. Statuses carry the
// registry's codes unchanged. The production implementation is GrpcRegistryClient; the caches'
// concurrency is tested against in-memory ones. Thread-safe.
class RegistryClient {
 public:
  virtual ~RegistryClient() = default;
  virtual absl::StatusOr<nexus::registry::v1::ResolveKeyResponse> ResolveKey(
      std::string_view secret, absl::Duration timeout) = 0;
  // Whether the registry accepts `token` as the admin token.
  virtual absl::StatusOr<bool> CheckAdminToken(std::string_view token, absl::Duration timeout) = 0;
  // Nothing is sent before Run.
  virtual std::unique_ptr<RoutesCall> ListRoutes(absl::Duration timeout) = 0;
  // Nothing is sent before the first Read.
  virtual std::unique_ptr<ChangeStream> Watch() = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_REGISTRY_CLIENT_H_
