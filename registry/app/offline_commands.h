#ifndef NEXUS_REGISTRY_APP_OFFLINE_COMMANDS_H_
#define NEXUS_REGISTRY_APP_OFFLINE_COMMANDS_H_

#include <vector>

#include "services/maintenance/offline_command.h"

namespace nexus::registry {

// What nexus-registry runs instead of serving, with the service stopped:
//   restore --from=PATH                      put a backup in place of registry.db
//   rotate-master-key --new_master_key_file=PATH
//                                            re-encrypt registry.db under a new master key; the
//                                            current one comes from NEXUS_MASTER_KEY[_FILE]
std::vector<maintenance::OfflineCommand> RegistryOfflineCommands();

}  // namespace nexus::registry

#endif  // NEXUS_REGISTRY_APP_OFFLINE_COMMANDS_H_
