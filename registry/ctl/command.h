#ifndef NEXUS_REGISTRY_CTL_COMMAND_H_
#define NEXUS_REGISTRY_CTL_COMMAND_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "registry/ctl/ctl_context.h"

namespace nexus::ctl {

// A top-level command group ("providers", "models", "keys", ...). `run` receives the arguments
// after the group name (verb first) and returns a status that CtlContext::Finish turns into the
// exit code.
struct CommandGroup {
  std::string_view name;
  std::string_view summary;
  absl::Status (*run)(CtlContext& context, std::span<const std::string> args);
};

// Every group nexusctl knows, in help order. A new group is one source file defining its run
// function, one entry in command_table.cc, and one line in registry/ctl/CMakeLists.txt.
std::span<const CommandGroup> CommandTable();

// Runs `command` (group name first) and returns the exit code, printing failures.
int RunCommand(CtlContext& context, std::span<const std::string> command);

}  // namespace nexus::ctl

#endif  // NEXUS_REGISTRY_CTL_COMMAND_H_
