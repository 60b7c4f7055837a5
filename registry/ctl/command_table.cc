#include <array>

#include "registry/ctl/args.h"
#include "registry/ctl/command.h"
#include "registry/ctl/global_options.h"

namespace nexus::ctl {

// Each group's run function lives in its own <group>_command.cc.
absl::Status RunProvidersCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunModelsCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunKeysCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunUsageCommand(CtlContext& context, std::span<const std::string> args);
absl::Status RunBackupCommand(CtlContext& context, std::span<const std::string> args);

std::span<const CommandGroup> CommandTable() {
  static const std::array kTable = {
      CommandGroup{"providers", "upstream LLM providers: add|list|show|update|rm",
                   RunProvidersCommand},
      CommandGroup{"models", "models served by providers: add|list|show|update|rm",
                   RunModelsCommand},
      CommandGroup{"keys", "client API keys: create|list|show|update|revoke|rm", RunKeysCommand},
      CommandGroup{"usage", "token usage totals and breakdown (stats service)", RunUsageCommand},
      CommandGroup{"backup", "online backup of a service's database: registry|stats [--out PATH]",
                   RunBackupCommand},
  };
  return kTable;
}

int RunCommand(CtlContext& context, std::span<const std::string> command) {
  if (command.empty()) {
    context.err() << MainUsage();
    return kExitUsage;
  }
  for (const CommandGroup& group : CommandTable()) {
    if (group.name == command[0]) return context.Finish(group.run(context, command.subspan(1)));
  }
  context.err() << MainUsage();
  return context.Finish(UsageError("unknown command '" + command[0] + "'"));
}

}  // namespace nexus::ctl
