#ifndef NEXUS_GATEWAY_APP_GATEWAY_APP_H_
#define NEXUS_GATEWAY_APP_GATEWAY_APP_H_

#include <memory>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/app/gateway_settings.h"
#include "services/log/logger.h"

namespace nexus::gateway {

// The gateway assembled from its settings: registry and stats clients, caches, pipeline, HTTP
// server with every route. Shared by nexus-gateway and the all-in-one nexus-hub.
class GatewayApp {
 public:
  // Binds the listen address and starts serving; a clear error when the port is taken.
  static absl::StatusOr<std::unique_ptr<GatewayApp>> Start(const GatewaySettings& settings,
                                                           const log::Logger& logger);
  ~GatewayApp();

  int port() const;

  // Stops accepting, lets requests and streams in flight finish until `deadline`, cancels what
  // is left, then flushes accounting (to stats, else to the spool). Idempotent.
  void Shutdown(absl::Duration deadline);

  struct Parts;

 private:
  explicit GatewayApp(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
  std::thread serve_thread_;
  bool shut_down_ = false;
};

}  // namespace nexus::gateway

#endif  // NEXUS_GATEWAY_APP_GATEWAY_APP_H_
