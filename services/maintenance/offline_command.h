#ifndef NEXUS_SERVICES_MAINTENANCE_OFFLINE_COMMAND_H_
#define NEXUS_SERVICES_MAINTENANCE_OFFLINE_COMMAND_H_

#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "services/config/config.h"
#include "services/sqlite/restore.h"

namespace nexus::maintenance {

// A one-shot maintenance command a service binary runs instead of serving, e.g.
// `nexus-registry restore --from=/backups/registry-20261126.db`. It reads the service's own
// settings (data_dir, ...) plus its `flags` (flag only, no environment variable, so that a
// leftover variable can never repeat it at the next start).
struct OfflineCommand {
  std::string name;
  std::string summary;
  // Each: name and help; every one is required.
  std::vector<std::pair<std::string, std::string>> flags;
  std::function<absl::Status(config::Config& config, std::ostream& out)> run;
};

// When argv[1] names one of `commands`, runs it and returns the exit code (0; 2 for bad flags;
// 1 when it fails, with the reason on `err`). nullopt when argv[1] is no command name.
std::optional<int> RunOfflineCommand(std::string_view program,
                                     std::span<const config::SettingSpec> service_specs,
                                     std::span<const OfflineCommand> commands, int argc,
                                     const char* const* argv, std::ostream& out, std::ostream& err);

// `restore --from=PATH`: verifies the backup and puts it in place of the database that
// `live_path` reads from the settings (see sqlite::RestoreDatabase).
OfflineCommand RestoreCommand(std::function<absl::StatusOr<std::string>(config::Config&)> live_path,
                              sqlite::RestoreSpec spec);

}  // namespace nexus::maintenance

#endif  // NEXUS_SERVICES_MAINTENANCE_OFFLINE_COMMAND_H_
