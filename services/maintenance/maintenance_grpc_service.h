#ifndef NEXUS_SERVICES_MAINTENANCE_MAINTENANCE_GRPC_SERVICE_H_
#define NEXUS_SERVICES_MAINTENANCE_MAINTENANCE_GRPC_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <string>

#include "nexus/ops/v1/maintenance.grpc.pb.h"
#include "services/clock/clock.h"
#include "services/log/logger.h"

namespace nexus::maintenance {

// nexus.ops.v1.Maintenance over one service's database file (open in the service or not: the
// backup reads a snapshot on a connection of its own while the service's writer carries on). It is
// registered next to the service's own API and trusted like it: internal gRPC is reached only by
// the gateway and nexusctl, over loopback or (mutual) TLS. Because a request names a file on the
// server, destinations are still confined to `backup_dir` and never overwrite anything.
class MaintenanceGrpcService final : public ops::v1::Maintenance::Service {
 public:
  // `clock` must outlive the service.
  MaintenanceGrpcService(std::string database_path, std::string backup_dir, const Clock& clock,
                         log::Logger logger);

  grpc::Status Backup(grpc::ServerContext* context, const ops::v1::BackupRequest* request,
                      ops::v1::BackupResponse* response) override;

 private:
  std::string database_path_;
  std::string backup_dir_;
  const Clock& clock_;
  log::Logger logger_;
  // One backup at a time per database: two would only compete for the disk.
  std::mutex backup_mutex_;
};

}  // namespace nexus::maintenance

#endif  // NEXUS_SERVICES_MAINTENANCE_MAINTENANCE_GRPC_SERVICE_H_
