#ifndef NEXUS_SERVICES_MAINTENANCE_BACKUP_DESTINATION_H_
#define NEXUS_SERVICES_MAINTENANCE_BACKUP_DESTINATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace nexus::maintenance {

// Where a backup requested over the network may be written. Clients name files on the server's
// file system, so they are confined to one directory (the backup_dir setting), and nothing that
// exists is ever overwritten.
//
// `requested` empty: "<backup_dir>/<stem of database_name>-<UTC time>.db". Otherwise it must be
// absolute (INVALID_ARGUMENT), inside `backup_dir` once symbolic links are resolved
// (INVALID_ARGUMENT), in a directory that exists (FAILED_PRECONDITION), and not exist yet
// (ALREADY_EXISTS). `backup_dir` itself is created (mode 0700) when missing.
absl::StatusOr<std::string> ResolveBackupDestination(std::string_view requested,
                                                     const std::string& backup_dir,
                                                     std::string_view database_name,
                                                     absl::Time now);

}  // namespace nexus::maintenance

#endif  // NEXUS_SERVICES_MAINTENANCE_BACKUP_DESTINATION_H_
