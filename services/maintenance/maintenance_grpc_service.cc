#include "services/maintenance/maintenance_grpc_service.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "services/maintenance/backup_destination.h"
#include "services/sqlite/files.h"
#include "services/status/status_map.h"

namespace nexus::maintenance {

MaintenanceGrpcService::MaintenanceGrpcService(std::string database_path, std::string backup_dir,
                                               const Clock& clock, log::Logger logger)
    : database_path_(std::move(database_path)),
      backup_dir_(std::move(backup_dir)),
      clock_(clock),
      logger_(std::move(logger)) {}

grpc::Status MaintenanceGrpcService::Backup(grpc::ServerContext*,
                                            const ops::v1::BackupRequest* request,
                                            ops::v1::BackupResponse* response) {
  const std::string database_name = std::filesystem::path(database_path_).filename().string();
  std::lock_guard lock(backup_mutex_);
  absl::StatusOr<std::string> destination =
      ResolveBackupDestination(request->destination(), backup_dir_, database_name, clock_.Now());
  if (!destination.ok()) return status::ToGrpc(destination.status());
  absl::StatusOr<sqlite::CopyInfo> written =
      sqlite::BackupDatabaseFile(database_path_, *destination);
  if (!written.ok()) {
    logger_.Error(absl::StrCat("backup of ", database_name, " to ", *destination,
                               " failed: ", written.status().ToString()));
    return status::ToGrpc(written.status());
  }
  logger_.Info(absl::StrCat("backup of ", database_name, " written to ", *destination, " (",
                            written->bytes, " bytes)"));
  response->set_path(*destination);
  response->set_bytes(written->bytes);
  response->set_pages(written->pages);
  response->set_schema_version(written->schema_version);
  response->set_database(database_name);
  return grpc::Status::OK;
}

}  // namespace nexus::maintenance
