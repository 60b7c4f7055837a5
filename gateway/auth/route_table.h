#ifndef NEXUS_GATEWAY_AUTH_ROUTE_TABLE_H_
#define NEXUS_GATEWAY_AUTH_ROUTE_TABLE_H_

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/registry/v1/registry.pb.h"

namespace nexus::gateway {

// Model name -> the deployments serving it, best first, filtered by the key's provider
// restriction. NOT_FOUND when no enabled deployment serves the model; UNAVAILABLE when the
// registry was never reached.
class RouteTable {
 public:
  virtual ~RouteTable() = default;
  virtual absl::StatusOr<std::vector<nexus::registry::v1::Route>> RoutesFor(
      std::string_view model, const nexus::registry::v1::ClientKey& key) = 0;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_AUTH_ROUTE_TABLE_H_
